"""Every attempt with a vote code that cannot vote counts against the client's look-up limit,
whatever the code's state: unknown, already used, or of an item not open for voting (before its
notice period, after it, or not under 公议). A code of an item not open for voting answers exactly as
a wrong one; a used code says it was used and nothing of its item. Codes that can vote do not count.
Through gongzhi each attempt is its own committed request, and the failure survives it; the vote
page says so without showing the item."""
import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.deliberation import ballot
from gongzhi.errors import DomainError
from tests.conftest import act_as_owner, unit_id
from tests.deliberation.makers import new_code, new_item
from tests.pages.conftest import APP, TIMEOUT
from tests.personal import act_as_public

UNSEEN = {"title": None, "community": None, "notice_text": None, "notice_from": None, "notice_until": None}


def _limit(conn, n: int = 3) -> None:
    conn.execute("insert into public.security_setting (key, value) values ('codes.failures_per_client', %s::jsonb)"
                 " on conflict (key) do update set value = excluded.value", (str(n),))


def _as_client(conn, address: str) -> None:
    act_as_public(conn)
    conn.execute("select set_config('gongzhi.client_ip', %s, true)", (address,))


def _ballot(conn, code: str, choice: str | None = None) -> list[dict]:
    return conn.execute("select * from private.deliberation_ballot(%s, %s)", (code, choice)).fetchall()


def _too_many(conn, code: str) -> bool:
    try:
        with conn.transaction():
            _ballot(conn, code)
    except psycopg.Error as exc:
        return exc.diag.message_primary == "gongzhi:codes.too_many"
    return False


def _failures(conn) -> int:
    act_as_owner(conn)
    return conn.execute("select count(*) as n from private.code_lookup_failure where kind = 'vote'").fetchone()["n"]


def _items(conn) -> dict[str, int]:
    """Items of 丽水社区: one open for voting, one consulted (codes issued, no notice yet), one whose
    notice period starts tomorrow, one whose period ended yesterday."""
    act_as_owner(conn)
    place = unit_id(conn, "丽水社区")
    items = {"open": new_item(conn, place, "voting"), "consulted": new_item(conn, place, "consulted"),
             "tomorrow": new_item(conn, place, "consulted"), "ended": new_item(conn, place, "voting")}
    conn.execute("update public.deliberation set status = 'voting', notice_text = '公示', notice_from = current_date + 1,"
                 " notice_until = current_date + 5, electorate = 20, quorum = 10 where id = %s", (items["tomorrow"],))
    conn.execute("update public.deliberation set notice_until = current_date - 1 where id = %s", (items["ended"],))
    return items


def test_a_used_code_counts_and_shows_nothing_of_its_item(conn):
    items = _items(conn)
    used, spare = new_code(conn, items["open"]), new_code(conn, items["open"])
    _limit(conn)
    _as_client(conn, "203.0.113.21")
    assert _ballot(conn, used, "yes")[0]["state"] == "voted"              # the vote itself does not count
    for choice in (None, "no", None):
        assert _ballot(conn, used, choice) == [{"state": "used", **UNSEEN, "voted": True}]
    assert _too_many(conn, spare), "three tries with a used code reach the limit"
    assert _failures(conn) == 3
    _as_client(conn, "203.0.113.22")                                       # another client is not held back
    assert _ballot(conn, spare)[0]["state"] == "open"
    act_as_owner(conn)
    assert conn.execute("select count(*) as n from public.deliberation_vote where deliberation_id = %s",
                        (items["open"],)).fetchone()["n"] == 1


@pytest.mark.parametrize("closed", ["consulted", "tomorrow", "ended"])
def test_a_code_of_an_item_not_open_for_voting_counts_and_answers_as_a_wrong_one(conn, closed):
    items = _items(conn)
    code, spare = new_code(conn, items[closed]), new_code(conn, items["open"])
    _limit(conn)
    _as_client(conn, "198.51.100.31")
    wrong = _ballot(conn, "NOSUCHCODE77")
    assert _ballot(conn, code) == wrong == []
    assert _ballot(conn, code, "yes") == []
    assert _too_many(conn, spare)
    assert _failures(conn) == 3
    act_as_owner(conn)
    assert conn.execute("select count(*) as n from public.deliberation_vote where deliberation_id = %s",
                        (items[closed],)).fetchone()["n"] == 0


def test_codes_that_can_vote_do_not_count_and_a_bad_choice_probes_nothing(conn):
    items = _items(conn)
    codes = [new_code(conn, items["open"]) for _ in range(4)]
    _limit(conn)
    _as_client(conn, "192.0.2.51")
    for code in codes:                                    # a household voting behind one address
        assert _ballot(conn, code)[0]["state"] == "open"
        assert _ballot(conn, code, "yes")[0]["state"] == "voted"
    for _ in range(3):                                    # refused before any code is looked at
        with pytest.raises(psycopg.Error) as refused, conn.transaction():
            _ballot(conn, "NOSUCHCODE55", "maybe")
        assert refused.value.diag.message_primary == "gongzhi:deliberation.bad_choice"
    assert _failures(conn) == 0


def test_through_the_portal_every_failed_attempt_is_committed(fresh_db):
    with db.owner() as conn:
        items = _items(conn)
        used, closed, spare = (new_code(conn, items["open"]), new_code(conn, items["ended"]),
                               new_code(conn, items["open"]))
        _limit(conn)
    client = "192.0.2.61"
    assert ballot.vote(used, "yes", client).voted
    for attempt in (lambda: ballot.vote(used, "no", client), lambda: ballot.look_up(used, client)):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.key == "deliberation.code_used"
    with pytest.raises(DomainError) as refused:
        ballot.look_up(closed, client)
    assert refused.value.key == "deliberation.bad_code"                   # the same answer as a wrong code
    with pytest.raises(DomainError) as refused:
        ballot.look_up(spare, client)
    assert refused.value.key == "codes.too_many"
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from private.code_lookup_failure where kind = 'vote'"
                            ).fetchone()["n"] == 3
    assert ballot.look_up(spare, "192.0.2.62").title == "加装电梯"


def test_the_vote_page_says_a_used_code_was_used_and_shows_nothing_of_the_item(fresh_db):
    with db.owner() as conn:
        items = _items(conn)
        used = new_code(conn, items["open"])
    ballot.vote(used, "yes", "192.0.2.71")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/vote.py").run()
    at.text_input(key="vote_code").input(used)
    at.button[0].click().run()
    assert not at.exception
    assert any("已投过票" in e.value for e in at.error)
    assert not at.subheader and not at.info                              # no title, no notice

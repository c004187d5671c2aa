"""Per-client limits on code look-ups, in the database: each unknown tracking code
(public.suggestion_by_code) and each unknown vote code (private.deliberation_ballot) is counted
against the client the portal established; past codes.failures_per_client within the window every
look-up of that kind by that client is refused with codes.too_many, other clients and known codes
are not affected, and the window passing lifts it. Through gongzhi, where each look-up is its own
committed transaction, the same holds and the refusal is a DomainError; the box page says
请稍后再试."""
import datetime as dt

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.deliberation import ballot
from gongzhi.errors import DomainError
from gongzhi.suggest import queries
from gongzhi.suggest.demo import DEMO_CODE
from tests.conftest import act_as_owner
from tests.pages.conftest import APP, TIMEOUT
from tests.personal import act_as_public

UNKNOWN = ["ABCDEFGHJK", "BCDEFGHJKM", "CDEFGHJKMN", "DEFGHJKMNP"]


def _setting(conn, key: str, value: int) -> None:
    conn.execute("insert into public.security_setting (key, value) values (%s, %s::jsonb)"
                 " on conflict (key) do update set value = excluded.value", (key, str(value)))


def _as_client(conn, address: str) -> None:
    act_as_public(conn)
    conn.execute("select set_config('gongzhi.client_ip', %s, true)", (address,))


def _track(conn, code: str):
    return conn.execute("select status from public.suggestion_by_code(%s)", (code,)).fetchone()


def _refused(conn, sql: str, params) -> str:
    with pytest.raises(psycopg.Error) as refused, conn.transaction():
        conn.execute(sql, params)
    return refused.value.diag.message_primary


def test_unknown_tracking_codes_are_limited_per_client(conn):
    act_as_owner(conn)
    _setting(conn, "codes.failures_per_client", 3)
    _as_client(conn, "203.0.113.5")
    for _ in range(5):
        assert _track(conn, DEMO_CODE) is not None          # known codes never count
    for code in UNKNOWN[:3]:
        assert _track(conn, code) is None
    assert _refused(conn, "select * from public.suggestion_by_code(%s)", (DEMO_CODE,)) == "gongzhi:codes.too_many"
    _as_client(conn, "203.0.113.6")                          # another client is not held back
    assert _track(conn, DEMO_CODE) is not None
    assert conn.execute("select * from private.deliberation_ballot(%s)", ("NOSUCHCODE1",)).fetchall() == []
    act_as_owner(conn)
    conn.execute("update private.code_lookup_failure set at = now() - interval '16 minutes'")
    _as_client(conn, "203.0.113.5")                          # the window has passed
    assert _track(conn, DEMO_CODE) is not None


def test_unknown_vote_codes_are_limited_per_client_apart_from_tracking_codes(conn):
    act_as_owner(conn)
    _setting(conn, "codes.failures_per_client", 3)
    _setting(conn, "codes.failure_window_minutes", 60)
    _as_client(conn, "198.51.100.77")
    for code in ("NOSUCHCODE1", "NOSUCHCODE2", "NOSUCHCODE3"):
        assert conn.execute("select * from private.deliberation_ballot(%s, 'yes')", (code,)).fetchall() == []
    assert _refused(conn, "select * from private.deliberation_ballot(%s)", ("NOSUCHCODE4",)) == "gongzhi:codes.too_many"
    assert _track(conn, DEMO_CODE) is not None               # tracking codes are counted apart
    act_as_owner(conn)
    conn.execute("update private.code_lookup_failure set at = now() - interval '30 minutes'")
    _as_client(conn, "198.51.100.77")                        # still inside the hour
    assert _refused(conn, "select * from private.deliberation_ballot(%s)", ("NOSUCHCODE4",)) == "gongzhi:codes.too_many"


def test_the_failure_log_is_nobodys_to_read(conn):
    for who in ("public", "staff"):
        if who == "public":
            act_as_public(conn)
        else:
            from tests.conftest import act_as
            act_as(conn, "district")
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("select count(*) from private.code_lookup_failure")


def test_each_committed_look_up_counts_and_the_refusal_is_a_domain_error(fresh_db):
    with db.owner() as conn:
        _setting(conn, "codes.failures_per_client", 3)
    for code in UNKNOWN[:3]:
        assert queries.lookup(code, "192.0.2.44") is None
    with pytest.raises(DomainError) as refused:
        queries.lookup(DEMO_CODE, "192.0.2.44")
    assert refused.value.key == "codes.too_many"
    assert queries.lookup(DEMO_CODE, "192.0.2.45")["status"]
    for code in ("NOSUCHCODE1", "NOSUCHCODE2", "NOSUCHCODE3"):
        with pytest.raises(DomainError) as refused:
            ballot.look_up(code, "192.0.2.44")
        assert refused.value.key == "deliberation.bad_code"
    with pytest.raises(DomainError) as refused:
        ballot.vote("NOSUCHCODE4", "yes", "192.0.2.44")
    assert refused.value.key == "codes.too_many"
    with db.owner() as conn:
        rows = conn.execute("select kind, count(*) as n from private.code_lookup_failure group by kind order by kind")
        assert {r["kind"]: r["n"] for r in rows} == {"tracking": 3, "vote": 3}
        assert conn.execute("select max(at) as at from private.code_lookup_failure").fetchone()["at"] > \
            dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)


def test_the_box_page_says_try_again_later(fresh_db):
    with db.owner() as conn:
        _setting(conn, "codes.failures_per_client", 3)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/box.py").run()
    at.radio(key="box_view").set_value("track").run()
    for code in UNKNOWN[:3]:
        at.text_input(key="box_track_code").input(code)
        at.button[0].click().run()
        assert any("没有找到这个查询码" in w.value for w in at.warning)
    at.text_input(key="box_track_code").input(DEMO_CODE)
    at.button[0].click().run()
    assert not at.exception and any("请稍后再试" in e.value for e in at.error)
    assert not at.subheader

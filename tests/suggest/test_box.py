"""The public side of the suggestion box, in the database: the public role inserts only through
public.submit_suggestion and reads nothing; anon and staff cannot call it; the flood limits per
phone, per sender and per community follow the district's settings and refuse with their keys;
a tracking code shows the status, steps and reply and nothing a resident wrote."""
import psycopg
import pytest
from psycopg import errors

from gongzhi import i18n
from gongzhi.personal import crypto
from tests.conftest import act_as, act_as_owner
from tests.personal import act_as_public
from tests.suggest.makers import CALL, submit

LISHUI = "丽水社区"


def _code(conn, name=LISHUI) -> str:
    return conn.execute("select code from public.org_unit where name = %s", (name,)).fetchone()["code"]


def _setting(conn, key: str, value: int) -> None:
    act_as_owner(conn)
    conn.execute("insert into public.security_setting (key, value) values (%s, %s::jsonb)"
                 " on conflict (key) do update set value = excluded.value", (key, str(value)))


def _refusal(conn, **kw) -> str:
    with pytest.raises(psycopg.Error) as refused, conn.transaction():
        submit(conn, **kw)
    return refused.value.diag.message_primary


def test_the_public_role_submits_through_the_function_and_reads_nothing(conn):
    community = _code(conn)
    act_as_public(conn)
    row = submit(conn, community, phone="13912345678")
    assert len(row["code"]) == 10 and set(row["code"]) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    for statement in ("select count(*) from public.suggestion",
                      "update public.suggestion set status = 'closed'",
                      "delete from public.suggestion",
                      "insert into public.suggestion (org_unit_id, category_id, body, notice_version, tracking_hash)"
                      " values (1, 1, '直接写入表中', 'suggestion_v1', sha256('x'::bytea))"):
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute(statement)
    act_as_owner(conn)
    stored = conn.execute("select o.name, s.status, s.phone_masked, s.phone_bidx, s.sender_hash, s.reply_due"
                          " from public.suggestion s join public.org_unit o on o.id = s.org_unit_id where s.id = %s",
                          (row["id"],)).fetchone()
    assert stored["name"] == LISHUI and stored["status"] == "received" and stored["phone_masked"] == "139****5678"
    assert stored["phone_bidx"] == crypto.blind_index("phone", "13912345678") and stored["sender_hash"] is not None


@pytest.mark.parametrize("who", [None, "community", "district"])
def test_anon_and_staff_cannot_call_the_box(conn, who):
    community = _code(conn)
    act_as(conn, who)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute(CALL, (community, "repair", "need", "路灯坏了很久了", None, None, None, "suggestion_v1"))
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select * from public.suggestion_by_code('JYX3KP8RTW')")


@pytest.mark.parametrize("args, key", [
    (dict(community="000000000000"), "suggestion.unknown_community"),
    (dict(category="nonsense"), "suggestion.unknown_category"),
    (dict(body="短"), "suggestion.body_length"),
    (dict(body="=HYPERLINK(\"http://x\")"), None),   # a formula: refused with the shared key
])
def test_bad_input_is_refused_with_a_key_and_writes_nothing(conn, args, key):
    community = _code(conn)
    before = conn.execute("select count(*) as n from public.suggestion").fetchone()["n"]
    act_as_public(conn)
    message = _refusal(conn, **{"community": community, **args})
    assert message.startswith("gongzhi:") and i18n.has(message.removeprefix("gongzhi:"))
    if key:
        assert message == f"gongzhi:{key}"
    act_as_owner(conn)
    assert conn.execute("select count(*) as n from public.suggestion").fetchone()["n"] == before


def test_a_notice_of_another_form_is_refused(conn):
    community = _code(conn)
    act_as_public(conn)
    with pytest.raises(psycopg.Error) as refused, conn.transaction():
        conn.execute(CALL, (community, "repair", "need", "路灯坏了很久了", None, None, None, "application_v1"))
    assert refused.value.diag.message_primary == "gongzhi:privacy.notice_required"


def test_the_per_phone_limit_follows_the_setting_and_other_phones_still_pass(conn):
    community = _code(conn)
    _setting(conn, "suggestion.per_phone_day", 2)
    act_as_public(conn)
    submit(conn, community, phone="13800001111")
    submit(conn, community, phone="13800001111", sender="10.1.1.2")
    assert _refusal(conn, community=community, phone="13800001111", sender="10.1.1.3") == "gongzhi:suggestion.phone_too_many"
    submit(conn, community, phone="13800002222")


def test_the_per_sender_limit_follows_the_setting(conn):
    community = _code(conn)
    _setting(conn, "suggestion.per_sender_hour", 3)
    act_as_public(conn)
    for _ in range(3):
        submit(conn, community, sender="203.0.113.9")
    assert _refusal(conn, community=community, sender="203.0.113.9") == "gongzhi:suggestion.too_many"
    submit(conn, community, sender="203.0.113.10")


def test_the_per_community_limit_spares_the_other_communities(conn):
    community, other = _code(conn), _code(conn, "江滩社区")
    act_as_owner(conn)
    already = conn.execute("select count(*) as n from public.suggestion s join public.org_unit o on o.id = s.community_id"
                           " where o.code = %s and s.created_at > now() - interval '1 hour'", (community,)).fetchone()["n"]
    _setting(conn, "suggestion.per_community_hour", already + 2)
    act_as_public(conn)
    submit(conn, community)
    submit(conn, community)
    assert _refusal(conn, community=community) == "gongzhi:suggestion.community_busy"
    submit(conn, other)


def test_every_flood_refusal_reads_in_both_languages():
    for key in ("suggestion.phone_too_many", "suggestion.too_many", "suggestion.community_busy"):
        assert i18n.t(key, "zh") != key and i18n.t(key, "en") != key


def test_a_code_shows_the_status_steps_and_reply_and_nothing_else(conn):
    community = _code(conn)
    act_as_public(conn)
    row = submit(conn, community, phone="13912340000", body="我的电话13912340000，5号楼楼道堆满杂物")
    act_as_owner(conn)
    conn.execute("update public.suggestion set reply = '已安排清理', status = 'accepted' where id = %s", (row["id"],))
    act_as_public(conn)
    code = row["code"]
    typed = f"{code[:5].lower()}-{code[5:]} "
    found = conn.execute("select * from public.suggestion_by_code(%s)", (typed,)).fetchone()
    assert set(found) == {"community", "category_zh", "category_en", "kind", "received_at", "status", "steps",
                          "reply", "replied_at"}
    assert found["status"] == "accepted" and found["reply"] == "已安排清理" and found["community"] == LISHUI
    assert [s["status"] for s in found["steps"]] == ["received", "accepted"]
    assert "13912340000" not in str(found) and "139****0000" not in str(found) and "楼道" not in str(found)
    assert conn.execute("select * from public.suggestion_by_code('ABCDEFGHJK')").fetchone() is None


def test_the_demo_code_is_published_and_works(conn):
    from gongzhi.suggest.demo import DEMO_CODE
    act_as_public(conn)
    found = conn.execute("select * from public.suggestion_by_code(%s)", (DEMO_CODE,)).fetchone()
    assert found is not None and found["community"] == LISHUI

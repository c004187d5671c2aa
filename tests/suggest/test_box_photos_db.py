"""随手拍 on the suggestion box, in the database: the public role adds photos only through
public.submit_suggestion_with_photos, together with a new message and never to an existing one;
the limits (photos per message, bytes per photo, photos per community a day) follow the district's
settings and a refusal leaves neither message nor photo; a message's photos are seen exactly by
the staff who see the message; the tracking code shows no photo; deleting a message deletes its
photo rows."""
import uuid

import psycopg
import pytest
from psycopg import errors
from psycopg.types.json import Jsonb

from gongzhi.personal import crypto
from tests.conftest import act_as, act_as_owner
from tests.personal import act_as_public

CALL = ("select id, code, photos from public.submit_suggestion_with_photos(%s, %s, %s, %s, %s, %s, %s, %s, %s)")


def _code(conn, name="丽水社区") -> str:
    return conn.execute("select code from public.org_unit where name = %s", (name,)).fetchone()["code"]


def _photo(size=52_000, ctype="image/jpeg", name=None) -> dict:
    return {"name": name or uuid.uuid4().hex, "content_type": ctype, "size_bytes": size, "width": 640, "height": 480}


def _submit(conn, community, photos, sender=None, phone=None):
    conn.execute("select set_config('gongzhi.client_ip', %s, true)", (sender or f"10.8.{uuid.uuid4().int % 250}.9",))
    s = crypto.seal("phone", phone) if phone else None
    return conn.execute(CALL, (community, "repair", "need", "3号楼东侧路灯坏了一个多星期，晚上看不清路。",
                               s.enc if s else None, s.bidx if s else None, s.masked if s else None,
                               "suggestion_v1", Jsonb(photos))).fetchone()


def _setting(conn, key: str, value: int) -> None:
    act_as_owner(conn)
    conn.execute("insert into public.security_setting (key, value) values (%s, %s::jsonb)"
                 " on conflict (key) do update set value = excluded.value", (key, str(value)))


def _counts(conn) -> tuple[int, int]:
    act_as_owner(conn)
    row = conn.execute("select (select count(*) from public.suggestion) as s,"
                       " (select count(*) from public.photo where subject_kind = 'suggestion') as p").fetchone()
    return row["s"], row["p"]


def _refused(conn, community, photos) -> str:
    act_as_public(conn)
    with pytest.raises(psycopg.Error) as refused, conn.transaction():
        _submit(conn, community, photos)
    return refused.value.diag.message_primary


def test_the_public_adds_photos_with_a_new_message_and_touches_nothing_else(conn):
    community = _code(conn)
    act_as_public(conn)
    row = _submit(conn, community, [_photo(), _photo(ctype="image/png")])
    keys = row["photos"]
    assert [k["object_key"].rsplit(".", 1)[1] for k in keys] == ["jpg", "png"]
    assert all(k["object_key"].startswith(f"suggestion/{row['id']}/") for k in keys)
    assert all(k["thumb_key"].endswith(".thumb.jpg") for k in keys)
    for statement in ("select count(*) from public.photo",
                      "insert into public.photo (subject_kind, subject_id, object_key, thumb_key, content_type,"
                      f" size_bytes, width, height) values ('suggestion', {row['id']},"
                      f" 'suggestion/{row['id']}/{'a' * 32}.jpg', 'suggestion/{row['id']}/{'a' * 32}.thumb.jpg',"
                      " 'image/jpeg', 10, 10, 10)",
                      "delete from public.photo"):
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute(statement)
    act_as_owner(conn)
    stored = conn.execute("select p.object_key, p.terr, s.terr as message_terr, p.created_by from public.photo p"
                          " join public.suggestion s on s.id = p.subject_id"
                          " where p.subject_kind = 'suggestion' and p.subject_id = %s order by p.id",
                          (row["id"],)).fetchall()
    assert [r["object_key"] for r in stored] == [k["object_key"] for k in keys]
    assert all(r["terr"] == r["message_terr"] and r["created_by"] is None for r in stored)


def test_a_message_without_photos_is_still_one_call(conn):
    community = _code(conn)
    act_as_public(conn)
    row = _submit(conn, community, [])
    assert row["photos"] == [] and len(row["code"]) == 10


@pytest.mark.parametrize("who", [None, "community", "district"])
def test_anon_and_staff_cannot_call_the_photo_path(conn, who):
    community = _code(conn)
    act_as(conn, who)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        _submit(conn, community, [_photo()])
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select * from public.suggestion_photo_limits()")


def test_the_limits_follow_the_settings_and_a_refusal_keeps_nothing(conn):
    community = _code(conn)
    before = _counts(conn)
    assert _refused(conn, community, [_photo() for _ in range(4)]) == "gongzhi:suggestion.photos_too_many"
    assert _refused(conn, community, [_photo(size=5 * 1024 * 1024 + 1)]) == "gongzhi:suggestion.photo_too_large"
    assert _counts(conn) == before
    _setting(conn, "suggestion.photos_per_message", 1)
    _setting(conn, "suggestion.photo_max_mb", 8)
    assert _refused(conn, community, [_photo(), _photo()]) == "gongzhi:suggestion.photos_too_many"
    act_as_public(conn)
    _submit(conn, community, [_photo(size=7 * 1024 * 1024)])
    assert _counts(conn) == (before[0] + 1, before[1] + 1)
    act_as_public(conn)
    assert conn.execute("select * from public.suggestion_photo_limits()").fetchone() == {
        "per_message": 1, "max_bytes": 8 * 1024 * 1024}


def test_a_community_takes_so_many_public_photos_a_day(conn):
    community, other = _code(conn), _code(conn, "江滩社区")
    _setting(conn, "suggestion.photos_per_community_day", 3)
    act_as_public(conn)
    _submit(conn, community, [_photo(), _photo()])
    before = _counts(conn)
    assert _refused(conn, community, [_photo(), _photo()]) == "gongzhi:suggestion.photos_community_busy"
    assert _counts(conn) == before
    act_as_public(conn)
    _submit(conn, community, [_photo()])                      # the third fits
    _submit(conn, other, [_photo(), _photo(), _photo()])     # another community counts its own
    assert _refused(conn, community, [_photo()]) == "gongzhi:suggestion.photos_community_busy"
    act_as_public(conn)
    _submit(conn, community, [])                              # a message without photos still goes in


@pytest.mark.parametrize("photo, key", [
    (_photo(ctype="image/gif"), "photos.bad_type"),
    (_photo(name="../../etc/passwd"), "suggestion.photo_bad"),
    (_photo(size=0), "suggestion.photo_bad"),
    ({"name": uuid.uuid4().hex, "content_type": "image/jpeg"}, "suggestion.photo_bad"),
    ("not an object", "suggestion.photo_bad"),
])
def test_a_malformed_photo_is_refused_and_keeps_nothing(conn, photo, key):
    community = _code(conn)
    before = _counts(conn)
    assert _refused(conn, community, [_photo(), photo]) == f"gongzhi:{key}"
    assert _counts(conn) == before


def _message_with_photo(conn, name="丽水社区") -> int:
    community = _code(conn, name)
    act_as_public(conn)
    return _submit(conn, community, [_photo()])["id"]


@pytest.mark.parametrize("who, sees", [("community", True), ("street", True), ("district", True),
                                       ("grid", False), ("department", False), (None, False)])
def test_a_messages_photos_are_seen_by_those_who_see_the_message(conn, who, sees):
    message = _message_with_photo(conn)
    act_as(conn, who)
    try:
        with conn.transaction():
            seen = conn.execute("select count(*) as n from public.photo where subject_kind = 'suggestion'"
                                " and subject_id = %s", (message,)).fetchone()["n"]
    except errors.InsufficientPrivilege:
        seen = 0
    assert seen == (1 if sees else 0)


def test_another_communitys_staff_do_not_see_the_photos(conn):
    message = _message_with_photo(conn, "花园社区")
    act_as(conn, "community")   # 丽水社区
    assert conn.execute("select count(*) as n from public.photo where subject_kind = 'suggestion'"
                        " and subject_id = %s", (message,)).fetchone()["n"] == 0


def test_the_tracking_code_shows_no_photo(conn):
    community = _code(conn)
    act_as_public(conn)
    row = _submit(conn, community, [_photo()])
    found = conn.execute("select * from public.suggestion_by_code(%s)", (row["code"],)).fetchone()
    assert found is not None
    assert not any("photo" in column or "key" in column for column in found)
    assert "suggestion/" not in str(found)


def test_deleting_a_message_deletes_its_photo_rows(conn):
    message = _message_with_photo(conn)
    act_as_owner(conn)
    conn.execute("delete from public.suggestion where id = %s", (message,))
    assert conn.execute("select count(*) as n from public.photo where subject_kind = 'suggestion'"
                        " and subject_id = %s", (message,)).fetchone()["n"] == 0

"""RLS matrix: a photo is seen exactly where the row it is attached to is seen, added by those who
may change that row (and by the departments summoned to an event), removed by the territory, and
never changed except for 可公开 (`public_as`): street staff mark the event and milestone photos of
their street, the district any of them (the *_public cells). Demand photos are the MATRIX; event and milestone photos have matrices of their own,
because their rows are seen by other people (summoned departments; the levels a project serves)."""
import uuid

import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import (ALL, EVERYTHING, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, new_demand,
                          new_project)
from tests.whistle.helpers import new_event


def _keys(kind: str, subject: int) -> dict:
    name = uuid.uuid4().hex
    return {"kind": kind, "subject": subject, "key": f"{kind}/{subject}/{name}.jpg",
            "thumb": f"{kind}/{subject}/{name}.thumb.jpg"}


def _milestone(conn, unit: int) -> int:
    return conn.execute("insert into public.project_milestone (project_id, title) values (%s, '竣工') returning id",
                        (new_project(conn, unit),)).fetchone()["id"]


SUBJECTS = {"demand": (new_demand, None), "event": (new_event, "after"), "milestone": (_milestone, None)}
INSERT = ("insert into public.photo (subject_kind, subject_id, stage, object_key, thumb_key, content_type, size_bytes,"
          " width, height) values (%(kind)s, %(subject)s, %(stage)s, %(key)s, %(thumb)s, 'image/jpeg', 1000, 64, 48)")


def _prepare(kind):
    def prepare(conn, unit):
        make_subject, stage = SUBJECTS[kind]
        return _keys(kind, make_subject(conn, unit)) | {"stage": stage}
    return prepare


def _make(kind):
    def make(conn, unit):
        key = _prepare(kind)(conn, unit)
        key["id"] = conn.execute(INSERT + " returning id", key).fetchone()["id"]
        return key
    return make


def _spec(kind: str) -> Spec:
    return Spec(table="photo", key="id = %(id)s", make=_make(kind), prepare=_prepare(kind), insert=INSERT,
                update_set="caption = '改一下'")


TERRITORY = dict(select=INSIDE, insert=INSIDE, update=NONE, delete=INSIDE)
DISTRICT = dict(select=ALL, insert=ALL, update=NONE, delete=ALL)
MATRIX = {
    "district": DISTRICT,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}
# Summoned departments see the event's photos and add their own; the territory removes them.
EVENT_MATRIX = {**MATRIX, "department": dict(select=INSIDE, insert=INSIDE, update=NONE, delete=NONE)}
# A project is seen by the levels it serves: its milestones' photos too, but only its own
# territory attaches or removes them.
MILESTONE_MATRIX = {**MATRIX, **{level: dict(TERRITORY, select=INSIDE_ABOVE)
                                 for level in ("street", "community", "grid")}}

# 可公开: the one change a photo takes. Street staff of the street and the district; nobody else.
MARKS = {"district": ALL, "street": INSIDE}


def _public_spec(kind: str) -> Spec:
    return Spec(table="photo", key="id = %(id)s", make=_make(kind), prepare=_prepare(kind), insert=INSERT,
                update_set="public_as = 'after'")


def _marking(matrix: dict) -> dict:
    return {role: dict(ops, update=MARKS.get(role, NONE)) for role, ops in matrix.items()}


test_cell = cell_test(_spec("demand"), MATRIX)
test_event_public_cell = cell_test(_public_spec("event"), _marking(EVENT_MATRIX))
test_milestone_public_cell = cell_test(_public_spec("milestone"), _marking(MILESTONE_MATRIX))
test_event_cell = cell_test(_spec("event"), EVENT_MATRIX)
test_milestone_cell = cell_test(_spec("milestone"), MILESTONE_MATRIX)


def test_the_matrices_differ_from_everything():
    assert MATRIX["district"] != EVERYTHING, "photos are never changed, not even by the district"


def _grid_photo(conn, kind="demand"):
    act_as_owner(conn)
    return _make(kind)(conn, unit_id(conn, "丽水社区第一网格"))


def test_a_crafted_read_across_territories_finds_nothing(conn):
    photo = _grid_photo(conn)
    act_as(conn, "grid")
    assert conn.execute("select count(*) as n from public.photo where id = %(id)s", photo).fetchone()["n"] == 1
    # Another community's grid worker, naming the photo by id, key and subject.
    act_as_owner(conn)
    other = conn.execute("select s.user_id from public.staff s join public.org_unit o on o.id = s.org_unit_id"
                         " where s.role = 'grid' and o.name = '江滩社区第一网格' and s.active limit 1").fetchone()
    assert other is not None
    from gongzhi.db import connection
    conn.execute("reset role")
    connection.set_identity(conn, str(other["user_id"]), {"aal": "aal2"})
    seen = conn.execute("select count(*) as n from public.photo where id = %(id)s or object_key = %(key)s"
                        " or (subject_kind = 'demand' and subject_id = %(subject)s)", photo).fetchone()["n"]
    assert seen == 0
    assert conn.execute("select private.photo_subject_visible('demand', %(subject)s) as v", photo).fetchone()["v"] is False
    act_as_owner(conn)


def test_a_photo_takes_the_territory_of_its_subject_whatever_the_client_says(conn):
    photo = _grid_photo(conn)
    row = conn.execute("select p.terr, d.terr as subject_terr from public.photo p join public.demand d"
                       " on d.id = p.subject_id where p.id = %(id)s", photo).fetchone()
    assert row["terr"] == row["subject_terr"]
    act_as(conn, "district")
    with pytest.raises(Exception):
        with conn.transaction():
            conn.execute("update public.photo set terr = 0 where id = %(id)s", photo)
    act_as_owner(conn)


def test_photos_move_with_their_row(conn):
    photo = _grid_photo(conn)
    other = unit_id(conn, "江滩社区第一网格")
    conn.execute("update public.demand set org_unit_id = %s where id = %s", (other, photo["subject"]))
    row = conn.execute("select p.terr, d.terr as subject_terr from public.photo p join public.demand d"
                       " on d.id = p.subject_id where p.id = %(id)s", photo).fetchone()
    assert row["terr"] == row["subject_terr"] == conn.execute("select terr from public.org_unit where id = %s",
                                                              (other,)).fetchone()["terr"]


def test_a_photo_cannot_be_attached_to_a_row_of_another_territory(conn):
    act_as_owner(conn)
    key = _prepare("demand")(conn, unit_id(conn, "丽水社区第二网格"))
    act_as(conn, "grid")
    from psycopg import errors as pgerr
    with pytest.raises(pgerr.InsufficientPrivilege):
        with conn.transaction():
            conn.execute(INSERT, key)
    act_as_owner(conn)


@pytest.mark.parametrize("kind,stage,key", [("event", None, "photos.stage_required"),
                                            ("demand", "after", "photos.stage_not_allowed")])
def test_the_stage_fits_the_kind(conn, kind, stage, key):
    act_as_owner(conn)
    row = _prepare(kind)(conn, unit_id(conn, "丽水社区第一网格")) | {"stage": stage}
    act_as(conn, "grid")
    from psycopg import errors as pgerr
    with pytest.raises(pgerr.CheckViolation, match=key):
        with conn.transaction():
            conn.execute(INSERT, row)
    act_as_owner(conn)


def test_a_photo_of_a_missing_row_is_refused(conn):
    act_as_owner(conn)
    from psycopg import errors as pgerr
    with pytest.raises(pgerr.CheckViolation, match="photos.no_subject"):
        with conn.transaction():
            conn.execute(INSERT, _keys("demand", 999_999_999) | {"stage": None})


def test_photos_go_with_their_row(conn):
    photo = _grid_photo(conn)
    conn.execute("delete from public.demand where id = %(subject)s", photo)
    assert conn.execute("select count(*) as n from public.photo where id = %(id)s", photo).fetchone()["n"] == 0


def test_has_after_photo(conn):
    act_as_owner(conn)
    unit = unit_id(conn, "丽水社区第一网格")
    with_after, without = new_event(conn, unit), new_event(conn, unit)
    conn.execute(INSERT, _keys("event", with_after) | {"stage": "after"})
    conn.execute(INSERT, _keys("event", without) | {"stage": "before"})
    act_as(conn, "grid")
    has = conn.execute("select private.has_after_photo(%s) as a, private.has_after_photo(%s) as b",
                       (with_after, without)).fetchone()
    assert (has["a"], has["b"]) == (True, False)
    act_as_owner(conn)
    elsewhere = new_event(conn, unit_id(conn, "丽水社区第二网格"))
    conn.execute(INSERT, _keys("event", elsewhere) | {"stage": "after"})
    act_as(conn, "grid")
    assert conn.execute("select private.has_after_photo(%s) as a", (elsewhere,)).fetchone()["a"] is None
    act_as(conn, "district")
    assert conn.execute("select private.has_after_photo(%s) as a", (elsewhere,)).fetchone()["a"] is True
    act_as_owner(conn)


def test_a_demand_photo_is_never_public_and_an_event_photo_only_as_its_stage(conn):
    from psycopg import errors as pgerr
    act_as_owner(conn)
    demand = _make("demand")(conn, unit_id(conn, "丽水社区第一网格"))
    event = _make("event")(conn, unit_id(conn, "丽水社区第一网格"))     # taken after the fix
    act_as(conn, "district")
    for photo, stage, key in ((demand, "after", "photos.publish_kind"), (event, "before", "photos.publish_stage")):
        with pytest.raises(pgerr.CheckViolation, match=key):
            with conn.transaction():
                conn.execute("update public.photo set public_as = %s where id = %s", (stage, photo["id"]))
    with pytest.raises(pgerr.InsufficientPrivilege):
        with conn.transaction():
            conn.execute("update public.photo set published_by = null, published_at = now() where id = %(id)s", event)
    act_as_owner(conn)

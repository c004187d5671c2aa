"""RLS matrix for the photos of a round's finding that was reported up as a whistle event: the
territory of the round sees them as it sees the finding, and the departments summoned to the event
read them too (policy "departments read photos of the findings their events came from") — the
photos only, never the finding itself. The photos follow the event's rules: a department reads them
exactly while it reads the event; another department never does."""
import uuid

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test
from tests.whistle.helpers import HOME_GRID, department_id, new_event

INSERT = ("insert into public.photo (subject_kind, subject_id, object_key, thumb_key, content_type, size_bytes,"
          " width, height) values ('finding', %(subject)s, %(key)s, %(thumb)s, 'image/jpeg', 1000, 64, 48)")


def _finding(conn, unit: int, outcome: str = "event") -> dict:
    """As the owner: a patrol round at `unit` with one finding reported up as an event there."""
    visit = conn.execute("insert into public.visit (kind, org_unit_id, place) values ('patrol', %s, '5号楼车棚')"
                         " returning id", (unit,)).fetchone()["id"]
    event = new_event(conn, unit) if outcome == "event" else None
    finding = conn.execute("insert into public.finding (visit_id, what, outcome, event_id)"
                           " values (%s, '电动车飞线充电', %s, %s) returning id", (visit, outcome, event)).fetchone()["id"]
    return {"finding": finding, "event": event}


def _prepare(conn, unit: int) -> dict:
    made = _finding(conn, unit)
    name = uuid.uuid4().hex
    return made | {"subject": made["finding"], "key": f"finding/{made['finding']}/{name}.jpg",
                   "thumb": f"finding/{made['finding']}/{name}.thumb.jpg"}


def _make(conn, unit: int) -> dict:
    key = _prepare(conn, unit)
    key["id"] = conn.execute(INSERT + " returning id", key).fetchone()["id"]
    return key


SPEC = Spec(table="photo", key="id = %(id)s", make=_make, prepare=_prepare, insert=INSERT,
            update_set="caption = '改一下'")
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=NONE, delete=INSIDE)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=NONE, delete=ALL),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    # 城管 is summoned to the events of 丽水社区第一网格 (the inside place) and to no other.
    "department": dict(select=INSIDE, insert=NONE, update=NONE, delete=NONE),
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def _seen(conn, who: str, photo: dict) -> int:
    act_as(conn, who)
    n = conn.execute("select count(*) as n from public.photo where id = %(id)s", photo).fetchone()["n"]
    act_as_owner(conn)
    return n


def _home_photo(conn) -> dict:
    act_as_owner(conn)
    return _make(conn, unit_id(conn, HOME_GRID))


def test_the_summoned_department_sees_the_photo_and_another_department_does_not(conn):
    photo = _home_photo(conn)
    assert _seen(conn, "department", photo) == 1
    assert _seen(conn, "dept-gongan@demo.gongzhi.cn", photo) == 0


def _sees_event(conn, who: str, event: int) -> int:
    act_as(conn, who)
    n = conn.execute("select count(*) as n from public.event where id = %s", (event,)).fetchone()["n"]
    act_as_owner(conn)
    return n


def test_the_photos_follow_the_event_rules_for_a_department_summoned_later_and_one_released(conn):
    """A department summoned later reads the photos from then on; a summoned department is never
    withdrawn (whistle.cannot_unsummon), so one released from the lead keeps reading the event and
    its photos, as its record of the case."""
    photo = _home_photo(conn)
    gongan = department_id(conn, "gongan")
    conn.execute("update public.event set departments = departments || %s::bigint[] where id = %s",
                 ([gongan], photo["event"]))
    assert _seen(conn, "dept-gongan@demo.gongzhi.cn", photo) == 1
    conn.execute("update public.event set lead_department_id = %s where id = %s", (gongan, photo["event"]))
    for who in ("department", "dept-gongan@demo.gongzhi.cn"):
        assert _seen(conn, who, photo) == _sees_event(conn, who, photo["event"]) == 1
    assert _seen(conn, "dept-zhujian@demo.gongzhi.cn", photo) == _sees_event(
        conn, "dept-zhujian@demo.gongzhi.cn", photo["event"]) == 0


def test_the_department_reads_the_photos_never_the_finding_or_the_round(conn):
    photo = _home_photo(conn)
    act_as(conn, "department")
    assert conn.execute("select count(*) as n from public.finding where id = %(finding)s", photo).fetchone()["n"] == 0
    assert conn.execute("select count(*) as n from public.visit v join public.finding f on f.visit_id = v.id"
                        " where f.id = %(finding)s", photo).fetchone()["n"] == 0
    ids = conn.execute("select private.summoned_event_findings(%(event)s) as ids", photo).fetchone()["ids"]
    assert ids == [photo["finding"]]
    act_as_owner(conn)


def test_photos_of_findings_not_reported_as_the_departments_event_stay_hidden(conn):
    act_as_owner(conn)
    home = unit_id(conn, HOME_GRID)
    hidden = []
    for outcome in ("on_spot", "demand"):
        made = _finding(conn, home, outcome="on_spot")
        if outcome == "demand":
            demand = conn.execute("insert into public.demand (org_unit_id, category_id, title)"
                                  " select %s, id, '楼道杂物' from public.category order by id limit 1 returning id",
                                  (home,)).fetchone()["id"]
            conn.execute("update public.finding set outcome = 'demand', demand_id = %s where id = %s",
                         (demand, made["finding"]))
        name = uuid.uuid4().hex
        hidden.append(conn.execute(INSERT + " returning id", {
            "subject": made["finding"], "key": f"finding/{made['finding']}/{name}.jpg",
            "thumb": f"finding/{made['finding']}/{name}.thumb.jpg"}).fetchone()["id"])
    act_as(conn, "department")
    assert conn.execute("select count(*) as n from public.photo where id = any(%s)", (hidden,)).fetchone()["n"] == 0
    act_as_owner(conn)


def test_another_events_findings_are_not_listed_for_the_department(conn):
    act_as_owner(conn)
    elsewhere = _make(conn, unit_id(conn, "丽水社区第二网格"))   # summons 公安, not 城管
    act_as(conn, "department")
    assert conn.execute("select private.summoned_event_findings(%(event)s) as ids", elsewhere).fetchone()["ids"] == []
    assert conn.execute("select private.finding_summoned_to_me(%(finding)s) as s", elsewhere).fetchone()["s"] is False
    act_as_owner(conn)

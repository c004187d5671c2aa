"""The map's measure 逾期未走访: per grid from the tally, the same count as the home card for the
same territory, limited by row-level security, and kept by the triggers as people are entered,
visited, made inactive and removed."""
from __future__ import annotations

import datetime as dt

import pytest

from gongzhi import todo
from gongzhi.fieldwork import map as overdue
from gongzhi.geo import queries
from tests.conftest import act_as, act_as_owner, unit_id
from tests.dashboard.test_figures import identity

GRID = "丽水社区第一网格"
CARD = todo.CARDS["visits_overdue"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _card_count(conn, grid_id: int | None = None) -> int:
    """What the home card counts for the acting user (its own predicate), optionally in one grid."""
    extra = " and p.grid_id = %(grid)s" if grid_id else ""
    return conn.execute(f"select count(*) as n from public.care_person p where {CARD.where}{extra}",
                        {**todo.params(_now()), "grid": grid_id}).fetchone()["n"]


def _overdue_people(conn) -> None:
    """As the owner: people never visited since last year in two grids (overdue), one inactive."""
    act_as_owner(conn)
    for name, n in ((GRID, 3), ("新华里社区第一网格", 2)):
        conn.execute("""insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked,
                                                        created_at)
                        select %s, 1, '测试' || i, '测*', now() - interval '1 year' from generate_series(1, %s) i""",
                     (unit_id(conn, name), n))
    conn.execute("""insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked,
                                                    created_at, active)
                    values (%s, 1, '已停访', '已*', now() - interval '1 year', false)""", (unit_id(conn, GRID),))


@pytest.mark.parametrize("role", ["district", "street", "community", "grid"])
def test_the_map_counts_what_the_home_card_counts_for_each_role(conn, role):
    _overdue_people(conn)
    user = identity(conn, role)
    act_as(conn, role)
    data = queries.load_in(conn, user, None, overdue.NAME)
    assert data.measure == overdue.NAME
    assert data.total == _card_count(conn) > 0
    for g in data.grids:
        assert g["value"] == _card_count(conn, g["unit_id"]), g["name"]
    if role == "grid":
        card = next(c for c in todo.counts_on(conn, "grid", _now(), None) if c.card.key == "visits_overdue")
        assert data.total == card.total


def test_a_grid_worker_reads_only_their_own_grid_from_the_tally(conn):
    _overdue_people(conn)
    act_as(conn, "grid")
    mine = conn.execute("select terr from public.org_unit where name = %s", (GRID,)).fetchone()["terr"]
    values = overdue.overdue_visits(conn, 0, 10**12)
    assert set(values) == {mine}
    act_as(conn, "department")
    assert overdue.overdue_visits(conn, 0, 10**12) == {}


def test_the_tally_follows_entries_visits_and_removals(conn):
    def district_total() -> int:
        act_as_owner(conn)
        return sum(overdue.overdue_visits(conn, 0, 10**12).values())

    before = district_total()
    _overdue_people(conn)
    assert district_total() == before + 5
    person = conn.execute("select id, org_unit_id from public.care_person where person_name = '测试1' and grid_id = %s",
                          (unit_id(conn, GRID),)).fetchone()
    conn.execute("""insert into public.visit (kind, org_unit_id, care_person_id, place) values ('visit', %s, %s, '家中')""",
                 (person["org_unit_id"], person["id"]))
    assert district_total() == before + 4                  # visited today: due again in working days
    conn.execute("update public.care_person set active = false where person_name = '测试2'")
    assert district_total() == before + 2
    conn.execute("update public.care_person set note = '改备注' where person_name = '测试3'")
    assert district_total() == before + 2                  # a change that keeps the due day writes nothing
    conn.execute("delete from public.care_person where person_name = '测试3'")
    assert district_total() == before + 1
    rebuilt = conn.execute("select terr, due_on, n from public.care_due_tally order by 1, 2").fetchall()
    conn.execute("select private.rebuild_care_due_tally()")
    assert conn.execute("select terr, due_on, n from public.care_due_tally order by 1, 2").fetchall() == rebuilt
    assert conn.execute("select count(*) as n from public.care_due_tally where n <= 0").fetchone()["n"] == 0


def test_the_measure_reads_the_tally_not_the_people(conn):
    act_as(conn, "district")
    plan = "\n".join(r["QUERY PLAN"] for r in conn.execute(
        "explain " + overdue.SQL, {"today": dt.date.today(), "lo": 0, "hi": 10**12}))
    assert "care_due_tally" in plan and "care_person" not in plan

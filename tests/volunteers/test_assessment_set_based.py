"""The set-based half-year assessment (migration 20261205123000) against the function it replaced.

`tests/volunteers/assessment_before.sql` is the previous `private.compute_assessment`, renamed. On
the demo district plus hand-made edge cases, each comparison runs the previous function, keeps its
rows, rolls it back, runs the new one on the same state and compares every row of the period:
first computations (every row new), recomputations after an evaluation or new records, and a
community's computation of its own territory."""
from pathlib import Path

import psycopg
import pytest

from gongzhi.volunteers import assessment
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import new_demand, new_resource
from tests.volunteers.makers import new_post, new_service_log, new_unit, new_volunteer

PERIOD = assessment.period_of(assessment.dt.date.today())
LAST_PERIOD = assessment.recent_periods(assessment.dt.date.today(), 2)[1]
BEFORE = (Path(__file__).parent / "assessment_before.sql").read_text()
COLUMNS = ("period, subject, volunteer_id, unit_id, org_unit_id, street_id, community_id, grid_id, terr,"
           " hours, activities, rating, matches, evaluation, score")


def _rows(conn) -> dict:
    return {(r["subject"], r["volunteer_id"] or r["unit_id"]): r for r in conn.execute(
        f"select {COLUMNS} from public.assessment where period = %s", (PERIOD,))}


def _compute(conn, function: str, role: str) -> int:
    act_as(conn, role)
    n = conn.execute(f"select private.{function}(%s) as n", (PERIOD,)).fetchone()["n"]
    act_as_owner(conn)
    return n


def _same_as_before(conn, role: str = "district") -> dict:
    """Run the previous function and then, on the same state, the new one; both results equal."""
    with conn.transaction():
        before_n = _compute(conn, "compute_assessment_before", role)
        before = _rows(conn)
        raise psycopg.Rollback()
    n = _compute(conn, "compute_assessment", role)
    after = _rows(conn)
    assert n == before_n
    differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert differ == [], [(before.get(k), after.get(k)) for k in differ[:3]]
    return after


@pytest.fixture
def cases(conn):
    """Edge cases in 丽水社区 beside the demo's volunteers: no records; hours only (no rating);
    ratings only on unverified records (nothing counts); a record without a post (hours, no
    activity); ratings averaging to a repeating decimal; an inactive volunteer; a unit with members
    and a matched pledge, and one without members."""
    conn.execute(BEFORE)
    community = unit_id(conn, "丽水社区")
    grid = unit_id(conn, "丽水社区第一网格")
    unit = new_unit(conn, community, "滨江供电公司")
    empty_unit = new_unit(conn, grid, "江城律师事务所")
    made = {name: new_volunteer(conn, place, name, unit_id=member_of) for name, place, member_of in (
        ("张敏", community, unit), ("李军", grid, None), ("王芳", community, unit), ("赵磊", grid, None),
        ("陈静", community, None), ("刘洋", community, None), ("孙丽", grid, unit))}
    posts = [new_post(conn, community), new_post(conn, community, starts_in_days=8)]
    for who, post in (("张敏", 0), ("张敏", 1), ("王芳", 0), ("赵磊", 1), ("刘洋", 1), ("孙丽", 1), ("李军", 0)):
        conn.execute("insert into public.signup (post_id, volunteer_id) values (%s, %s)", (posts[post], made[who]))
    log = lambda who, **kw: new_service_log(conn, community, made[who], **kw)  # noqa: E731
    log("张敏", hours=12, rating=5, verified=True, post=posts[0])
    log("张敏", hours=8, rating=4, verified=True, post=posts[1])
    log("张敏", hours=20, verified=True, served_on=assessment.period_bounds(LAST_PERIOD)[0])
    log("王芳", hours=3.5, verified=True, post=posts[0])                 # hours only
    log("王芳", hours=1.25, verified=True, post=posts[0])
    log("赵磊", hours=2, rating=5, verified=False, post=posts[1])        # ratings only, unverified
    log("陈静", hours=0.5, rating=3, verified=True)                      # no post
    for rating in (5, 4, 4):                                            # 4.333…
        log("刘洋", hours=0.25, rating=rating, verified=True, post=posts[1])
    log("孙丽", hours=6, rating=2, verified=True, post=posts[1])
    conn.execute("update public.volunteer set active = false where id = %s", (made["孙丽"],))
    resource = new_resource(conn, community)
    conn.execute("update public.unit set resource_ids = array[%s::bigint] where id = %s", (resource, unit))
    conn.execute("update public.volunteer set resource_ids = array[%s::bigint] where id = %s", (resource, made["陈静"]))
    conn.execute("insert into public.match (demand_id, resource_id, status) values (%s, %s, 'accepted')",
                 (new_demand(conn, unit_id(conn, "丽水社区第二网格")), resource))
    return {"volunteers": made, "unit": unit, "empty_unit": empty_unit, "community": community, "posts": posts}


def test_a_first_computation_gives_the_same_rows(conn, cases):
    conn.execute("delete from public.assessment where period = %s", (PERIOD,))
    rows = _same_as_before(conn)
    v = cases["volunteers"]
    assert rows[("volunteer", v["李军"])]["hours"] == 0 and rows[("volunteer", v["李军"])]["rating"] is None
    assert rows[("volunteer", v["赵磊"])]["activities"] == 0
    assert str(rows[("volunteer", v["刘洋"])]["rating"]) == "4.33"
    assert (rows[("volunteer", v["陈静"])]["activities"], rows[("volunteer", v["陈静"])]["matches"]) == (0, 1)
    assert ("volunteer", v["孙丽"]) not in rows
    assert rows[("unit", cases["empty_unit"])]["hours"] == 0


def test_recomputations_give_the_same_rows(conn, cases):
    _same_as_before(conn)                                   # the demo's rows updated, the cases' new
    v = cases["volunteers"]
    conn.execute("update public.assessment set evaluation = 90 where volunteer_id = %s and period = %s",
                 (v["张敏"], PERIOD))
    conn.execute("update public.assessment set evaluation = 35 where unit_id = %s and period = %s",
                 (cases["unit"], PERIOD))
    new_service_log(conn, cases["community"], v["李军"], hours=4, rating=1, verified=True, post=cases["posts"][0])
    new_volunteer(conn, cases["community"], "周红")
    rows = _same_as_before(conn)
    assert rows[("volunteer", v["李军"])]["hours"] == 4
    act_as(conn, "district")
    conn.execute("update public.assessment_weight set weight = 0.8 where subject = 'unit' and factor = 'matches'")
    act_as_owner(conn)
    _same_as_before(conn)


def test_a_community_computes_the_same_rows_of_its_territory(conn, cases):
    conn.execute("delete from public.assessment where period = %s", (PERIOD,))
    rows = _same_as_before(conn, "community")
    assert ("volunteer", cases["volunteers"]["张敏"]) in rows
    assert {r["community_id"] for r in rows.values()} == {cases["community"]}


def test_a_recomputation_that_changes_nothing_writes_nothing(conn, cases):
    def versions():
        return {r["id"]: r["v"] for r in conn.execute(
            "select id, xmin::text || ctid::text as v from public.assessment where period = %s", (PERIOD,))}
    n = _compute(conn, "compute_assessment", "district")
    before = versions()
    assert _compute(conn, "compute_assessment", "district") == n
    assert versions() == before
    new_service_log(conn, cases["community"], cases["volunteers"]["李军"], hours=1, verified=True)
    _compute(conn, "compute_assessment", "district")
    after = versions()
    rewritten = [k for k in after if after[k] != before[k]]
    assert rewritten == [_rows_by_id(conn, cases["volunteers"]["李军"])]


def _rows_by_id(conn, volunteer: int) -> int:
    return conn.execute("select id from public.assessment where volunteer_id = %s and period = %s",
                        (volunteer, PERIOD)).fetchone()["id"]


def test_an_insert_placed_elsewhere_than_its_subject_is_refused(conn, cases):
    volunteer = cases["volunteers"]["李军"]
    other = unit_id(conn, "江滩社区")
    with pytest.raises(psycopg.errors.RaiseException, match="assessment.not_where_its_subject_is"), conn.transaction():
        conn.execute("insert into public.assessment (period, subject, volunteer_id, org_unit_id, terr)"
                     " select %s, 'volunteer', %s, o.id, o.terr from public.org_unit o where o.id = %s",
                     (LAST_PERIOD, volunteer, other))
    conn.execute("insert into public.assessment (period, subject, volunteer_id, org_unit_id)"
                 " values (%s, 'volunteer', %s, 0)", (LAST_PERIOD, volunteer))
    placed = conn.execute("select a.org_unit_id, a.terr = o.terr as same_terr from public.assessment a"
                          " join public.org_unit o on o.id = a.org_unit_id"
                          " where a.volunteer_id = %s and a.period = %s", (volunteer, LAST_PERIOD)).fetchone()
    assert placed["org_unit_id"] == unit_id(conn, "丽水社区第一网格") and placed["same_terr"]

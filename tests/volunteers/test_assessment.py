"""The half-yearly assessment formula on hand-built cases (see gongzhi/volunteers/assessment.py)."""
import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.errors import DomainError
from gongzhi.volunteers import assessment
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import new_demand, new_resource
from tests.volunteers.makers import new_post, new_service_log, new_unit, new_volunteer

TODAY = dt.date.today()
PERIOD = assessment.period_of(TODAY)
LAST_PERIOD = assessment.recent_periods(TODAY, 2)[1]


def _compute(conn, role="district", period=PERIOD):
    act_as(conn, role)
    n = conn.execute("select private.compute_assessment(%s) as n", (period,)).fetchone()["n"]
    act_as_owner(conn)
    return n


def _row(conn, column, key):
    return conn.execute(f"select * from public.assessment where {column} = %s and period = %s", (key, PERIOD)).fetchone()


@pytest.fixture
def case(conn):
    """A: 20 verified hours on 2 activities rated 5 and 4 (plus an unverified record and one from
    the last half-year, which do not count); B: nothing; U: A's unit, with one accepted match."""
    community = unit_id(conn, "丽水社区")
    unit = new_unit(conn, community, "滨江供电公司")
    a = new_volunteer(conn, community, "张敏", unit_id=unit)
    b = new_volunteer(conn, unit_id(conn, "丽水社区第一网格"), "李军")
    posts = [new_post(conn, community), new_post(conn, community, starts_in_days=8)]
    for p in posts:
        conn.execute("insert into public.signup (post_id, volunteer_id) values (%s, %s)", (p, a))
    new_service_log(conn, community, a, hours=12, rating=5, verified=True, post=posts[0])
    new_service_log(conn, community, a, hours=8, rating=4, verified=True, post=posts[1])
    new_service_log(conn, community, a, hours=10, verified=False)
    new_service_log(conn, community, a, hours=20, verified=True, served_on=assessment.period_bounds(LAST_PERIOD)[0])
    resource = new_resource(conn, community)
    conn.execute("update public.unit set resource_ids = array[%s::bigint] where id = %s", (resource, unit))
    conn.execute("insert into public.match (demand_id, resource_id, status) values (%s, %s, 'accepted')",
                 (new_demand(conn, unit_id(conn, "丽水社区第二网格")), resource))
    return {"a": a, "b": b, "unit": unit}


def test_volunteer_scores_by_the_documented_formula(conn, case):
    _compute(conn)
    a, b = _row(conn, "volunteer_id", case["a"]), _row(conn, "volunteer_id", case["b"])
    # hours 20/40 × 0.4 + activities 2/8 × 0.2 + rating 4.5/5 × 0.2 + evaluation (none: 60/100) × 0.2
    assert (a["hours"], a["activities"], a["rating"]) == (Decimal("20.00"), 2, Decimal("4.50"))
    assert a["score"] == Decimal("55.00")
    # nothing served: rating and evaluation count as neutral (3/5, 60/100)
    assert b["score"] == Decimal("24.00")


def test_unit_scores_from_its_members_and_its_matches(conn, case):
    _compute(conn)
    u = _row(conn, "unit_id", case["unit"])
    # hours 20/200 × 0.3 + activities 2/20 × 0.15 + rating 0.9 × 0.15 + evaluation 0.6 × 0.2 + matches 1/10 × 0.2
    assert (u["hours"], u["matches"], u["score"]) == (Decimal("20.00"), 1, Decimal("32.00"))


def test_evaluation_is_kept_across_recomputation_and_weights_are_normalised(conn, case):
    _compute(conn)
    a = _row(conn, "volunteer_id", case["a"])
    act_as(conn, "community")
    conn.execute("update public.assessment set evaluation = 90 where id = %s", (a["id"],))
    act_as_owner(conn)
    _compute(conn, "community")
    assert _row(conn, "volunteer_id", case["a"])["score"] == Decimal("61.00")   # 0.2 × 0.9 instead of 0.2 × 0.6
    act_as(conn, "district")
    conn.execute("update public.assessment_weight set weight = 0.8 where subject = 'volunteer' and factor = 'hours'")
    act_as_owner(conn)
    _compute(conn)
    # (0.8 × 0.5 + 0.2 × 0.25 + 0.2 × 0.9 + 0.2 × 0.9) / 1.4 = 57.857…
    assert _row(conn, "volunteer_id", case["a"])["score"] == Decimal("57.86")


def test_community_staff_compute_only_their_community(conn, case):
    other = new_volunteer(conn, unit_id(conn, "江滩社区"), "周红")
    _compute(conn, "community")
    assert _row(conn, "volunteer_id", case["a"]) is not None
    assert _row(conn, "volunteer_id", other) is None


def test_ranking_is_per_community(conn, case):
    from gongzhi.db.connection import set_identity  # noqa: F401 - the session is the test connection
    _compute(conn)
    act_as(conn, "community")
    ranks = {r["volunteer_id"]: r["rank"] for r in conn.execute(
        """select volunteer_id, rank() over (partition by community_id order by score desc) as rank
           from public.assessment where period = %s and subject = 'volunteer'""", (PERIOD,))}
    act_as_owner(conn)
    assert ranks[case["a"]] < ranks[case["b"]]


def test_periods():
    assert assessment.period_of(dt.date(2026, 6, 30)) == "2026H1"
    assert assessment.period_bounds("2026H2") == (dt.date(2026, 7, 1), dt.date(2027, 1, 1))
    assert assessment.recent_periods(dt.date(2026, 3, 1), 3) == ["2026H1", "2025H2", "2025H1"]
    with pytest.raises(DomainError):
        assessment.period_bounds("2026Q1")


def test_a_bad_period_is_refused_by_the_database(conn):
    from psycopg import errors
    act_as(conn, "district")
    with pytest.raises(errors.RaiseException, match="assessment.bad_period"), conn.transaction():
        conn.execute("select private.compute_assessment('2026-1')")
    act_as_owner(conn)


def test_a_computation_is_audited_as_one_entry_and_an_evaluation_row_by_row(conn, case):
    def audited():
        return conn.execute("select row_id, new_row from public.audit_log where table_name = 'assessment'"
                            " order by id").fetchall()
    before = len(audited())
    n = _compute(conn)
    _compute(conn)
    runs = audited()[before:]
    assert [r["row_id"] for r in runs] == [PERIOD, PERIOD]
    assert runs[0]["new_row"]["subjects"] == runs[1]["new_row"]["subjects"] == n
    assert runs[0]["new_row"]["added"] >= 3 and runs[1]["new_row"] == {
        "computed": PERIOD, "subjects": n, "rewritten": 0, "added": 0}
    a = _row(conn, "volunteer_id", case["a"])
    act_as(conn, "community")
    conn.execute("update public.assessment set evaluation = 75 where id = %s", (a["id"],))
    act_as_owner(conn)
    assert [r["row_id"] for r in audited()[before + 2:]] == [str(a["id"])]

"""The 对接会 against the demo district: preview, compare with greedy, explain the unmatched, commit
in one transaction, refuse a stale plan whole."""
from collections import defaultdict
from datetime import timedelta

import psycopg
import pytest

from gongzhi.errors import DomainError
from gongzhi.lists.queries import ListFilters
from gongzhi.matching import batch, queries, scoring
from tests.conftest import DEMO_EMAILS
from tests.matching import helpers as h
from tests.pages.conftest import identity_of


def _count(url, sql, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_preview_commit_and_the_lists_follow(fresh_db):
    user = identity_of(DEMO_EMAILS["street"])
    open_before = len(queries.open_demands(user, limit=10_000))
    proposed_before = _count(fresh_db, "select count(*) from public.match where status = 'proposed'")
    proposed_seen = len(queries.matches(user, status="proposed", limit=10_000))
    plan = batch.preview(user)
    assert plan.open_demands == open_before > 0
    assert 0 < plan.matched_demands <= plan.open_demands
    assert plan.greedy_score <= plan.total_score and plan.optimal_over_greedy >= 1
    assert sum(plan.unmatched_counts.values()) == plan.open_demands - plan.matched_demands
    assert {u["reason"] for u in plan.unmatched} <= set(batch.UNMATCHED_REASONS)
    assert proposed_before == _count(fresh_db, "select count(*) from public.match where status = 'proposed'"), \
        "preview writes nothing"

    made = batch.commit(user, plan)
    assert made == len(plan.demand_id)
    assert _count(fresh_db, "select count(*) from public.match where status = 'proposed'") == proposed_before + made
    assert _count(fresh_db, "select count(*) from public.resource where allocated > capacity") == 0
    assert _count(fresh_db, """select count(*) from public.demand d where d.id = any(%s)
                               and private.demand_status(d.id, d.status) <> 'matched'""",
                  [int(i) for i in plan.demand_id]) == 0, "every demand of the batch reads as matched"
    assert len(queries.open_demands(user, limit=10_000)) < open_before
    assert len(queries.matches(user, status="proposed", limit=10_000)) == proposed_seen + made

    again = batch.preview(user)
    assert again.matched_demands < plan.matched_demands or again.matched_demands == 0
    with pytest.raises(DomainError) as refused:
        batch.commit(user, plan)  # the same plan again: the capacity and demands are taken
    assert refused.value.key in ("error.capacity_exceeded", "match.demand_full", "error.duplicate")
    assert _count(fresh_db, "select count(*) from public.match where status = 'proposed'") == proposed_before + made


def test_unmatched_demands_say_why(fresh_db):
    with psycopg.connect(fresh_db, row_factory=__import__("psycopg").rows.dict_row) as conn:
        grid, other_grid = h.unit(conn, "丽水社区第一网格"), h.unit(conn, "丽水社区第二网格")
        none_cat, far_cat, full_cat = h.new_category(conn), h.new_category(conn), h.new_category(conn)
        lonely = h.demand(conn, grid, none_cat)
        far = h.demand(conn, grid, far_cat)
        h.resource(conn, other_grid, far_cat)
        first, second = h.demand(conn, grid, full_cat), h.demand(conn, grid, full_cat)
        h.resource(conn, grid, full_cat, capacity=1)
        conn.commit()
    user = identity_of(DEMO_EMAILS["community"])
    reasons = {}
    for cat in (none_cat, far_cat, full_cat):
        plan = batch.preview(user, category_id=cat)
        reasons.update({u["id"]: u["reason"] for u in plan.unmatched})
    assert reasons[lonely] == "no_category"
    assert reasons[far] == "out_of_area"
    assert [reasons.get(first), reasons.get(second)].count("capacity_exhausted") == 1


def test_staff_can_leave_demands_out(fresh_db):
    user = identity_of(DEMO_EMAILS["community"])
    plan = batch.preview(user)
    left_out = {int(plan.demand_id[0])}
    made = batch.commit(user, plan, exclude=left_out)
    assert made == int((plan.demand_id != plan.demand_id[0]).sum())
    assert _count(fresh_db, "select count(*) from public.match where demand_id = %s and status = 'proposed'",
                  plan.demand_id[0]) == 0
    with pytest.raises(DomainError):
        batch.commit(user, plan, exclude=set(plan.demand_id.tolist()))


def test_rows_of_bigints_arrive_whole_and_a_null_is_refused(conn):
    rows = """select string_agg(int8send(a) || int8send(b), ''::bytea order by a) as data, count(*) as rows
              from (values {}) v(a, b)"""
    got = batch._bigints(conn, rows.format("(2::bigint, -7::bigint), (1, 9223372036854775807)"), 2)
    assert got.tolist() == [[1, 9223372036854775807], [2, -7]]
    assert batch._bigints(conn, rows.format("(1::bigint, 1::bigint)") + " where false", 2).shape == (0, 2)
    with pytest.raises(ValueError):
        batch._bigints(conn, rows.format("(1::bigint, 2::bigint), (3, null)"), 2)


def test_a_batch_for_one_community_and_some_urgencies(fresh_db):
    user = identity_of(DEMO_EMAILS["street"])
    with psycopg.connect(fresh_db) as conn:
        community, lo, hi = conn.execute("select id, terr, terr_hi from public.org_unit where name = '丽水社区'").fetchone()
    plan = batch.preview(user, org_unit_id=community, urgency=("urgent", "high"))
    assert 0 < plan.open_demands < batch.preview(user).open_demands
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute("select terr, urgency from public.demand where id = any(%s)",
                            ([int(i) for i in plan.demand_id],)).fetchall()
    assert rows and all(lo <= terr <= hi and urgency in ("urgent", "high") for terr, urgency in rows)
    for crafted in (dict(org_unit_id=-1), dict(urgency=("now",)), dict(category_id=10**9, urgency=("'; drop",))):
        with pytest.raises(DomainError) as refused:
            batch.preview(user, **crafted)
        assert refused.value.key == "lists.bad_filter"


# Each demand's candidate edges scored one by one, as the 对接会 did before it built classes.
_OWN_EDGES = f"""
select d.id, c.resource_id, {scoring.cost('s')} as cost
from mt_dem d
join mt_cand c on c.category_id = d.category_id and c.dterr = d.terr
cross join lateral (select {scoring.resource_columns('c')}, {scoring.pair_parts('d', 'c', 'd.want')}) s
where not d.has_live or not exists (select from public.match m where m.demand_id = d.id
                                    and m.resource_id = c.resource_id and m.status in ('proposed', 'accepted'))
"""


def test_demands_of_one_class_score_every_candidate_alike(fresh_db):
    """The classes built in SQL against each demand's own edges: the same resources with the same
    scores, for demands needed before, between and after their candidates' first days, wanting one
    or two units, and one with a live match already."""
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        grid, community = h.unit(conn, "丽水社区第一网格"), h.unit(conn, "丽水社区")
        cat = h.new_category(conn)
        today = conn.execute("select current_date as d").fetchone()["d"]
        first = [h.resource(conn, grid, cat, capacity=4, available_from=None if n is None else today + timedelta(n))
                 for n in (None, 3, 6, 9)][0]
        h.resource(conn, community, cat, capacity=2, available_from=today + timedelta(6))
        for q in (1, 2):
            for n in (None, -1, 0, 2, 3, 5, 6, 7, 9, 12):
                for _ in range(2):
                    h.demand(conn, grid, cat, quantity=q, needed_by=None if n is None else today + timedelta(n))
        live = h.demand(conn, grid, cat, quantity=3)
        h.match(conn, live, first)
        conn.commit()
    user = identity_of(DEMO_EMAILS["community"])
    with user.session() as conn:
        batch._tables(conn, ListFilters(category_id=cat), batch.MAX_DEMANDS, batch.K)
        own = defaultdict(list)
        for row in conn.execute(_OWN_EDGES + " order by d.id, c.resource_id").fetchall():
            own[row["id"]].append((row["resource_id"], row["cost"]))
        class_of = {r["id"]: r["class"] for r in conn.execute("select id, class from mt_class").fetchall()}
        class_edges = defaultdict(list)
        for c, resource, cost in batch._bigints(conn, batch._CLASS_EDGES, 3).tolist():
            class_edges[c].append((resource, cost))
    assert len(class_of) == 41 and own[live] and all(r != first for r, _ in own[live])
    assert {d: class_edges[c] for d, c in class_of.items()} == {d: own[d] for d in class_of}
    members = defaultdict(set)
    for d, c in class_of.items():
        members[c].add(d)
    assert len(members[class_of[live]]) == 1 and 4 <= len(members) < 41


def test_a_plan_whose_demand_is_gone_is_refused_whole(fresh_db):
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        grid, cat = h.unit(conn, "丽水社区第一网格"), h.new_category(conn)
        kept, gone = h.demand(conn, grid, cat), h.demand(conn, grid, cat)
        h.resource(conn, grid, cat, capacity=5)
        conn.commit()
    user = identity_of(DEMO_EMAILS["community"])
    plan = batch.preview(user, category_id=cat)
    assert sorted(plan.demand_id.tolist()) == [kept, gone]
    with psycopg.connect(fresh_db) as conn:
        conn.execute("delete from public.demand where id = %s", (gone,))
    with pytest.raises(DomainError) as refused:
        batch.commit(user, plan)
    assert refused.value.key == "matching.batch.stale"
    assert _count(fresh_db, "select count(*) from public.match where demand_id = %s", kept) == 0

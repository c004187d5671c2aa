"""What the database enforces for every client: capacity, who moves a match where, demand status
following the matches, ratings, lapsing and cross-territory attempts."""
import psycopg
import pytest
from psycopg import errors

from gongzhi.errors import from_db
from tests.conftest import act_as, act_as_owner, user_id
from tests.matching import helpers as h

GRID, OTHER_GRID, COMMUNITY, STREET = "丽水社区第一网格", "丽水社区第二网格", "丽水社区", "长江路街道"


def _refused(conn, sql, params, role) -> str:
    """Run `sql` as `role`; the catalogue key of the refusal."""
    act_as(conn, role)
    try:
        with conn.transaction():
            conn.execute(sql, params)
    except psycopg.Error as exc:
        return from_db(exc).key
    finally:
        act_as_owner(conn)
    raise AssertionError("not refused")


def _as(conn, role, sql, params):
    act_as(conn, role)
    try:
        return conn.execute(sql, params).rowcount
    finally:
        act_as_owner(conn)


@pytest.fixture
def setting(conn):
    cat = h.new_category(conn)
    return {"cat": cat, "grid": h.unit(conn, GRID), "street": h.unit(conn, STREET)}


def test_capacity_is_held_by_live_matches_and_returns(conn, setting):
    r = h.resource(conn, setting["grid"], setting["cat"], capacity=3)
    d1 = h.demand(conn, setting["grid"], setting["cat"], quantity=2)
    d2 = h.demand(conn, setting["grid"], setting["cat"])
    m1 = h.match(conn, d1, r, 2)
    assert h.allocated(conn, r) == 2
    _as(conn, "grid", "insert into public.match (demand_id, resource_id) values (%s, %s)", (d2, r))
    assert h.allocated(conn, r) == 3
    d3 = h.demand(conn, setting["grid"], setting["cat"])
    assert _refused(conn, "insert into public.match (demand_id, resource_id) values (%s, %s)", (d3, r),
                    "grid") == "error.capacity_exceeded"
    _as(conn, "grid", "update public.match set status = 'rejected' where id = %s", (m1,))
    assert h.allocated(conn, r) == 1
    m3 = h.match(conn, d3, r)
    _as(conn, "grid", "update public.match set status = 'cancelled' where id = %s", (m3,))
    _as(conn, "grid", "delete from public.match where demand_id = %s", (d2,))
    assert h.allocated(conn, r) == 0


def test_demand_status_follows_its_matches(conn, setting):
    r = h.resource(conn, setting["grid"], setting["cat"], capacity=5)
    d = h.demand(conn, setting["grid"], setting["cat"], quantity=2)
    m1 = h.match(conn, d, r)
    assert h.status(conn, "demand", d) == "matched"
    _as(conn, "grid", "update public.match set status = 'accepted' where id = %s", (m1,))
    assert h.status(conn, "demand", d) == "in_progress"
    _as(conn, "grid", "update public.match set status = 'done' where id = %s", (m1,))
    assert h.status(conn, "demand", d) == "in_progress", "one of two units delivered"
    m2 = h.match(conn, d, r)
    _as(conn, "grid", "update public.match set status = 'accepted' where id = %s", (m2,))
    _as(conn, "grid", "update public.match set status = 'done', rating = 5 where id = %s", (m2,))
    assert h.status(conn, "demand", d) == "done"
    assert h.allocated(conn, r) == 0, "done matches release the capacity they held"
    record = conn.execute("select done, rating_sum, rated from public.provider_record where provider = '测试单位'"
                          ).fetchone()
    assert record["done"] >= 2 and record["rated"] >= 1

    d2 = h.demand(conn, setting["grid"], setting["cat"])
    m = h.match(conn, d2, r)
    _as(conn, "grid", "update public.match set status = 'cancelled' where id = %s", (m,))
    assert h.status(conn, "demand", d2) == "new"


def test_a_demand_gets_no_more_than_it_asks_for(conn, setting):
    r1 = h.resource(conn, setting["grid"], setting["cat"])
    r2 = h.resource(conn, setting["grid"], setting["cat"])
    d = h.demand(conn, setting["grid"], setting["cat"])
    h.match(conn, d, r1)
    assert _refused(conn, "insert into public.match (demand_id, resource_id) values (%s, %s)", (d, r2),
                    "grid") == "match.demand_full"
    assert _refused(conn, "insert into public.match (demand_id, resource_id) values (%s, %s)", (d, r1),
                    "grid") in ("error.duplicate", "match.demand_full")


def test_only_the_provider_side_accepts_rejects_or_completes(conn, setting):
    street_r = h.resource(conn, setting["street"], setting["cat"])
    d = h.demand(conn, setting["grid"], setting["cat"])
    m = h.match(conn, d, street_r)
    for status in ("accepted", "rejected"):
        assert _refused(conn, "update public.match set status = %s where id = %s", (status, m),
                        "grid") == "match.provider_only"
    assert _refused(conn, "insert into public.match (demand_id, resource_id, status) values (%s, %s, 'accepted')",
                    (h.demand(conn, setting["grid"], setting["cat"]), street_r), "grid") == "match.provider_only"
    assert _as(conn, "street", "update public.match set status = 'accepted' where id = %s", (m,)) == 1
    assert _refused(conn, "update public.match set rating = 4 where id = %s", (m,),
                    "street") == "match.rating_needs_done"
    assert _as(conn, "street", "update public.match set status = 'done' where id = %s", (m,)) == 1
    assert _as(conn, "grid", "update public.match set rating = 4 where id = %s", (m,)) == 1
    assert _refused(conn, "update public.match set status = 'proposed' where id = %s", (m,),
                    "street") == "status.invalid_transition"


def test_a_grid_may_use_a_street_resource_it_cannot_edit(conn, setting):
    street_r = h.resource(conn, setting["street"], setting["cat"], capacity=1)
    d = h.demand(conn, setting["grid"], setting["cat"])
    _as(conn, "grid", "insert into public.match (demand_id, resource_id) values (%s, %s)", (d, street_r))
    assert h.allocated(conn, street_r) == 1
    assert _as(conn, "grid", "update public.resource set capacity = 5 where id = %s", (street_r,)) == 0


def test_cross_territory_matches_fail(conn, setting):
    other = h.unit(conn, OTHER_GRID)
    foreign_r = h.resource(conn, other, setting["cat"])
    own_d = h.demand(conn, setting["grid"], setting["cat"])
    foreign_d = h.demand(conn, other, setting["cat"])
    own_r = h.resource(conn, setting["grid"], setting["cat"])
    insert = "insert into public.match (demand_id, resource_id) values (%s, %s)"
    assert _refused(conn, insert, (own_d, foreign_r), "grid") == "error.forbidden"
    assert _refused(conn, insert, (foreign_d, own_r), "grid") == "error.forbidden"
    # The community sees both grids, but a grid's resource does not serve another grid.
    assert _refused(conn, insert, (own_d, foreign_r), "community") == "match.out_of_area"
    assert _refused(conn, insert, (foreign_d, foreign_r), "department") == "error.forbidden"


def test_territory_columns_a_client_names_must_be_the_demands(conn, setting):
    """A batch names the territory columns itself; a crafted value is refused, not stored."""
    other = h.unit(conn, OTHER_GRID)
    d = h.demand(conn, setting["grid"], setting["cat"])
    r = h.resource(conn, setting["grid"], setting["cat"])
    named = """insert into public.match (demand_id, resource_id, org_unit_id, street_id, community_id, grid_id,
                                         terr, resource_terr)
               select %s, %s, o.id, o.street_id, o.community_id, o.grid_id, o.terr, r.terr
               from public.org_unit o, public.resource r where o.id = %s and r.id = %s"""
    assert _refused(conn, named, (d, r, other, r), "community") == "match.territory_mismatch"
    _as(conn, "community", named, (d, r, setting["grid"], r))
    assert conn.execute("select m.terr = d.terr as same from public.match m join public.demand d on d.id = m.demand_id"
                        " where m.demand_id = %s", (d,)).fetchone()["same"]


def test_staff_record_only_themselves_as_the_maker(conn, setting):
    d = h.demand(conn, setting["grid"], setting["cat"])
    r = h.resource(conn, setting["grid"], setting["cat"])
    someone_else = conn.execute("select user_id from public.staff where role = 'district' limit 1").fetchone()["user_id"]
    me = user_id(conn, "community")
    act_as(conn, "community")   # a forged maker is replaced by the signed-in user
    made = conn.execute("insert into public.match (demand_id, resource_id, created_by) values (%s, %s, %s)"
                        " returning created_by", (d, r, someone_else)).fetchone()
    assert str(made["created_by"]) == me


def test_a_match_keeps_its_pair_score_and_reasons(conn, setting):
    d = h.demand(conn, setting["grid"], setting["cat"])
    r, other = (h.resource(conn, setting["grid"], setting["cat"]) for _ in range(2))
    m = h.match(conn, d, r)
    for change, params in (("resource_id = %s", (other,)), ("score = %s", (99,)),
                           ("reasons = %s::jsonb", ('[{"k": "category", "p": 100}]',))):
        assert _refused(conn, f"update public.match set {change} where id = %s", (*params, m), "grid") \
            == "match.immutable"


def test_wrong_category_closed_demand_and_paused_resource_are_refused(conn, setting):
    insert = "insert into public.match (demand_id, resource_id) values (%s, %s)"
    r = h.resource(conn, setting["grid"], setting["cat"])
    other = h.resource(conn, setting["grid"], h.new_category(conn))
    d = h.demand(conn, setting["grid"], setting["cat"])
    assert _refused(conn, insert, (d, other), "grid") == "match.category_mismatch"
    conn.execute("update public.resource set status = 'paused' where id = %s", (r,))
    assert _refused(conn, insert, (d, r), "grid") == "match.resource_unavailable"
    r2 = h.resource(conn, setting["grid"], setting["cat"])
    conn.execute("update public.demand set status = 'cancelled' where id = %s", (d,))
    assert _refused(conn, insert, (d, r2), "grid") == "match.demand_closed"


def test_cancelling_a_demand_cancels_its_live_matches(conn, setting):
    r = h.resource(conn, setting["grid"], setting["cat"])
    d = h.demand(conn, setting["grid"], setting["cat"])
    m = h.match(conn, d, r)
    _as(conn, "grid", "update public.demand set status = 'cancelled' where id = %s", (d,))
    assert h.status(conn, "match", m) == "cancelled"
    assert h.allocated(conn, r) == 0


def test_only_the_lapse_job_lapses(conn, setting):
    r = h.resource(conn, setting["grid"], setting["cat"], provider="拖延单位")
    d = h.demand(conn, setting["grid"], setting["cat"])
    m = h.match(conn, d, r)
    assert _refused(conn, "update public.match set status = 'lapsed' where id = %s", (m,),
                    "district") == "match.lapse_is_automatic"
    assert conn.execute("select private.lapse_matches(7) as n").fetchone()["n"] == 0 or h.status(conn, "match", m) == "proposed"
    assert h.status(conn, "match", m) == "proposed", "a fresh proposal does not lapse"
    conn.execute("update public.match set created_at = now() - interval '8 days' where id = %s", (m,))
    assert conn.execute("select private.lapse_matches(7) as n").fetchone()["n"] >= 1
    assert h.status(conn, "match", m) == "lapsed" and h.allocated(conn, r) == 0
    assert h.status(conn, "demand", d) == "new"
    assert conn.execute("select lapsed from public.provider_record where provider = '拖延单位'").fetchone()["lapsed"] == 1
    with pytest.raises(errors.CheckViolation), conn.transaction():
        conn.execute("select private.lapse_matches(0)")


def test_staff_cannot_call_the_lapse_job(conn):
    act_as(conn, "district")
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select private.lapse_matches(1)")
    act_as_owner(conn)


def test_allocated_follows_the_matches_and_no_one_sets_it(conn, setting):
    r = h.resource(conn, setting["grid"], setting["cat"], capacity=2)
    h.match(conn, h.demand(conn, setting["grid"], setting["cat"]), r)
    assert h.allocated(conn, r) == 1
    for role in ("grid", "district"):
        assert _refused(conn, "update public.resource set allocated = 0 where id = %s", (r,), role) \
            == "resource.allocated_by_matches"
    insert = ("insert into public.resource (org_unit_id, kind, category_id, name, provider, capacity, allocated)"
              " values (%s, 'service', %s, '预占资源', '测试单位', 5, 5)")
    assert _refused(conn, insert, (setting["grid"], setting["cat"]), "grid") == "resource.allocated_by_matches"
    assert h.allocated(conn, r) == 1


def test_the_audit_keeps_decisions_not_the_booking(conn, setting):
    r = h.resource(conn, setting["grid"], setting["cat"], capacity=2)
    m = h.match(conn, h.demand(conn, setting["grid"], setting["cat"]), r)
    updates = "select count(*) as n from public.audit_log where table_name = 'resource' and row_id = %s and action = 'update'"
    assert conn.execute(updates, (str(r),)).fetchone()["n"] == 0, "booking capacity is no audit event"
    conn.execute("update public.resource set name = '改名资源' where id = %s", (r,))
    assert conn.execute(updates, (str(r),)).fetchone()["n"] == 1
    image = conn.execute("select new_row from public.audit_log where table_name = 'match' and row_id = %s",
                         (str(m),)).fetchone()["new_row"]
    assert image["resource_id"] == r and not {"reasons", "updated_at"} & set(image)

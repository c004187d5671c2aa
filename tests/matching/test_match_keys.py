"""A match's demand and resource are kept by per-statement triggers instead of foreign keys
(migration 20261205130000): every rule the keys held still holds — a new match naming a missing
demand or resource is refused with the key's error, deleting a demand or a resource deletes its
matches (whoever deletes, with capacity returned and the deletions audited), their ids cannot change
under a match, they cannot be truncated under matches, and a delete racing an insert either waits
for it and then takes the new match with it, or makes the insert wait and then refuses it."""
import threading
import time

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import dict_row

from tests.conftest import act_as, act_as_owner
from tests.matching import helpers as h

GRID = "丽水社区第一网格"
OTHER_GRID = "丽水社区第二网格"
MISSING = 9_000_000_000


@pytest.fixture
def pair(conn):
    cat = h.new_category(conn)
    grid = h.unit(conn, GRID)
    return h.demand(conn, grid, cat, quantity=3), h.resource(conn, grid, cat, capacity=3)


def _insert(conn, demand_id: int, resource_id: int, *, like: int | None = None):
    """A match with its territory named, as the 对接会 writes it (so the territory trigger, which
    would derive nulls from a missing row, stays out of the way), copied from demand `like`."""
    return conn.execute(
        "insert into public.match (demand_id, resource_id, org_unit_id, street_id, community_id, grid_id, terr,"
        " resource_terr) select %s, %s, d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, d.terr"
        " from public.demand d where d.id = %s returning id", (demand_id, resource_id, like or demand_id))


def _matches(conn, column: str, value: int) -> int:
    return conn.execute(f"select count(*) as n from public.match where {column} = %s", (value,)).fetchone()["n"]


@pytest.mark.parametrize("missing", ["demand", "resource"])
def test_a_match_naming_a_missing_row_is_refused_with_the_keys_error(conn, pair, missing):
    d, r = pair
    with pytest.raises(errors.ForeignKeyViolation) as refused, conn.transaction():
        if missing == "demand":
            _insert(conn, MISSING, r, like=d)
        else:
            _insert(conn, d, MISSING)
    assert refused.value.diag.constraint_name == f"match_{missing}_id_fkey"
    assert _matches(conn, "demand_id", d) == 0 and h.allocated(conn, r) == 0


def test_one_missing_demand_refuses_the_whole_statement(conn, pair):
    d, r = pair
    with pytest.raises(errors.ForeignKeyViolation), conn.transaction():
        conn.execute(
            "insert into public.match (demand_id, resource_id, org_unit_id, street_id, community_id, grid_id, terr,"
            " resource_terr) select x.id, %s, d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, d.terr"
            " from public.demand d cross join (values (%s::bigint), (%s)) x(id) where d.id = %s",
            (r, d, MISSING, d))
    assert _matches(conn, "resource_id", r) == 0 and h.allocated(conn, r) == 0


def test_a_matchs_demand_or_resource_cannot_be_changed_to_a_missing_row(conn, pair):
    d, r = pair
    m = h.match(conn, d, r)
    for column in ("demand_id", "resource_id"):
        with pytest.raises(psycopg.IntegrityError), conn.transaction():
            conn.execute(f"update public.match set {column} = %s where id = %s", (MISSING, m))
    assert conn.execute("select demand_id, resource_id from public.match where id = %s", (m,)).fetchone() \
        == {"demand_id": d, "resource_id": r}


def test_deleting_a_demand_deletes_its_matches_and_returns_the_capacity(conn, pair):
    d, r = pair
    other = h.demand(conn, h.unit(conn, GRID), h.category_of(conn, d))
    m, kept = h.match(conn, d, r, quantity=2), h.match(conn, other, r)
    assert h.allocated(conn, r) == 3
    act_as(conn, "grid")
    conn.execute("delete from public.demand where id = %s", (d,))
    act_as_owner(conn)
    assert _matches(conn, "id", m) == 0 and _matches(conn, "id", kept) == 1
    assert h.allocated(conn, r) == 1
    assert conn.execute("select count(*) as n from public.audit_log where table_name = 'match' and row_id = %s"
                        " and action = 'delete'", (str(m),)).fetchone()["n"] == 1


def test_deleting_a_resource_deletes_matches_its_deleter_cannot_see(conn):
    """Grid staff remove their grid's resource; its match serves a demand of another grid, which
    their row-level security neither shows nor lets them delete: the cascade takes it all the same."""
    cat = h.new_category(conn)
    r = h.resource(conn, h.unit(conn, GRID), cat)
    elsewhere = h.demand(conn, h.unit(conn, OTHER_GRID), cat)
    m = h.match(conn, elsewhere, r)    # as the owner: staff could not match outside the area
    act_as(conn, "grid")
    assert conn.execute("delete from public.match where id = %s", (m,)).rowcount == 0   # RLS hides it
    assert conn.execute("delete from public.resource where id = %s", (r,)).rowcount == 1
    act_as_owner(conn)
    assert _matches(conn, "id", m) == 0


@pytest.mark.parametrize("table", ["demand", "resource"])
def test_an_id_a_match_names_cannot_change(conn, pair, table):
    d, r = pair
    h.match(conn, d, r)
    row = d if table == "demand" else r
    with pytest.raises(errors.ForeignKeyViolation) as refused, conn.transaction():
        conn.execute(f"update public.{table} set id = default where id = %s", (row,))
    assert refused.value.diag.constraint_name == f"match_{table}_id_fkey"
    # A row no match names may.
    spare = h.demand(conn, h.unit(conn, GRID), h.category_of(conn, d)) if table == "demand" \
        else h.resource(conn, h.unit(conn, GRID), h.category_of(conn, d))
    assert conn.execute(f"update public.{table} set id = default where id = %s", (spare,)).rowcount == 1


@pytest.mark.parametrize("table", ["demand", "resource"])
def test_demands_and_resources_cannot_be_truncated_under_matches(fresh_db, table):
    d, r = _committed_pair(fresh_db)
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        m = h.match(conn, d, r)
        with pytest.raises(errors.FeatureNotSupported), conn.transaction():
            conn.execute(f"truncate public.{table} cascade")
        assert _matches(conn, "id", m) == 1


def test_a_demand_is_deleted_only_where_its_matches_are_all_seen(fresh_db):
    """Under a snapshot older than the statement a cascade could miss a match committed meanwhile,
    so a demand is deleted in read committed only (a resource's new match updates the resource,
    which such a delete already refuses)."""
    d, r = _committed_pair(fresh_db)
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with pytest.raises(errors.SerializationFailure):
            conn.execute("delete from public.demand where id = %s", (d,))
        conn.rollback()
        conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        assert conn.execute("delete from public.demand where id = %s", (d,)).rowcount == 1


# ---------------------------------------------------------------- a delete racing an insert

def _committed_pair(url):
    with psycopg.connect(url, row_factory=dict_row) as conn:
        cat = h.new_category(conn)
        grid = h.unit(conn, GRID)
        d, r = h.demand(conn, grid, cat, quantity=3), h.resource(conn, grid, cat, capacity=3)
        conn.commit()
    return d, r


def _wait_until_blocked(url, pid: int) -> None:
    """Until connection `pid` waits for a lock, or fail."""
    with psycopg.connect(url, autocommit=True) as watcher:
        for _ in range(200):
            if watcher.execute("select count(*) from pg_locks where not granted and pid = %s", (pid,)).fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second connection never waited")


def _in_thread(url, statement: str, params) -> tuple[threading.Thread, dict, int]:
    outcome: dict = {}
    conn = psycopg.connect(url, row_factory=dict_row)
    pid = conn.info.backend_pid

    def run():
        try:
            conn.execute(statement, params)
            conn.commit()
            outcome["result"] = "committed"
        except psycopg.Error as exc:
            conn.rollback()
            outcome["result"] = exc
        finally:
            conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome, pid


@pytest.mark.parametrize("table", ["demand", "resource"])
def test_a_delete_after_an_insert_waits_for_it_then_takes_the_new_match(fresh_db, table):
    d, r = _committed_pair(fresh_db)
    with psycopg.connect(fresh_db, row_factory=dict_row) as writer:
        h.match(writer, d, r)
        thread, outcome, pid = _in_thread(fresh_db, f"delete from public.{table} where id = %s",
                                          (d if table == "demand" else r,))
        _wait_until_blocked(fresh_db, pid)
        writer.commit()
        thread.join(10)
    assert outcome["result"] == "committed"
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        assert _matches(conn, f"{table}_id", d if table == "demand" else r) == 0
        if table == "demand":
            assert h.allocated(conn, r) == 0


@pytest.mark.parametrize("table", ["demand", "resource"])
def test_an_insert_after_a_delete_waits_for_it_then_is_refused(fresh_db, table):
    d, r = _committed_pair(fresh_db)
    with psycopg.connect(fresh_db, row_factory=dict_row) as deleter:
        deleter.execute(f"delete from public.{table} where id = %s", (d if table == "demand" else r,))
        thread, outcome, pid = _in_thread(fresh_db, "insert into public.match (demand_id, resource_id) values (%s, %s)",
                                          (d, r))
        _wait_until_blocked(fresh_db, pid)
        deleter.commit()
        thread.join(10)
    assert isinstance(outcome["result"], errors.ForeignKeyViolation), outcome
    assert outcome["result"].diag.constraint_name == f"match_{table}_id_fkey"
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        assert _matches(conn, "demand_id", d) == 0 and _matches(conn, "resource_id", r) == 0


def test_an_insert_under_an_older_snapshot_is_refused_after_a_delete_it_waited_for(fresh_db):
    """In REPEATABLE READ the writer's check reads its snapshot, from before the delete committed:
    the demand is locked as the foreign key locked it, and the insert fails to serialize."""
    d, r = _committed_pair(fresh_db)
    outcome: dict = {}
    with psycopg.connect(fresh_db, row_factory=dict_row) as deleter, \
            psycopg.connect(fresh_db, row_factory=dict_row) as writer:
        writer.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        writer.execute("select count(*) from public.demand where id = %s", (d,))     # the snapshot
        deleter.execute("delete from public.demand where id = %s", (d,))

        def run():
            try:
                writer.execute("insert into public.match (demand_id, resource_id) values (%s, %s)", (d, r))
                outcome["result"] = "inserted"
            except psycopg.Error as exc:
                outcome["result"] = exc
            writer.rollback()

        thread = threading.Thread(target=run)
        thread.start()
        _wait_until_blocked(fresh_db, writer.info.backend_pid)
        deleter.commit()
        thread.join(10)
    assert isinstance(outcome["result"], errors.SerializationFailure), outcome

"""Item 2 of the hardening issue: territory columns are derived, never written by a client.

Every table with territory columns is listed from the catalogue; each column of each is rewritten
by staff (the district, whose policies let it write everything, and a grid worker on rows of its
own grid). The database must refuse the update or keep the derived value."""
import psycopg
import pytest

from tests.conftest import act_as, act_as_owner, unit_id

TERRITORY = ("street_id", "community_id", "grid_id", "terr", "resource_terr")


def _territory_columns(conn) -> list[tuple[str, str]]:
    act_as_owner(conn)
    return [(r["relname"], r["attname"]) for r in conn.execute(
        """select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid
           where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attnum > 0
             and not a.attisdropped and a.attname = any(%s) order by 1, 2""", (list(TERRITORY),))]


def _key(conn, table) -> list[str]:
    return [r["attname"] for r in conn.execute(
        """select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
           where i.indrelid = %s::regclass and i.indisprimary order by a.attnum""", (f"public.{table}",))]


def _rewrite(conn, role, table, column, where_sql="true", params=()) -> tuple[bool, int]:
    """Try `column := column + 1` on one row as `role`; (tried, rows whose value changed)."""
    act_as_owner(conn)
    key = _key(conn, table)
    assert key, table
    row = conn.execute(f"select {', '.join(key)}, {column} as v from public.{table} where {where_sql}"
                       f" order by {', '.join(key)} desc limit 1", params).fetchone()
    if row is None:
        return False, 0
    match = " and ".join(f"{k} = %({k})s" for k in key)
    act_as(conn, role)
    try:
        with conn.transaction():
            conn.execute(f"update public.{table} set {column} = coalesce({column}, 0) + 1 where {match}", row)
    except psycopg.Error:
        return True, 0   # refused
    act_as_owner(conn)
    after = conn.execute(f"select {column} as v from public.{table} where {match}", row).fetchone()
    return True, int(after is not None and after["v"] != row["v"])


def test_the_catalogue_lists_the_territorial_tables(conn):
    tables = {t for t, _c in _territory_columns(conn)}
    assert {"demand", "resource", "project", "match", "post", "event", "assessment", "signup"} <= tables


def test_district_staff_cannot_rewrite_any_territory_column(conn):
    rewritten, tried = [], 0
    for table, column in _territory_columns(conn):
        done, changed = _rewrite(conn, "district", table, column)
        tried += done
        if changed:
            rewritten.append(f"{table}.{column}")
    assert tried > 40, "the rows exist to attack"
    assert rewritten == []


@pytest.mark.parametrize("table", ["demand", "resource", "project", "post", "event", "match", "service_log",
                                   "signup", "project_milestone", "assessment"])
def test_a_grid_worker_cannot_move_rows_of_its_grid(conn, table):
    act_as_owner(conn)
    lo, hi = conn.execute("select terr, terr_hi from public.org_unit where id = %s",
                          (unit_id(conn, "丽水社区第一网格"),)).fetchone().values()
    columns = [c for t, c in _territory_columns(conn) if t == table]
    changed = [c for c in columns
               if _rewrite(conn, "grid", table, c, "terr between %s and %s", (lo, hi))[1]]
    assert changed == []


def test_a_grid_worker_cannot_put_a_post_on_another_streets_board(conn):
    act_as_owner(conn)
    grid = unit_id(conn, "丽水社区第一网格")
    other_street = conn.execute("select id from public.org_unit where kind = 'street' and id <>"
                                " (select street_id from public.org_unit where id = %s) limit 1", (grid,)).fetchone()["id"]
    post = conn.execute("insert into public.post (org_unit_id, kind, title, starts_at, capacity)"
                        " values (%s, 'post', '楼道清扫', now() + interval '1 day', 5) returning id, street_id",
                        (grid,)).fetchone()
    act_as(conn, "grid")
    conn.execute("update public.post set street_id = %s, community_id = %s where id = %s",
                 (other_street, other_street, post["id"]))
    act_as_owner(conn)
    assert conn.execute("select street_id from public.post where id = %s", (post["id"],)).fetchone()["street_id"] \
        == post["street_id"]

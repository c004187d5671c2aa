"""Item 5 of the hardening issue: columns the database computes are written by the computation
alone. The catalogue marks them (a column comment beginning "Computed"); no API role may change
one, on any table."""
import psycopg
import pytest

from tests.conftest import act_as, act_as_owner, unit_id


def _computed(conn) -> list[tuple[str, str, str]]:
    act_as_owner(conn)
    return [(r["relname"], r["attname"], r["type"]) for r in conn.execute(
        """select c.relname, a.attname, format_type(a.atttypid, a.atttypmod) as type
           from pg_attribute a join pg_class c on c.oid = a.attrelid
           where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attnum > 0
             and col_description(c.oid, a.attnum) like 'Computed%' order by 1, 2""")]


def _key(conn, table: str) -> str:
    """The table's one-column primary key (`id`, or `user_id` for staff)."""
    return conn.execute("select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid"
                        " and a.attnum = i.indkey[0] where i.indrelid = %s::regclass and i.indisprimary",
                        (f"public.{table}",)).fetchone()["attname"]


def _new_value(column, type_):
    return "now() - interval '1 day'" if type_.startswith("timestamp") else f"coalesce({column}, 0) + 1"


def test_the_catalogue_marks_the_computed_columns(conn):
    marked = {(t, c) for t, c, _ in _computed(conn)}
    assert {("assessment", "score"), ("assessment", "hours"), ("resource", "allocated"), ("post", "taken")} <= marked


@pytest.mark.parametrize("role", ["district", "street", "community", "grid"])
def test_no_staff_role_changes_a_computed_column(conn, role):
    lo_hi = None
    changed = []
    for table, column, type_ in _computed(conn):
        act_as_owner(conn)
        if lo_hi is None:
            lo_hi = conn.execute("select o.terr, o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id"
                                 " join auth.users u on u.id = s.user_id where u.email like %s",
                                 ({"district": "qu@%", "street": "jiedao@%", "community": "shequ@%",
                                   "grid": "wangge@%"}[role],)).fetchone()
        key = _key(conn, table)
        territorial = conn.execute("select exists (select from pg_attribute where attrelid = %s::regclass"
                                   " and attname = 'terr' and not attisdropped) as t", (f"public.{table}",)).fetchone()["t"]
        where = "terr between %s and %s" if territorial else "%s::bigint is not null and %s::bigint is not null"
        row = conn.execute(f"select {key} as id, {column}::text as v from public.{table} where {where}"
                           f" order by {key} desc limit 1", (lo_hi["terr"], lo_hi["terr_hi"])).fetchone()
        if row is None:
            continue
        act_as(conn, role)
        try:
            with conn.transaction():
                conn.execute(f"update public.{table} set {column} = {_new_value(column, type_)} where {key} = %s",
                             (row["id"],))
        except psycopg.Error:
            continue
        act_as_owner(conn)
        if conn.execute(f"select {column}::text as v from public.{table} where {key} = %s",
                        (row["id"],)).fetchone()["v"] != row["v"]:
            changed.append(f"{table}.{column}")
    assert changed == []


def test_a_grid_worker_still_enters_the_evaluation_and_cannot_forge_a_score(conn):
    act_as_owner(conn)
    grid = conn.execute("select terr from public.org_unit where id = %s", (unit_id(conn, "丽水社区"),)).fetchone()
    row = conn.execute("select id from public.assessment where terr between %s and %s + 999 limit 1",
                       (grid["terr"], grid["terr"])).fetchone()
    assert row, "the demo district has assessments in 丽水社区"
    act_as(conn, "community")
    assert conn.execute("update public.assessment set evaluation = 88 where id = %s", (row["id"],)).rowcount == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("update public.assessment set score = 100 where id = %s", (row["id"],))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.assessment (period, subject, unit_id, org_unit_id, score)"
                     " select '2026H1', 'unit', id, org_unit_id, 100 from public.unit limit 1")

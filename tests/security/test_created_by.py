"""Item 6 of the hardening issue: created_by is the signed-in user on insert and never changes,
on every table that has it (listed from the catalogue)."""
import psycopg
import pytest

from tests.conftest import act_as, act_as_owner, user_id


def _tables(conn) -> list[str]:
    act_as_owner(conn)
    return [r["relname"] for r in conn.execute(
        """select c.relname from pg_attribute a join pg_class c on c.oid = a.attrelid
           where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attname = 'created_by'
           order by 1""")]


def test_the_catalogue_lists_the_tables(conn):
    assert {"demand", "resource", "post", "project", "match", "event"} <= set(_tables(conn))


@pytest.mark.parametrize("role", ["district", "grid"])
def test_nobody_rewrites_created_by(conn, role):
    someone_else = user_id(conn, "street")
    rewritten = []
    for table in _tables(conn):
        act_as_owner(conn)
        row = conn.execute(f"select id, created_by from public.{table} where created_by is distinct from %s"
                           f" order by id desc limit 1", (someone_else,)).fetchone()
        if row is None:
            continue
        act_as(conn, role)
        try:
            with conn.transaction():
                conn.execute(f"update public.{table} set created_by = %s where id = %s", (someone_else, row["id"]))
        except psycopg.Error:
            continue
        act_as_owner(conn)
        if conn.execute(f"select created_by from public.{table} where id = %s",
                        (row["id"],)).fetchone()["created_by"] != row["created_by"]:
            rewritten.append(table)
    assert rewritten == []


@pytest.mark.parametrize("table,sql", [
    ("demand", "insert into public.demand (org_unit_id, category_id, title, created_by)"
               " values (%(grid)s, %(cat)s, '路灯不亮', %(forged)s) returning created_by"),
    ("resource", "insert into public.resource (org_unit_id, kind, category_id, name, provider, created_by)"
                 " values (%(grid)s, 'skill', %(cat)s, '义务理发', '张师傅', %(forged)s) returning created_by"),
    ("post", "insert into public.post (org_unit_id, kind, title, starts_at, capacity, created_by)"
             " values (%(grid)s, 'post', '楼道清扫', now() + interval '1 day', 5, %(forged)s) returning created_by"),
])
def test_an_insert_names_the_signed_in_user_whatever_it_claims(conn, table, sql):
    act_as_owner(conn)
    params = {"grid": conn.execute("select id from public.org_unit where name = '丽水社区第一网格'").fetchone()["id"],
              "cat": conn.execute("select id from public.category limit 1").fetchone()["id"],
              "forged": user_id(conn, "district")}
    grid_worker = user_id(conn, "grid")
    act_as(conn, "grid")
    assert str(conn.execute(sql, params).fetchone()["created_by"]) == grid_worker

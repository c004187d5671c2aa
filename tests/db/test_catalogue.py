"""Catalogue checks: what every table, view, function and policy in the schema must have."""
import re
from pathlib import Path

import pytest

from tests.db.rls import OPS, ROLES


def test_every_public_table_has_row_level_security_and_policies(conn):
    rows = conn.execute("""
        select c.relname, c.relrowsecurity,
               (select count(*) from pg_policy p where p.polrelid = c.oid) as policies
        from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
    """).fetchall()
    assert rows, "no tables found"
    assert [r["relname"] for r in rows if not r["relrowsecurity"]] == []
    assert [r["relname"] for r in rows if r["policies"] == 0] == []


def test_every_public_table_has_a_complete_rls_matrix(conn):
    """Each table has tests/db/test_rls_<table>.py whose MATRIX names every role and operation."""
    import importlib
    tables = [r["relname"] for r in conn.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')")]
    missing = []
    for table in tables:
        path = Path(__file__).parent / f"test_rls_{table}.py"
        if not path.exists():
            missing.append(table)
            continue
        matrix = importlib.import_module(f"tests.db.test_rls_{table}").MATRIX
        assert set(matrix) == set(ROLES), table
        assert all(set(ops) == set(OPS) for ops in matrix.values()), table
    assert missing == []


def test_views_run_as_the_invoker(conn):
    rows = conn.execute("""
        select c.relname from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('v', 'm')
          and not coalesce('security_invoker=true' = any (c.reloptions), false)
    """).fetchall()
    assert [r["relname"] for r in rows] == []


# SQL expression functions that must be inlined (a SET clause prevents it); they run under the
# search_path of their caller, a security-definer function with search_path ''.
INLINED = {"private.audit_row_id", "private.assessment_score"}


def test_functions_have_a_fixed_search_path(conn):
    rows = conn.execute("""
        select n.nspname || '.' || p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private')
          and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
    """).fetchall()
    assert sorted(r["name"] for r in rows) == sorted(INLINED)


def test_security_definer_functions_are_not_callable_by_anon(conn):
    rows = conn.execute("""
        select n.nspname || '.' || p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and p.prosecdef and has_function_privilege('anon', p.oid, 'execute')
    """).fetchall()
    assert [r["name"] for r in rows] == []


def test_policy_and_foreign_key_columns_are_indexed(conn):
    rows = conn.execute("""
        with used as (
          select d.refobjid as rel, d.refobjsubid as att, 'policy' as why
          from pg_depend d
          where d.classid = 'pg_policy'::regclass and d.refobjsubid > 0
          union
          select c.conrelid, c.conkey[1], 'foreign key' from pg_constraint c where c.contype = 'f'
        )
        select u.rel::regclass::text as tbl, a.attname, u.why
        from used u join pg_attribute a on a.attrelid = u.rel and a.attnum = u.att
        join pg_class k on k.oid = u.rel
        where k.relnamespace = 'public'::regnamespace
          and not exists (select from pg_index i where i.indrelid = u.rel and i.indkey[0] = u.att)
    """).fetchall()
    assert [(r["tbl"], r["attname"], r["why"]) for r in rows] == []


def test_policies_call_helpers_once_per_statement(conn):
    """Helpers in policies are wrapped as (select private.f()), so they run once, not per row."""
    rows = conn.execute("""
        select polrelid::regclass::text as tbl, polname,
               coalesce(pg_get_expr(polqual, polrelid), '') || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), '') as expr
        from pg_policy
    """).fetchall()
    bare = [(r["tbl"], r["polname"]) for r in rows
            if re.search(r"(?<!SELECT )(private|auth)\.\w+\(\)", r["expr"])]
    assert bare == []


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_policies_for_api_roles_name_their_role(conn, role):
    """No policy applies to PUBLIC: each names the roles it is for."""
    rows = conn.execute("select polname from pg_policy where 0 = any (polroles)").fetchall()
    assert [r["polname"] for r in rows] == []


def test_every_policy_is_created_by_its_name_in_a_migration(conn):
    """Grepping a policy's name finds the statement that made it: no names built in loops."""
    from gongzhi.db import migrate
    sql = "\n".join(m.path.read_text(encoding="utf-8") for m in migrate.migrations())
    rows = conn.execute("select polrelid::regclass::text as tbl, polname from pg_policy").fetchall()
    assert rows
    unnamed = [(r["tbl"], r["polname"]) for r in rows
               if f'create policy "{r["polname"]}" on public.{r["tbl"]}' not in sql]
    assert unnamed == []

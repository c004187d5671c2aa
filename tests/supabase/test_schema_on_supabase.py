"""The schema on a database prepared like a hosted Supabase project, without the compat layer:
the migrations apply as the project's non-superuser `postgres`, and Supabase's default
privileges expose nothing to the public anon key that is not meant to be public."""
import importlib
from pathlib import Path

import pytest
from psycopg import errors as pgerr

from gongzhi.db import migrate
from tests.conftest import act_as, act_as_owner

DB_TESTS = Path(__file__).parent.parent / "db"


def test_migrations_apply_as_the_project_postgres_role_without_the_compat_layer(conn):
    me = conn.execute("select current_user as name, rolsuper, rolcreaterole from pg_roles"
                      " where rolname = current_user").fetchone()
    assert (me["name"], me["rolsuper"], me["rolcreaterole"]) == ("postgres", False, True)
    assert conn.execute("select exists (select from pg_roles where rolname = 'supabase_admin') as s").fetchone()["s"]
    assert conn.execute("select to_regclass('auth.local_sign_in') as t").fetchone()["t"] is None
    versions = [r["version"] for r in conn.execute(
        "select version from supabase_migrations.schema_migrations order by version")]
    assert versions == [m.version for m in migrate.migrations()]
    assert conn.execute("select count(*) as n from public.staff").fetchone()["n"] > 50


def test_a_second_run_applies_nothing(supabase_db):
    assert migrate.migrate(supabase_db) == []


def test_supabase_default_privileges_are_in_force(conn):
    """The premise of the grants tests: as on a hosted project, a table or function that the
    migration role creates in public is granted to anon at once; only RLS and revokes stand between."""
    conn.execute("create table public.gz_probe (id int)")
    conn.execute("create function public.gz_probe_fn() returns int language sql set search_path = '' as 'select 1'")
    row = conn.execute("""select has_table_privilege('anon', 'public.gz_probe', 'select, insert, update, delete') as t,
                                 has_function_privilege('anon', 'public.gz_probe_fn()', 'execute') as f""").fetchone()
    assert row == {"t": True, "f": True}


def _public_tables(conn) -> list[str]:
    return [r["relname"] for r in conn.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'v', 'm')"
        " order by relname")]


def _anon_allowed(table: str) -> dict:
    """What the table's RLS matrix declares anon may do (the feature's public part), if anything."""
    path = DB_TESTS / f"test_rls_{table}.py"
    if not path.exists():
        return {}
    return importlib.import_module(f"tests.db.test_rls_{table}").MATRIX.get("anon", {})


def test_anon_reads_nothing_from_any_public_table_or_view(conn):
    """With the public anon key, every select of every table and view returns nothing (or is
    refused), unless the table's matrix says anon may read it."""
    leaks = []
    for table in _public_tables(conn):
        if _anon_allowed(table).get("select"):
            continue
        act_as(conn, None)
        try:
            with conn.transaction():
                n = conn.execute(f'select count(*) as n from public."{table}"').fetchone()["n"]
        except pgerr.InsufficientPrivilege:
            n = 0
        act_as_owner(conn)
        if n:
            leaks.append((table, n))
    assert leaks == []


def test_anon_cannot_change_any_public_table(conn):
    """Updates and deletes as anon touch no row of any table whose matrix keeps anon out."""
    changed = []
    for table in _public_tables(conn):
        allowed = _anon_allowed(table)
        kind = conn.execute("select relkind from pg_class where oid = %s::regclass",
                            (f'public."{table}"',)).fetchone()["relkind"]
        if kind != "r":
            continue
        for op, sql in (("update", f'update public."{table}" set {_any_column(conn, table)} = {_any_column(conn, table)}'),
                        ("delete", f'delete from public."{table}"')):
            if allowed.get(op):
                continue
            act_as(conn, None)
            try:
                with conn.transaction():
                    n = conn.execute(sql).rowcount
                    raise _Undo(n)
            except _Undo as undo:
                n = undo.n
            except (pgerr.InsufficientPrivilege, pgerr.RaiseException):
                n = 0
            act_as_owner(conn)
            if n:
                changed.append((table, op, n))
    assert changed == []


class _Undo(Exception):
    def __init__(self, n):
        self.n = n


def _any_column(conn, table: str) -> str:
    row = conn.execute("select attname from pg_attribute where attrelid = %s::regclass and attnum > 0"
                       " and not attisdropped and attgenerated = '' and attidentity = ''"
                       " order by attnum desc limit 1", (f'public."{table}"',)).fetchone()
    return f'"{row["attname"]}"'


def test_doctor_finds_a_freshly_pushed_project_healthy(supabase_db, monkeypatch):
    from gongzhi import doctor
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET", "SUPABASE_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    assert [f for f in doctor.run(supabase_db) if not f.ok] == []

"""`python -m gongzhi doctor` on a healthy database and on each broken case: it names the problem,
says how to fix it in Chinese or English, and exits non-zero."""
import time

import jwt
import psycopg
import pytest
from click.testing import CliRunner

from gongzhi import doctor
from gongzhi.cli import main

SECRET = "the-project-jwt-secret-0123456789-abcdefghij"


def _doctor(*args):
    return CliRunner().invoke(main, ["doctor", *args])


def _break(url: str, *sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


def _problems(url: str) -> dict:
    return {f.check: f for f in doctor.run(url) if not f.ok}


@pytest.fixture
def no_supabase(monkeypatch):
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET", "SUPABASE_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")


def test_a_healthy_database_passes_every_check(fresh_db, no_supabase):
    result = _doctor()
    assert result.exit_code == 0, result.output
    assert "✘" not in result.output and "一切正常" in result.output
    english = _doctor("--lang", "en")
    assert english.exit_code == 0 and "All good." in english.output and "Row-level security" in english.output


def test_cannot_connect(no_supabase):
    result = _doctor("--url", "postgresql://nobody@127.0.0.1:1/nowhere", "--lang", "en")
    assert result.exit_code == 1
    assert "cannot connect" in result.output and "GONGZHI_DATABASE_URL" in result.output


def test_migrations_missing_and_unknown(fresh_db, no_supabase):
    _break(fresh_db, "delete from supabase_migrations.schema_migrations"
                     " where version = (select max(version) from supabase_migrations.schema_migrations)")
    result = _doctor()
    assert result.exit_code == 1 and "缺少 1 个迁移" in result.output and "supabase db push" in result.output
    _break(fresh_db, "drop table supabase_migrations.schema_migrations")
    assert _problems(fresh_db)["migrations"].key == "doctor.migrations.none"


def test_a_migration_the_code_does_not_know(fresh_db, no_supabase):
    _break(fresh_db, "insert into supabase_migrations.schema_migrations (version, name) values ('29991231000000', 'future')")
    finding = _problems(fresh_db)["migrations"]
    assert finding.key == "doctor.migrations.unknown" and finding.params["versions"] == "29991231000000"


def test_a_database_made_before_the_baseline_is_to_be_recreated(fresh_db, no_supabase):
    _break(fresh_db, "insert into supabase_migrations.schema_migrations (version, name) values"
                     " ('20261125000100', 'territory'), ('20261125009070', 'staff_sessions')")
    finding = _problems(fresh_db)["migrations"]
    assert finding.key == "doctor.migrations.pre_release" and finding.fix == "doctor.migrations.fix_recreate"
    assert finding.params == {"first": "20261125000100", "last": "20261125009070"}
    result = _doctor("--lang", "en")
    assert result.exit_code == 1 and "make clean-data" in result.output


def test_a_table_without_row_level_security_is_named_and_anon_reads_it(fresh_db, no_supabase):
    _break(fresh_db, "alter table public.category disable row level security")
    problems = _problems(fresh_db)
    assert problems["rls"].params["tables"] == "category"
    assert "category" in problems["anon"].params["tables"]
    assert _doctor().exit_code == 1


def test_a_view_without_security_invoker_is_named(fresh_db, no_supabase):
    _break(fresh_db, "create view public.all_demands as select id, title from public.demand")
    problems = _problems(fresh_db)
    assert problems["views"].params["views"] == "all_demands"
    assert problems["anon"].params["tables"] == "all_demands"  # Supabase's default grant + owner rights: a leak
    output = _doctor("--lang", "en").output
    assert "security_invoker = true" in output


def test_a_policy_that_lets_anon_read(fresh_db, no_supabase):
    _break(fresh_db, 'create policy "anyone reads categories" on public.category for select to anon using (true)')
    problems = _problems(fresh_db)
    assert set(problems) == {"anon"} and problems["anon"].params["tables"] == "category"


def test_a_security_definer_function_open_to_the_api(fresh_db, no_supabase):
    _break(fresh_db, "create function public.all_phones() returns setof text language sql security definer"
                     " set search_path = '' as $$ select phone from public.staff $$")
    assert _problems(fresh_db)["rpc"].params["functions"] == "all_phones()"
    _break(fresh_db, "revoke execute on function public.all_phones() from public, anon, authenticated")
    assert "rpc" not in _problems(fresh_db)


def test_no_system_administrator(fresh_db, no_supabase):
    _break(fresh_db, "delete from public.admin_grant where capability = 'system'")
    result = _doctor("--lang", "en")
    assert result.exit_code == 1 and "no active system administrator" in result.output


def _anon_key(secret: str) -> str:
    return jwt.encode({"iss": "supabase", "ref": "abcdefghijklmnop", "role": "anon",
                       "iat": int(time.time()), "exp": int(time.time()) + 10 * 365 * 86400}, secret, algorithm="HS256")


def test_the_jwt_secret_must_be_the_one_that_signed_the_anon_key(fresh_db, monkeypatch):
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.setenv("SUPABASE_URL", "https://abcdefghijklmnop.supabase.co")
    monkeypatch.setenv("SUPABASE_ANON_KEY", _anon_key(SECRET))
    monkeypatch.setenv("SUPABASE_JWT_SECRET", SECRET)
    assert _doctor().exit_code == 0
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "a-different-secret-of-some-other-project-000")
    result = _doctor("--lang", "en")
    assert result.exit_code == 1 and "does not match the project" in result.output
    monkeypatch.delenv("SUPABASE_JWT_SECRET")
    assert _problems(fresh_db)["jwt"].key == "doctor.jwt.no_secret"
    monkeypatch.setenv("SUPABASE_JWT_SECRET", SECRET)
    monkeypatch.delenv("SUPABASE_ANON_KEY")
    assert _problems(fresh_db)["jwt"].key == "doctor.jwt.no_anon_key"


def test_the_jwt_secret_must_match_what_the_database_holds(fresh_db, monkeypatch):
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.setenv("SUPABASE_URL", "https://abcdefghijklmnop.supabase.co")
    monkeypatch.setenv("SUPABASE_ANON_KEY", _anon_key(SECRET))
    monkeypatch.setenv("SUPABASE_JWT_SECRET", SECRET)
    database = psycopg.conninfo.conninfo_to_dict(fresh_db)["dbname"]
    _break(fresh_db, f"alter database {database} set app.settings.jwt_secret = 'an-old-secret'")
    assert _problems(fresh_db)["jwt"].key == "doctor.jwt.mismatch_database"


def test_doctor_says_when_the_portal_s_login_role_cannot_sign_in(fresh_db, monkeypatch):
    assert "portal" not in _problems(fresh_db)
    monkeypatch.setenv("GONGZHI_PORTAL_DATABASE_URL", fresh_db.replace("postgres@", "gz_no_such_role@", 1))
    problem = _problems(fresh_db)["portal"]
    assert problem.fix == "doctor.portal.fix" and "gz_no_such_role" in problem.params["error"]


def test_portal_login_gives_the_role_a_scram_password_and_prints_the_setting(fresh_db):
    result = CliRunner().invoke(main, ["portal-login"])
    assert result.exit_code == 0, result.output
    password = result.output.split('GONGZHI_PORTAL_PASSWORD = "')[1].split('"')[0]
    assert len(password) >= 24
    with psycopg.connect(fresh_db) as conn:
        stored = conn.execute("select rolpassword from pg_authid where rolname = 'gongzhi_portal'").fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and password not in stored

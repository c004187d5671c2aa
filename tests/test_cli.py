"""The command line, run through click against the test server."""
import psycopg
from click.testing import CliRunner

from gongzhi.cli import main


def test_user_add_creates_an_account_that_can_sign_in(fresh_db):
    from gongzhi.auth.local import sign_in
    result = CliRunner().invoke(main, ["user", "add", "--email", "new@demo.gongzhi.cn", "--password", "长江路-2026-Pw!",
                                       "--role", "community", "--org", "江滩社区", "--name", "赵敏"])
    assert result.exit_code == 0, result.output
    identity = sign_in("new@demo.gongzhi.cn", "长江路-2026-Pw!")
    assert (identity.role, identity.org_unit_name) == ("community", "江滩社区")


def test_user_add_refuses_a_role_that_does_not_fit_the_unit(fresh_db):
    result = CliRunner().invoke(main, ["user", "add", "--email", "bad@demo.gongzhi.cn", "--password", "Long-enough-2026",
                                       "--role", "grid", "--org", "江滩社区", "--name", "赵敏"])
    assert result.exit_code != 0 and "岗位角色与所在组织层级不符" in result.output
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from auth.users where email = 'bad@demo.gongzhi.cn'").fetchone()[0] == 0


def test_user_add_refuses_an_unknown_unit_and_a_short_password(fresh_db):
    unknown = CliRunner().invoke(main, ["user", "add", "--email", "x@demo.gongzhi.cn", "--password", "Long-enough-2026",
                                        "--role", "grid", "--org", "不存在的网格", "--name", "x"])
    assert unknown.exit_code != 0 and "找不到组织" in unknown.output
    short = CliRunner().invoke(main, ["user", "add", "--email", "x@demo.gongzhi.cn", "--password", "short",
                                      "--role", "grid", "--org", "丽水社区第一网格", "--name", "x"])
    assert short.exit_code != 0 and "密码太短" in short.output


def test_migrate_and_seed_are_safe_to_run_again(fresh_db):
    runner = CliRunner()
    migrated = runner.invoke(main, ["migrate"])
    assert migrated.exit_code == 0 and "applied 0 migration(s)" in migrated.output
    seeded = runner.invoke(main, ["seed", "--demo"])
    assert seeded.exit_code == 0 and "already present" in seeded.output


def test_db_url_prints_the_configured_database(fresh_db):
    result = CliRunner().invoke(main, ["db", "url"])
    assert result.exit_code == 0 and result.output.strip() == fresh_db


def test_unknown_benchmark_is_refused():
    result = CliRunner().invoke(main, ["bench", "no-such-bench"])
    assert result.exit_code != 0 and "unknown benchmark" in result.output


def test_department_staff_are_added_with_their_department(fresh_db):
    from gongzhi.auth.local import sign_in
    result = CliRunner().invoke(main, ["user", "add", "--email", "sw@demo.gongzhi.cn", "--password", "Long-enough-2026",
                                       "--role", "department", "--org", "滨江区", "--name", "钱进",
                                       "--department", "区水务局"])
    assert result.exit_code == 0, result.output
    assert sign_in("sw@demo.gongzhi.cn", "Long-enough-2026").role == "department"
    missing = CliRunner().invoke(main, ["user", "add", "--email", "sw2@demo.gongzhi.cn", "--password", "Long-enough-2026",
                                        "--role", "department", "--org", "滨江区", "--name", "钱进"])
    assert missing.exit_code != 0
    unknown = CliRunner().invoke(main, ["user", "add", "--email", "sw3@demo.gongzhi.cn", "--password", "Long-enough-2026",
                                        "--role", "department", "--org", "滨江区", "--name", "钱进",
                                        "--department", "不存在局"])
    assert unknown.exit_code != 0 and "找不到职能部门" in unknown.output


def test_migrate_refuses_a_database_made_before_the_baseline_with_a_clear_message(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("insert into supabase_migrations.schema_migrations (version, name) values ('20261125000100', 'territory')")
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 1
    assert "pre-release schema" in result.output and "make clean-data" in result.output
    assert "Traceback" not in result.output


def test_schema_dump_writes_the_checked_in_schema_file(tmp_path):
    from gongzhi.db import schema
    out = tmp_path / "schema.sql"
    result = CliRunner().invoke(main, ["schema", "dump", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == schema.SCHEMA_FILE.read_text(encoding="utf-8")

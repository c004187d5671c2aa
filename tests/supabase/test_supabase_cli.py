"""The hosted path with Supabase's own CLI: the pinned `supabase` of tools/supabase-cli pushes
supabase/migrations/ to a fresh database prepared like a hosted project (this folder's bootstrap:
Supabase's roles and auth schema, a non-superuser `postgres`), exactly as docs/deploy-supabase.md
tells a district to, and the CLI and our runner agree on what the database holds.

Versions are read from the migration files, never written here. On the database the CLI pushed,
the anon checks and a cross-territory slice of the RLS matrix run again, `python -m gongzhi doctor`
finds nothing wrong, and every `supabase inspect db` report the guide names runs.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import demo
from tests.conftest import drop_database
from tests.supabase import supabase_cli
from tests.supabase.conftest import supabase_project

GUIDE = supabase_cli.ROOT / "docs" / "deploy-supabase.md"


@dataclass(frozen=True)
class Pushed:
    url: str            # as `postgres`, the role `supabase db push` connects as
    workdir: Path       # the CLI's project directory (a copy of supabase/)
    applied: list[str]  # the versions the push applied, in its order


def _new_project(admin_url: str) -> tuple[str, str]:
    name = f"gz_cli_{uuid.uuid4().hex[:10]}"
    return name, supabase_project(admin_url, name)


@pytest.fixture(scope="module")
def pushed(supabase_server, tmp_path_factory):
    """A fresh project database that the CLI pushed every migration to; then the demo district."""
    name, url = _new_project(supabase_server)
    workdir = supabase_cli.project(tmp_path_factory.mktemp("cli-project"))
    applied = supabase_cli.push(workdir, url)
    demo.load_demo(url)
    yield Pushed(url, workdir, applied)
    drop_database(supabase_server, name)


@pytest.fixture
def fresh_project(supabase_server):
    """A fresh database prepared like a hosted project, nothing pushed yet; its URL as `postgres`."""
    name, url = _new_project(supabase_server)
    yield url
    drop_database(supabase_server, name)


@pytest.fixture
def conn(pushed):
    """As in tests/conftest.py, on the database the CLI pushed, connected as `postgres`."""
    with psycopg.connect(pushed.url, row_factory=dict_row) as c:
        yield c
        c.rollback()


# ------------------------------------------------------------------ push, list, our runner

def test_push_applies_every_migration_and_then_our_runner_applies_nothing(pushed):
    local = supabase_cli.versions(pushed.workdir)
    assert local and pushed.applied == local
    assert supabase_cli.migration_list(pushed.workdir, pushed.url) == [(v, v) for v in local]
    runner = supabase_cli.gongzhi("migrate", database_url=pushed.url)
    assert runner.returncode == 0, runner.stderr
    assert runner.stdout.strip() == "applied 0 migration(s)"


def test_our_runner_first_then_push_finds_nothing_to_apply(fresh_project, tmp_path):
    workdir = supabase_cli.project(tmp_path)
    local = supabase_cli.versions(workdir)
    runner = supabase_cli.gongzhi("migrate", database_url=fresh_project)
    assert runner.returncode == 0, runner.stderr
    assert runner.stdout.strip() == f"applied {len(local)} migration(s): " + ", ".join(local)
    assert supabase_cli.push(workdir, fresh_project) == []
    assert supabase_cli.migration_list(workdir, fresh_project) == [(v, v) for v in local]


# -------------------------------------------- a migration the CLI's statement splitter breaks

# The CLI splits a file into statements and sends each alone; our runner sends the file whole and
# the server parses it. Each of these is valid SQL the server accepts whole, but the CLI splits
# it wrongly: at the `end;` of a CASE inside a SQL-standard function body, and not at all after
# a `$tag$` that is really part of a name.
AWKWARD = {
    "case_inside_begin_atomic": (
        "create function public.gz_sign(n int) returns text language sql\n"
        "begin atomic\n"
        "  select case when n > 0 then 'positive' else 'other' end;\n"
        "end;\n",
        "syntax error at end of input"),
    "dollars_inside_names": (
        "create table public.gz_price (amount$cny$ int);\n"
        "create table public.gz_cost (total$cny$ int);\n",
        "cannot insert multiple commands into a prepared statement"),
}


@pytest.mark.parametrize("case", sorted(AWKWARD))
def test_a_migration_the_cli_splits_wrongly_fails_the_push(fresh_project, tmp_path, case):
    sql, message = AWKWARD[case]
    with psycopg.connect(fresh_project) as c:   # the server takes the file whole, as our runner sends it
        c.execute(sql)
        c.rollback()
    workdir = supabase_cli.project(tmp_path)
    version = str(int(supabase_cli.versions(workdir)[-1]) + 1)
    (workdir / "supabase" / "migrations" / f"{version}_awkward.sql").write_text(sql)
    with pytest.raises(supabase_cli.CliFailed, match=re.escape(message)) as failed:
        supabase_cli.push(workdir, fresh_project)
    assert f"Applying migration {version}_awkward.sql" in str(failed.value)
    with psycopg.connect(fresh_project) as c:   # and it is not recorded as applied
        assert not c.execute("select from supabase_migrations.schema_migrations where version = %s",
                             (version,)).fetchall()


# ------------------------------------------------ the database the CLI pushed, checked again

from tests.db.test_rls_demand import test_cannot_move_a_demand_out_of_the_territory  # noqa: E402,F401
from tests.db.test_rls_demand import test_cell as test_rls_demand_cell  # noqa: E402,F401
from tests.db.test_rls_event import (  # noqa: E402,F401
    test_a_department_sees_only_its_events_and_nothing_else_of_the_district)
from tests.db.test_rls_match import test_cannot_match_own_demand_to_a_resource_of_another_grid  # noqa: E402,F401
from tests.db.test_rls_staff import (  # noqa: E402,F401
    test_everyone_sees_their_own_staff_row_and_cannot_promote_themselves)
from tests.supabase.test_schema_on_supabase import test_anon_cannot_change_any_public_table  # noqa: E402,F401
from tests.supabase.test_schema_on_supabase import (  # noqa: E402,F401
    test_anon_reads_nothing_from_any_public_table_or_view)


def test_doctor_finds_the_pushed_project_healthy(pushed):
    result = supabase_cli.gongzhi("doctor", "--url", pushed.url, "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✘" not in result.stdout and "All good." in result.stdout


def documented_reports() -> list[str]:
    return sorted(set(re.findall(r"supabase inspect db ([a-z-]+)", GUIDE.read_text())))


def test_the_guide_names_the_reports_a_districts_it_needs():
    assert {"outliers", "index-stats", "bloat", "locks"} <= set(documented_reports())


@pytest.mark.parametrize("report", documented_reports())
def test_each_inspect_report_in_the_guide_runs_on_the_pushed_project(pushed, report):
    output = supabase_cli.run(pushed.workdir, "inspect", "db", report, "--db-url", supabase_cli.db_url(pushed.url))
    assert re.search(r"^\s*-+\|-", output, re.M), output   # a table, perhaps empty

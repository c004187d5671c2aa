"""Running the project's pinned Supabase CLI (tools/supabase-cli, installed by `make supabase-cli`)
against a test database, the way a district deploys: `supabase db push --db-url …`.

The CLI runs in a copy of the project's `supabase/` folder with its own throw-away HOME and its
telemetry off, so a test writes nothing into the checkout or the user's home. A missing CLI fails
the test that needs it (never a skip): CI must not pass without having run it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "tools" / "supabase-cli" / "node_modules" / ".bin" / "supabase"


class CliFailed(AssertionError):
    """The CLI exited non-zero; the message holds what it printed."""


def binary() -> Path:
    if not CLI.exists():
        pytest.fail("the Supabase CLI is not installed: run `make supabase-cli` "
                    "(npm ci in tools/supabase-cli)", pytrace=False)
    return CLI


def db_url(conninfo: str) -> str:
    """The CLI's `--db-url` for a test database on a Unix socket.

    The CLI's Go driver refuses a URL with an empty host (`postgresql://postgres@/db?host=/dir`),
    but takes a placeholder host that the `host` parameter then overrides with the socket folder.
    """
    p = conninfo_to_dict(conninfo)
    return (f"postgresql://{p['user']}@localhost/{p['dbname']}"
            f"?host={quote(p['host'], safe='/')}&port={p.get('port', 5432)}")


def project(folder: Path, extra: dict[str, str] | None = None) -> Path:
    """`folder` made a Supabase project directory: a copy of supabase/ (config.toml and every
    migration), plus `extra` migration files by name; returns it, for `--workdir`."""
    shutil.copytree(ROOT / "supabase", folder / "supabase", ignore=shutil.ignore_patterns(".temp"))
    for name, sql in (extra or {}).items():
        (folder / "supabase" / "migrations" / name).write_text(sql)
    return folder


def versions(workdir: Path) -> list[str]:
    """The versions of the migration files in a project directory, in order."""
    return sorted(p.name.partition("_")[0] for p in (workdir / "supabase" / "migrations").glob("*.sql"))


def run(workdir: Path, *args: str) -> str:
    """`supabase <args>` in `workdir`; returns what it printed (stdout, then stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "PG"))}
    env.update(HOME=str(workdir / "home"), SUPABASE_TELEMETRY_DISABLED="1", DO_NOT_TRACK="1")
    result = subprocess.run([str(binary()), *args, "--workdir", str(workdir)], cwd=workdir, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    if result.returncode:
        raise CliFailed(f"supabase {args[0]} {args[1]} exited with {result.returncode}:\n{output}")
    return output


def push(workdir: Path, conninfo: str) -> list[str]:
    """`supabase db push --db-url …`; returns the versions it applied, in its order."""
    output = run(workdir, "db", "push", "--yes", "--db-url", db_url(conninfo))
    return re.findall(r"Applying migration (\d+)_", output)


def migration_list(workdir: Path, conninfo: str) -> list[tuple[str, str]]:
    """`supabase migration list --db-url …` as (local, remote) version pairs; "" where a side lacks it."""
    output = run(workdir, "migration", "list", "--db-url", db_url(conninfo), "--output-format", "json")
    listed = json.loads(output[output.index("{"):output.rindex("}") + 1])["migrations"]
    return [(m.get("local") or "", m.get("remote") or "") for m in listed]


def gongzhi(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    """`python -m gongzhi <args>` from the checkout, with no Supabase settings and, when given,
    GONGZHI_DATABASE_URL pointing at the test database; the data keys are kept (a deployment sets
    them, and the test database's phones were sealed with them)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SUPABASE_", "GONGZHI_")) or k == "GONGZHI_DATA_KEYS"}
    env["GONGZHI_SECRETS_FILE"] = "/nonexistent/secrets.toml"
    if database_url:
        env["GONGZHI_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "gongzhi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)

"""A kill -9 of a process in the middle of writing leaves each operation whole or absent: a
child process runs the real 对接会 commit or the real import, is caught inside its transaction
(the test holds a lock the transaction needs, so the kill lands while it is writing), and is killed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psycopg

from gongzhi.config import ROOT
from tests.conftest import DEMO_EMAILS
from tests.imports.conftest import csv_bytes
from tests.imports.test_import import HEAD, _row

APP_NAME = "gongzhi-crash-test"

BATCH = """
from gongzhi.matching import batch
from tests.pages.conftest import identity_of
user = identity_of({email!r})
batch.commit(user, batch.preview(user))
"""

IMPORT = """
from pathlib import Path
from gongzhi.imports import importer
from tests.pages.conftest import identity_of
importer.import_file(identity_of({email!r}), "demand", "需求.csv", Path({path!r}).read_bytes())
"""


def _child(code: str, url: str) -> subprocess.Popen:
    env = {**os.environ, "GONGZHI_DATABASE_URL": url, "PGAPPNAME": APP_NAME}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_while_writing(url: str, child: subprocess.Popen, table: str) -> None:
    """Hold a lock that the child's writes to `table` wait for; once its transaction is waiting
    there (having written), kill the child; then let go."""
    with psycopg.connect(url) as blocker:
        blocker.execute(f"lock table {table} in share mode")
        with psycopg.connect(url, autocommit=True) as watch:
            for _ in range(600):
                waiting = watch.execute(
                    "select pid, backend_xid is not null from pg_stat_activity"
                    " where application_name = %s and wait_event_type = 'Lock' and state = 'active'",
                    (APP_NAME,)).fetchone()
                if waiting or child.poll() is not None:
                    break
                time.sleep(0.1)
            assert waiting, child.communicate(timeout=5)
            backend, has_written = waiting
            assert has_written, "the transaction had written before the kill"
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            blocker.rollback()
            for _ in range(300):
                if not watch.execute("select 1 from pg_stat_activity where pid = %s", (backend,)).fetchone():
                    break
                time.sleep(0.1)


def _invariants(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {
            "allocated_off": conn.execute(
                "select count(*) from public.resource r where r.allocated <> (select coalesce(sum(m.quantity), 0)"
                " from public.match m where m.resource_id = r.id and m.status in ('proposed', 'accepted'))").fetchone()[0],
            "advisory_locks": conn.execute("select count(*) from pg_locks where locktype = 'advisory'").fetchone()[0],
            "idle_in_transaction": conn.execute("select count(*) from pg_stat_activity where application_name = %s",
                                                (APP_NAME,)).fetchone()[0],
        }


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def test_batch_commit_killed_mid_write_leaves_no_match_and_the_next_run_works(fresh_db):
    matches = _count(fresh_db, "select count(*) from public.match")
    child = _child(BATCH.format(email=DEMO_EMAILS["district"]), fresh_db)
    _kill_while_writing(fresh_db, child, "public.audit_log")
    assert _count(fresh_db, "select count(*) from public.match") == matches
    assert _invariants(fresh_db) == {"allocated_off": 0, "advisory_locks": 0, "idle_in_transaction": 0}
    again = _child(BATCH.format(email=DEMO_EMAILS["district"]), fresh_db)
    assert again.wait(timeout=120) == 0, again.communicate()
    assert _count(fresh_db, "select count(*) from public.match") > matches
    assert _invariants(fresh_db)["allocated_off"] == 0


def test_import_killed_mid_write_leaves_no_row_and_the_next_run_works(fresh_db, tmp_path):
    sheet = tmp_path / "需求.csv"
    sheet.write_bytes(csv_bytes([HEAD] + [_row(f"断电导入{i}") for i in range(300)]))
    demands = _count(fresh_db, "select count(*) from public.demand")
    child = _child(IMPORT.format(email=DEMO_EMAILS["grid"], path=str(sheet)), fresh_db)
    _kill_while_writing(fresh_db, child, "public.audit_log")
    assert _count(fresh_db, "select count(*) from public.demand") == demands
    assert _invariants(fresh_db) == {"allocated_off": 0, "advisory_locks": 0, "idle_in_transaction": 0}
    again = _child(IMPORT.format(email=DEMO_EMAILS["grid"], path=str(sheet)), fresh_db)
    assert again.wait(timeout=120) == 0, again.communicate()
    assert _count(fresh_db, "select count(*) from public.demand") == demands + 300

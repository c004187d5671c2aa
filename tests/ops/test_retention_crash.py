"""A retention run killed by kill -9 while a batch is written leaves that batch absent, nothing half
changed, and the next run finishes the work: the child process runs the real command and is caught
inside its first batch (the test holds the security log's lock, which the batch takes for its log
entry after anonymising its rows)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import psycopg
from psycopg.rows import dict_row

from gongzhi import security_log
from gongzhi.config import ROOT
from tests.personal.makers import MAKERS

APP_NAME = "gongzhi-retention-crash"
LOG_LOCK = (7313, 1)   # private.security_log_head's advisory lock


def _phones(url, ids):
    with psycopg.connect(url) as conn:
        return [conn.execute("select beneficiary_phone_enc from public.demand where id = %s", (i,)).fetchone()[0]
                for i in ids]


def test_a_killed_retention_run_changes_nothing_half_and_the_rerun_finishes(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=900)
        demands = [MAKERS["demand"](conn, long_ago) for _ in range(3)]
        conn.commit()
    env = {**os.environ, "GONGZHI_DATABASE_URL": fresh_db, "PGAPPNAME": APP_NAME}
    with psycopg.connect(fresh_db, autocommit=True) as blocker:
        blocker.execute("select pg_advisory_lock(%s, %s)", LOG_LOCK)
        child = subprocess.Popen([sys.executable, "-m", "gongzhi", "retention", "run"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        waiting = None
        for _ in range(600):
            waiting = blocker.execute(
                "select pid from pg_stat_activity where application_name = %s and wait_event_type = 'Lock'"
                " and backend_xid is not null", (APP_NAME,)).fetchone()
            if waiting or child.poll() is not None:
                break
            time.sleep(0.1)
        assert waiting, child.communicate(timeout=5)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        blocker.execute("select pg_advisory_unlock(%s, %s)", LOG_LOCK)
        for _ in range(300):
            if not blocker.execute("select 1 from pg_stat_activity where pid = %s", (waiting[0],)).fetchone():
                break
            time.sleep(0.1)
    assert all(_phones(fresh_db, demands)), "the killed batch is absent, not half done"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from private.security_log where kind = 'retention'").fetchone()[0] == 0
    done = subprocess.run([sys.executable, "-m", "gongzhi", "retention", "run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "demand: anonymised 3 rows" in done.stdout
    assert _phones(fresh_db, demands) == [None, None, None]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert security_log.verify(conn).ok

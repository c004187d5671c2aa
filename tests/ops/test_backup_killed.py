"""A backup killed mid-way (kill -9 of the job and its pg_dump) leaves its hidden working folder;
the next run removes it, and leaves alone the working folder of a backup still running."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongzhi import backup as ops

pytestmark = pytest.mark.slow

_JOB = "import sys; from pathlib import Path; from gongzhi import backup; backup.backup(sys.argv[1], Path(sys.argv[2]))"


def _kill_while_writing(url: str, folder: Path) -> Path:
    job = subprocess.Popen([sys.executable, "-c", _JOB, url, str(folder / "killed.backup")], start_new_session=True)
    deadline = time.monotonic() + 60
    try:
        while not list(folder.glob(f"{ops.WORK_PREFIX}{job.pid}-*")):
            assert job.poll() is None, "the backup ended before it could be killed"
            assert time.monotonic() < deadline, "the backup never started writing"
            time.sleep(0.01)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    return next(folder.glob(f"{ops.WORK_PREFIX}{job.pid}-*"))


def test_the_next_backup_removes_what_a_killed_one_left(fresh_db, tmp_path, monkeypatch):
    folder = tmp_path / "nightly"
    folder.mkdir(mode=0o700)
    left = _kill_while_writing(fresh_db, folder)
    assert left.is_dir() and not (folder / "killed.backup").exists()
    running = folder / f"{ops.WORK_PREFIX}{os.getpid()}-still-writing"
    running.mkdir()
    monkeypatch.setenv("GONGZHI_BACKUP_DIR", str(folder))
    made, _ = ops.backup(fresh_db, keep=3)
    assert not left.exists()
    assert running.is_dir(), "a running backup's working folder was removed"
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.name, running.name])

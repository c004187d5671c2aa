"""`python -m gongzhi keys rotate`: a new key becomes current, every stored value is re-encrypted
under it batch by batch, a run killed with SIGKILL resumes where it stopped, and the old key is
retired (kept for older backups) once no row uses it; `keys status` shows the count per key."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
from psycopg.rows import dict_row

from gongzhi.config import ROOT
from gongzhi.personal import crypto, keys, rotation
from gongzhi.personal.inventory import encrypted_fields


def _plain(url: str, ring: keys.Keyring) -> dict[tuple, str]:
    out = {}
    with psycopg.connect(url, row_factory=dict_row) as c:
        for f in encrypted_fields():
            id_col = "user_id" if f.table == "staff" else "id"
            for r in c.execute(f"select {id_col}::text as id, {f.column}_enc as e from public.{f.table}"
                               f" where {f.column}_enc is not null"):
                out[(f.table, f.column, r["id"])] = crypto.decrypt(f.kind, r["e"], ring)
    return out


def _usage(url: str) -> dict[int, int]:
    with psycopg.connect(url) as c:
        return rotation.usage(c)


def _env(url: str, data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k != keys.ENV}
    env.update(GONGZHI_DATABASE_URL=url, GONGZHI_DATA_DIR=str(data_dir), GONGZHI_SECRETS_FILE="/nonexistent/secrets.toml",
               PYTHONPATH=str(ROOT))
    return env


def test_rotation_survives_kill_9_and_resumes(fresh_db, tmp_path, monkeypatch):
    session_ring = keys.parse(os.environ[keys.ENV], keys.ENV)
    (tmp_path / "secrets").mkdir(mode=0o700)
    monkeypatch.delenv(keys.ENV)
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path))
    keys.save(session_ring)
    before = _plain(fresh_db, session_ring)
    assert _usage(fresh_db) == {1: len(before)} and len(before) > 2000

    env = _env(fresh_db, tmp_path)
    run = subprocess.Popen([sys.executable, "-m", "gongzhi", "keys", "rotate", "--batch", "1"], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _usage(fresh_db).get(2, 0) < 100 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    half = _usage(fresh_db)
    assert half.get(2, 0) >= 100 and half.get(1, 0) > 0, half        # killed midway: both keys in use
    ring = keys.load()
    assert ring.current_id == 2 and 1 not in ring.retired           # the old key stays while rows use it
    assert _plain(fresh_db, ring) == before                          # nothing half-written: every value opens

    done = subprocess.run([sys.executable, "-m", "gongzhi", "keys", "rotate"], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "resumed the rotation to key 2" in done.stdout and "retired key(s) 1" in done.stdout
    assert _usage(fresh_db) == {2: len(before)}
    ring = keys.load()
    assert ring.retired == {1} and 1 in ring.keys                    # retired, kept for older backups
    assert _plain(fresh_db, ring) == before
    status = subprocess.run([sys.executable, "-m", "gongzhi", "keys", "status"], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    assert f"key 2: {len(before)} value(s), current" in status.stdout and "key 1: 0 value(s), retired" in status.stdout

    again = subprocess.run([sys.executable, "-m", "gongzhi", "keys", "rotate"], env=env, cwd=ROOT,
                           capture_output=True, text=True)
    assert "added key 3" in again.stdout and _usage(fresh_db) == {3: len(before)}
    assert keys.load().retired == {1, 2}


def test_rotation_from_the_environment_asks_for_the_new_key(fresh_db):
    from click.testing import CliRunner
    from gongzhi.cli import main
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 1 and "GONGZHI_DATA_KEYS" in result.output and "keys generate" in result.output

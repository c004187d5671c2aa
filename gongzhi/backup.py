"""Backup and restore of a Gongzhi database: one file holding a pg_dump archive (custom format)
and a manifest (schema version, row count per table, the archive's SHA-256).

A backup is a consistent snapshot: the rows are counted in the transaction whose snapshot pg_dump
dumps. A restore checks the whole file before it touches anything, loads it into a scratch
database, checks every table's row count against the manifest, applies the migrations newer than
the backup, and only then puts the scratch database in place of the target: a bad file or a
failed restore leaves the target as it was.

A backup is written in a hidden working folder beside its final place and renamed into place only
when whole: a full disk or a failed pg_dump leaves no file a restore or `prune` would take for a
backup, and the older backups stay. The working folder is named after the process writing it
(`.backup-<pid>-…`); a run removes the ones whose process is gone (a backup killed mid-way). Each run of the backup job is recorded (`record`) as a `backup`
entry of the security log, which the system administrator's home (`last_backup`) and `doctor`
read: a failed backup is shown there until a later one succeeds.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

from gongzhi import config, security_log
from gongzhi.db import embedded, migrate as runner
from gongzhi.errors import DomainError

FORMAT = "gongzhi-backup/1"
MANIFEST = "manifest.json"
ARCHIVE = "database.dump"
PREFIX = "gongzhi-"
SUFFIX = ".backup"
# The hidden working folder of a backup being written, followed by the writing process id.
WORK_PREFIX = ".backup-"
# What a write to a full disk (or a full quota) says, from Python and from pg_dump.
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
DISK_FULL_TEXT = ("No space left on device", "Disk quota exceeded")
# Schemas of a hosted Supabase project that are Supabase's own, not ours to dump or restore.
SUPABASE_SCHEMAS = ("public", "private", "supabase_migrations")


@dataclass(frozen=True)
class Manifest:
    """What a backup says about itself."""
    created_at: str
    schema_version: str | None
    migrations: list[str]
    tables: dict[str, int]
    roles: list[dict]
    archive_sha256: str
    archive_bytes: int
    schemas: list[str] | None  # None: the whole database

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **self.__dict__}, ensure_ascii=False, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        try:
            data = json.loads(raw)
        except ValueError:
            raise DomainError("backup.not_a_backup") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DomainError("backup.wrong_format", found=str(data.get("format") if isinstance(data, dict) else "?"))
        data.pop("format")
        try:
            return cls(**data)
        except TypeError:
            raise DomainError("backup.not_a_backup") from None


def backup_dir() -> Path:
    """Where backups go unless a file is named: GONGZHI_BACKUP_DIR, else `backups/` in the project."""
    return Path(config.setting("GONGZHI_BACKUP_DIR") or config.ROOT / "backups").resolve()


def _tool(name: str) -> str:
    return str(embedded.bin_path(name))


def _tables(conn: psycopg.Connection, schemas: list[str] | None) -> dict[str, int]:
    """Every ordinary table of the dumped schemas with its row count, in the current snapshot."""
    rows = conn.execute(
        "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')"
        " and n.nspname not like 'pg\\_%%' and (%(schemas)s::text[] is null or n.nspname = any(%(schemas)s))"
        " and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')"
        " order by 1", {"schemas": schemas}).fetchall()
    return {name: conn.execute(sql.SQL("select count(*) from {}").format(sql.SQL(name))).fetchone()[0]
            for (name,) in rows}


def _roles(conn: psycopg.Connection) -> list[dict]:
    """The group roles the database's grants and policies name (anon, authenticated …): roles
    live in the cluster, not in a dump, so a restore into a new server creates them first."""
    return [{"name": r[0], "inherit": r[1], "bypassrls": r[2]} for r in conn.execute(
        "select rolname, rolinherit, rolbypassrls from pg_roles where not rolcanlogin and not rolsuper"
        " and rolname !~ '^pg_' order by rolname")]


def _schemas(conn: psycopg.Connection) -> list[str] | None:
    """The schemas a backup holds: on hosted Supabase Gongzhi's own, elsewhere None (all of them)."""
    return list(SUPABASE_SCHEMAS) if runner.is_supabase(conn) else None


def backup(url: str, out: Path | None = None, *, keep: int | None = None) -> tuple[Path, Manifest]:
    """Write a backup of the database at `url`; return its path and manifest.

    `out` None: a new file in the backup folder, after which only the newest `keep` are kept."""
    folder = backup_dir() if out is None else out.resolve().parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc)
    target = out.resolve() if out else folder / f"{PREFIX}{stamp:%Y%m%d-%H%M%S-%f}{SUFFIX}"
    work = None
    try:
        sweep_abandoned(folder)
        work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=folder))
        with psycopg.connect(url, autocommit=True) as conn:
            schemas = _schemas(conn)
            conn.execute("begin isolation level repeatable read read only")
            snapshot = conn.execute("select pg_export_snapshot()").fetchone()[0]
            versions = sorted(runner.applied(conn))
            tables = _tables(conn, schemas)
            roles = _roles(conn)
            dump = work / ARCHIVE
            command = [_tool("pg_dump"), "--format=custom", "--no-sync", f"--snapshot={snapshot}", f"--file={dump}"]
            command += ["--no-owner", *(f"--schema={s}" for s in schemas)] if schemas else []
            _run(command, "backup.dump_failed", url)
            conn.execute("commit")
        manifest = Manifest(created_at=stamp.isoformat(timespec="seconds"),
                            schema_version=versions[-1] if versions else None, migrations=versions,
                            tables=tables, roles=roles, archive_sha256=_sha256(dump),
                            archive_bytes=dump.stat().st_size, schemas=schemas)
        staging = work / "backup"
        with open(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                _add_bytes(tar, MANIFEST, manifest.to_json())
                tar.add(dump, arcname=ARCHIVE)
            raw.flush()
            os.fsync(raw.fileno())
        staging.replace(target)
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise _disk_full(folder, work) from None
        raise
    except DomainError as exc:
        if exc.key == "backup.dump_failed" and any(text in exc.params.get("detail", "") for text in DISK_FULL_TEXT):
            raise _disk_full(folder, work) from None
        raise
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    if out is None and keep is not None:
        prune(folder, keep)
    return target, manifest


def sweep_abandoned(folder: Path) -> list[Path]:
    """Remove the working folders of backups whose process is gone (killed before its `finally`);
    return them. Those of a backup still running are left alone."""
    gone = []
    for work in folder.glob(f"{WORK_PREFIX}*"):
        pid = work.name.removeprefix(WORK_PREFIX).split("-", 1)[0]
        if work.is_dir() and (not pid.isdigit() or not _alive(int(pid))):
            shutil.rmtree(work, ignore_errors=True)
            gone.append(work)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # another user's process: alive
        return True
    return True


def _disk_full(folder: Path, work: Path | None) -> DomainError:
    """The refusal for a backup folder whose disk is full, with what is free there once the
    half-written archive in `work` is removed."""
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = 0
    return DomainError("backup.disk_full", folder=str(folder), free_mb=f"{free / (1 << 20):.1f}")


def record(url: str, *, made: tuple[Path, Manifest] | None = None, error: DomainError | None = None) -> None:
    """Record one run of the backup job as a `backup` entry of the security log of the database at
    `url` (its owner): the file made, or the refusal (its i18n key and parameters, so that it is
    shown in each reader's language)."""
    if made is not None:
        path, manifest = made
        entry = {"object": path.name, "details": {"ok": True, "bytes": manifest.archive_bytes,
                                                  "rows": sum(manifest.tables.values()),
                                                  "schema_version": manifest.schema_version}}
    else:
        entry = {"object": "-", "details": {"ok": False, "problem": error.key,
                                            "params": {k: str(v) for k, v in error.params.items()}}}
    with psycopg.connect(url, autocommit=True) as conn:
        security_log.append(conn, "backup", client="gongzhi backup", **entry)


def last_backup(user) -> dict | None:
    """The newest run of the backup job as the system administrator reads it: at, ok, and the
    problem (an i18n key with its parameters); None when there is none or `user` may not read it."""
    with user.session() as conn:
        row = conn.execute("select * from private.last_backup()").fetchone()
    if row is None:
        return None
    return {"at": row["at"], "ok": bool(row["ok"]), "problem": row["problem"], "params": dict(row["params"] or {})}


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder`; return what was deleted."""
    found = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    gone = found[max(keep, 0):]
    for path in gone:
        path.unlink()
    return gone


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def libpq(url: str) -> tuple[str, dict]:
    """`url` without its password, and the environment that carries the password to a PostgreSQL
    program: a password on a command line is visible to every user of the machine."""
    params = conninfo.conninfo_to_dict(url)
    password = params.pop("password", None)
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    return conninfo.make_conninfo(**params), env


def _run(command: list[str], key: str, url: str) -> None:
    dsn, env = libpq(url)
    done = subprocess.run([*command, f"--dbname={dsn}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env)
    if done.returncode != 0:
        raise DomainError(key, detail=(done.stderr or done.stdout).strip()[-500:])


def read(path: Path, into: Path) -> Manifest:
    """Check a backup file whole and unpack its archive into the folder `into`."""
    try:
        tar = tarfile.open(path, mode="r:")
    except FileNotFoundError:
        raise DomainError("backup.no_file", path=str(path)) from None
    except (tarfile.TarError, OSError):
        raise DomainError("backup.not_a_backup") from None
    try:
        with tar:
            names = tar.getnames()
            if MANIFEST not in names or ARCHIVE not in names:
                raise DomainError("backup.not_a_backup")
            manifest = Manifest.from_json(tar.extractfile(MANIFEST).read())
            tar.extract(ARCHIVE, into, filter="data")
    except (tarfile.TarError, EOFError, OSError):
        raise DomainError("backup.truncated") from None
    archive = into / ARCHIVE
    if archive.stat().st_size != manifest.archive_bytes or _sha256(archive) != manifest.archive_sha256:
        raise DomainError("backup.truncated")
    known = [m.version for m in runner.migrations()]
    unknown = [v for v in manifest.migrations if v not in known]
    if unknown:
        raise DomainError("backup.unknown_schema", version=unknown[-1])
    return manifest


def contents(url: str) -> dict[str, int]:
    """The tables of the database at `url` that hold rows, with their counts: what a restore replaces."""
    with psycopg.connect(url, autocommit=True) as conn:
        return {t: n for t, n in _tables(conn, _schemas(conn)).items() if n}


def restore(path: Path, url: str, *, force: bool = False) -> Manifest:
    """Restore the backup at `path` into the database at `url` (see the module docstring).

    The target must be empty unless `force`; the caller asks the user before forcing."""
    work = Path(tempfile.mkdtemp(prefix="gongzhi-restore-"))
    try:
        manifest = read(path, work)
        existing = contents(url)
        if existing and not force:
            raise DomainError("backup.target_not_empty", tables=len(existing), rows=sum(existing.values()))
        params = conninfo.conninfo_to_dict(url)
        target_db = params.get("dbname") or "postgres"
        scratch = f"{target_db}_restore_{uuid.uuid4().hex[:8]}"
        scratch_url = conninfo.make_conninfo(url, dbname=scratch)
        with psycopg.connect(url, autocommit=True) as conn:
            if manifest.schemas is not None or not conn.execute(
                    "select rolsuper or rolcreatedb from pg_roles where rolname = current_user").fetchone()[0]:
                raise DomainError("backup.needs_createdb")
            _create_roles(conn, manifest.roles)
            conn.execute(sql.SQL("create database {} template template0").format(sql.Identifier(scratch)))
        try:
            _run([_tool("pg_restore"), "--exit-on-error", "--single-transaction", str(work / ARCHIVE)],
                 "backup.restore_failed", scratch_url)
            with psycopg.connect(scratch_url, autocommit=True) as conn:
                found = _tables(conn, None)
            wrong = sorted(t for t, n in manifest.tables.items() if found.get(t) != n)
            if wrong:
                raise DomainError("backup.counts_differ", tables=", ".join(wrong[:5]))
            runner.migrate(scratch_url)
            with psycopg.connect(scratch_url, autocommit=True) as conn:
                security_log.append(conn, "restore", object=path.name,
                                    details={"file": path.name, "backup_made_at": manifest.created_at,
                                             "schema_version": manifest.schema_version})
            _swap(url, target_db, scratch)
        except BaseException:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(scratch)))
            raise
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _create_roles(conn: psycopg.Connection, roles: list[dict]) -> None:
    for role in roles:
        if not conn.execute("select 1 from pg_roles where rolname = %s", (role["name"],)).fetchone():
            conn.execute(sql.SQL("create role {} nologin {} {}").format(
                sql.Identifier(role["name"]), sql.SQL("inherit" if role["inherit"] else "noinherit"),
                sql.SQL("bypassrls" if role["bypassrls"] else "nobypassrls")))


def _swap(url: str, target_db: str, scratch: str) -> None:
    """Put the database `scratch` in place of `target_db`, from a connection to another database
    of the server (a database cannot be renamed while anyone is connected to it; the portal's
    sessions are ended and reconnect)."""
    replaced = f"{target_db}_replaced_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        def run(statement: str, *names: str) -> None:
            conn.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)))
        if conn.execute("select 1 from pg_database where datname = %s", (target_db,)).fetchone():
            run("alter database {} allow_connections false", target_db)
            conn.execute("select pg_terminate_backend(pid) from pg_stat_activity"
                         " where datname = %s and pid <> pg_backend_pid()", (target_db,))
            run("alter database {} rename to {}", target_db, replaced)
        run("alter database {} rename to {}", scratch, target_db)
        run("drop database if exists {} with (force)", replaced)

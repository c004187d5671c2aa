"""`python -m gongzhi`: the embedded server, migrations, seeding, users and benchmarks."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from gongzhi import config


@click.group()
def main() -> None:
    """Gongzhi (共治) command line."""


@main.group()
def db() -> None:
    """The embedded PostgreSQL server."""


@db.command()
def start() -> None:
    """Start the embedded server (initialising its data folder on first use)."""
    from gongzhi.db import connection
    click.echo(connection.server_url())


@db.command()
def stop() -> None:
    """Stop the embedded server."""
    from gongzhi.db import embedded
    click.echo("stopped" if embedded.stop(config.data_dir()) else "not running")


@db.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def wipe(yes: bool) -> None:
    """Stop the embedded server and delete its data, wherever it is kept."""
    from gongzhi.db import embedded
    if not yes:
        click.confirm(f"Delete every row of the embedded database in {config.data_dir()}?", abort=True)
    embedded.wipe(config.data_dir())
    click.echo("wiped")


@db.command()
def status() -> None:
    """Say whether the embedded server runs, and where."""
    from gongzhi.db import embedded
    info = embedded.running_info(config.data_dir())
    click.echo(f"running (pid {info.pid}) in {config.data_dir()}" if info else "not running")
    sys.exit(0 if info else 3)


@db.command()
def url() -> None:
    """Print a superuser connection URL of the running server, starting it if needed."""
    from gongzhi.db import connection
    click.echo(connection.server_url())


@main.command()
def migrate() -> None:
    """Apply the compat layer (plain PostgreSQL only) and every pending migration."""
    from gongzhi.db import connection, migrate as runner
    try:
        applied = _domain(lambda: runner.migrate(connection.server_url()))
    except runner.PreReleaseDatabase as exc:
        raise click.ClickException(str(exc)) from None
    connection.sync_portal_login()
    click.echo(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))


@main.command("portal-login")
def portal_login() -> None:
    """Give the portal's login role (gongzhi_portal) a new random password and say where it goes."""
    import secrets as tokens

    from gongzhi.db import connection, embedded
    url = connection.server_url()
    if not config.database_url():
        embedded.secret(config.data_dir(), connection.PORTAL_ROLE)  # kept beside the data already
        connection.sync_portal_login()
        click.echo("the embedded server keeps the portal's password itself; nothing to configure")
        return
    import psycopg
    password = tokens.token_urlsafe(24)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set password_encryption = 'scram-sha-256'")
        conn.execute(f"alter role {connection.PORTAL_ROLE} password '{password}'")
    click.echo("Put this line in .streamlit/secrets.toml (or the environment) of every portal process:")
    click.echo(f'GONGZHI_PORTAL_PASSWORD = "{password}"')


@main.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(1), default=None,
              help="Keep only the newest N backups in the backup folder (without FILE).")
def backup_command(file: Path | None, keep: int | None) -> None:
    """Write a consistent online backup (pg_dump archive + manifest) to FILE or the backup folder;
    the outcome, good or failed, is recorded in the security log (exit 1 when it failed)."""
    from gongzhi import backup as ops
    from gongzhi.db import connection
    from gongzhi.errors import DomainError
    url = _domain(connection.server_url)

    def run():
        try:
            made = ops.backup(url, file, keep=keep)
        except DomainError as exc:
            _recorded(lambda: ops.record(url, error=exc))
            raise
        _recorded(lambda: ops.record(url, made=made))
        return made
    path, manifest = _domain(run)
    click.echo(f"{path}  schema {manifest.schema_version}, {len(manifest.tables)} tables,"
               f" {sum(manifest.tables.values())} rows, {manifest.archive_bytes} bytes")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data (asks first).")
@click.option("--yes", is_flag=True, help="With --force: do not ask.")
def restore_command(file: Path, force: bool, yes: bool) -> None:
    """Restore FILE into the configured database; newer migrations are applied afterwards."""
    from gongzhi import backup as ops
    from gongzhi.db import close_pool, connection
    url = connection.server_url()
    if force:
        existing = _domain(lambda: ops.contents(url))
        if existing:
            click.echo(f"This replaces {sum(existing.values())} rows in {len(existing)} tables, e.g. "
                       + ", ".join(f"{t} ({n})" for t, n in sorted(existing.items(), key=lambda i: -i[1])[:5]))
            if not yes:
                click.confirm("Replace them with the backup?", abort=True)
    close_pool()
    manifest = _domain(lambda: ops.restore(file, url, force=force))
    click.echo(f"restored schema {manifest.schema_version} ({sum(manifest.tables.values())} rows checked),"
               " then migrated to the newest schema")


def _recorded(action) -> None:
    """Record an outcome; a database that cannot take the entry (unreachable, older schema) is a
    warning, not a second failure."""
    import psycopg
    try:
        action()
    except psycopg.Error as exc:
        from gongzhi.i18n import t
        click.echo("WARNING: " + t("backup.not_recorded", detail=str(exc).strip()[:200]), err=True)


def _domain(action):
    """Run `action`; a DomainError or a server problem becomes a one-line message and exit 1."""
    from gongzhi.db.embedded import ServerError
    from gongzhi.errors import DomainError
    from gongzhi.i18n import t
    try:
        return action()
    except DomainError as exc:
        raise click.ClickException(str(exc) if exc.key == "personal.keys_missing" else t(exc.key, **exc.params)) from None
    except ServerError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def schema() -> None:
    """The schema file, supabase/schema.sql."""


@schema.command("dump")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write here instead of supabase/schema.sql.")
def schema_dump(out: str | None) -> None:
    """Migrate a throw-away embedded database and write its schema (deterministic, for diffs)."""
    from pathlib import Path

    from gongzhi.db import schema as schema_file
    path = schema_file.write(Path(out) if out else schema_file.SCHEMA_FILE)
    click.echo(f"wrote {path}")


@main.command()
@click.option("--demo", is_flag=True, help="Load the demo district if the database has no org tree.")
@click.option("--demands", default=0, type=click.IntRange(0), help="Append this many demands.")
@click.option("--resources", default=0, type=click.IntRange(0), help="Append this many resources.")
@click.option("--projects", default=0, type=click.IntRange(0), help="Append this many projects.")
def seed(demo: bool, demands: int, resources: int, projects: int) -> None:
    """Load the demo district and/or append scale data (set-based)."""
    import time

    from gongzhi import demo as builder
    from gongzhi.db import connection, migrate as runner
    url = connection.server_url()
    try:
        runner.migrate(url)
        connection.sync_portal_login()
    except runner.PreReleaseDatabase as exc:
        raise click.ClickException(str(exc)) from None
    if demo:
        click.echo("demo district loaded" if builder.load_demo(url) else "demo district already present")
    if demands or resources or projects:
        started = time.perf_counter()
        builder.seed_scale(url, demands=demands, resources=resources, projects=projects)
        click.echo(f"added {demands} demands, {resources} resources, {projects} projects"
                   f" in {time.perf_counter() - started:.1f} s")


@main.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["district", "street", "community", "grid", "department"]))
@click.option("--org", "org", required=True, help="Code or exact name of the org unit.")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--phone", default=None)
@click.option("--department", default=None, help="Department staff: code or name of their department.")
@click.option("--admin", default=None, type=click.Choice(["system", "security", "audit"]),
              help="Make the account an administrator (三权分立; district role only): system, security or audit.")
def user_add(email: str, password: str, role: str, org: str, display_name: str, phone: str | None,
             department: str | None, admin: str | None) -> None:
    """Create a staff account (auth user and staff row) in one transaction; the password must be
    changed at its first sign-in."""
    from gongzhi.accounts import create_staff
    click.echo(_domain(lambda: create_staff(email=email, password=password, role=role, org=org,
                                            display_name=display_name, phone=phone, department=department,
                                            admin=admin)))


@main.group()
def admin() -> None:
    """Administrator capabilities (三权分立): system, security, audit — one per account."""


@admin.command("grant")
@click.argument("account")
@click.argument("capability", type=click.Choice(["system", "security", "audit"]))
def admin_grant(account: str, capability: str) -> None:
    """Give ACCOUNT (email or id) the CAPABILITY; logged in the security log."""
    from gongzhi import db
    from gongzhi.admin import grants

    def run():
        with db.owner() as conn:
            return grants.grant(conn, account, capability)
    click.echo(_domain(run))


@admin.command("revoke")
@click.argument("account")
def admin_revoke(account: str) -> None:
    """Take ACCOUNT's capability away; logged in the security log."""
    from gongzhi import db
    from gongzhi.admin import grants

    def run():
        with db.owner() as conn:
            return grants.revoke(conn, account)
    click.echo(_domain(run))


@admin.command("list")
def admin_list() -> None:
    """Every administrator: capability, email, name, active."""
    from gongzhi import db
    from gongzhi.admin import grants
    with db.owner() as conn:
        for h in grants.holders(conn):
            click.echo(f"{h['capability']}\t{h['email']}\t{h['display_name']}\t{'active' if h['active'] else 'disabled'}")


@main.command("demo-mode")
@click.argument("action", type=click.Choice(["status", "off"]))
def demo_mode_command(action: str) -> None:
    """Demo mode (the published demo password allowed, a banner on every page): see it, or turn it
    off for good — every account still on the demo password must then change it."""
    from gongzhi.auth import demo_mode
    from gongzhi.db import owner
    with owner() as conn, conn.transaction():
        if action == "off":
            click.echo("demo mode turned off: every account on the demo password must change it"
                       if demo_mode.turn_off(conn) else "demo mode was already off")
        else:
            click.echo("demo mode is on" if demo_mode.is_on(conn) else "demo mode is off")


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--demands", default=1_000_000, type=click.IntRange(1), help="Demands to seed.")
@click.option("--fresh", is_flag=True, help="Rebuild the benchmark database instead of reusing it.")
def bench(name: str, as_json: bool, demands: int, fresh: bool) -> None:
    """Run the benchmark NAME (see `gongzhi.bench`) and print its figures."""
    from gongzhi import bench as benches
    try:
        run = benches.REGISTRY[name]
    except KeyError:
        raise click.ClickException(f"unknown benchmark {name!r}; known: {', '.join(sorted(benches.REGISTRY))}")
    figures = run(demands=demands, keep=not fresh)
    click.echo(json.dumps(figures, ensure_ascii=False) if as_json else benches.table(figures))


@main.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the report.")
@click.option("--url", default=None, help="Database URL to check instead of the configured one.")
def doctor(lang: str, url: str | None) -> None:
    """Check the configured deployment and say what is wrong and how to fix it (exit 1 if anything is)."""
    from gongzhi import doctor as checks
    from gongzhi.db import connection
    target = url or config.database_url() or connection.server_url()
    findings = checks.run(target)
    click.echo(checks.report(findings, lang))
    sys.exit(0 if all(f.ok for f in findings) else 1)


@main.group()
def match() -> None:
    """Matching (对接): scheduled jobs."""


@match.command("lapse")
@click.option("--days", default=None, type=int,
              help="Days a proposal may wait for the provider (default: GONGZHI_MATCH_LAPSE_DAYS, else 7).")
def match_lapse(days: int | None) -> None:
    """Lapse proposals not accepted in time; their capacity returns. Run it daily (cron)."""
    from gongzhi.matching import commands
    click.echo(f"lapsed {_domain(lambda: commands.lapse(days))} proposal(s)")


@main.group()
def whistle() -> None:
    """Whistle and report (吹哨报到): scheduled jobs."""


@whistle.command("escalate")
def whistle_escalate() -> None:
    """Flag overdue events for their street (the board does this too when opened). Run it hourly (cron)."""
    from gongzhi.whistle import commands
    click.echo(f"escalated {commands.escalate_due()} event(s)")


@whistle.command("flags")
def whistle_flags() -> None:
    """Recompute the stored fake-fix flags (真改了吗) of the whole district, which the supervision
    board and the dashboard read with their freshness (数据截至). Run it every 5 minutes (cron)."""
    from gongzhi.whistle import flags
    click.echo(f"stored {flags.refresh()} flag(s)")


@main.command()
def notify() -> None:
    """Queue what happened (new whistles, red steps, escalations) and send the pending notifications to
    the WeCom / DingTalk robots, as digests within each robot's rate limit. Run it every minute (cron)."""
    from gongzhi.notify import job
    done = _domain(job.run)
    click.echo(f"queued {done.queued}, delivered {done.delivered} in {done.messages} message(s), "
               f"{done.tries} tries, rate-limited robots {len(set(done.rate_limited))}, given up {done.failed}")


@main.command()
@click.option("--email", required=True, help="The staff account whose territory the bulletin covers.")
@click.option("--month", "month", required=True, help="The month, as 2026-10.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The .xlsx file to write.")
@click.option("--lang", default="zh", type=click.Choice(["zh", "en"]))
def bulletin(email: str, month: str, out: str, lang: str) -> None:
    """Write the monthly bulletin (月通报) of a staff member's territory as an Excel workbook (cron-friendly)."""
    from pathlib import Path

    from gongzhi.auth import load_identity
    from gongzhi.dashboard import bulletin as doc
    from gongzhi.db import owner
    from gongzhi.errors import DomainError
    from gongzhi.i18n import t
    try:
        year, number = (int(part) for part in month.split("-"))
    except ValueError:
        raise click.ClickException(t("dashboard.bad_month", lang)) from None
    with owner() as conn:
        row = conn.execute("select id from auth.users where email = %s", (email.strip().lower(),)).fetchone()
    try:
        if row is None:
            raise DomainError("auth.not_staff")
        # Run by the operator on the server, who holds the owner's access: past any second factor.
        built = doc.build(load_identity(str(row["id"]), {"aal": "aal2"}), None, year, number)
    except DomainError as exc:
        raise click.ClickException(t(exc.key, lang, **exc.params)) from None
    Path(out).write_bytes(doc.to_xlsx(built, lang))
    click.echo(doc.title(built, lang))


@main.group()
def dashboard() -> None:
    """Dashboard (数据驾驶舱): scheduled jobs."""


@dashboard.command("compact")
def dashboard_compact() -> None:
    """Fold the dashboard tallies' delta rows into one row per key. Run it nightly (cron)."""
    from gongzhi.dashboard import maintenance
    before, after = maintenance.compact()
    click.echo(f"tally rows: {before} -> {after}")


@main.command("publish")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def publish_command(out_dir: Path) -> None:
    """Write the public 晒 board into OUT_DIR: a static site (HTML zh/en, JSON, CSV, charts) without
    personal data, for any static host. Run it as a job (cron), e.g. nightly; it reads from the
    standby when GONGZHI_READ_DATABASE_URL names one."""
    from gongzhi import publish
    done = _domain(lambda: publish.publish(publish.source_url(), out_dir))
    click.echo(f"wrote {done.files} files ({done.pages} pages; sections: {', '.join(done.sections)})"
               f" to {done.out} in {done.seconds} s")
    click.echo(publish.as_of_line(done))


@main.command("replicas")
@click.option("-n", "--replicas", "count", default=2, type=click.IntRange(1, 32), show_default=True,
              help="Portal processes to start.")
@click.option("--port", default=8501, type=click.IntRange(1, 65535), show_default=True, help="The proxy's port.")
@click.option("--address", default="0.0.0.0", show_default=True, help="The proxy's address.")
def replicas_command(count: int, port: int, address: str) -> None:
    """Several portal processes on loopback ports behind HAProxy with sticky sessions, until Ctrl-C
    (or SIGTERM, e.g. from a service manager); either stops them all."""
    import signal
    import time

    from gongzhi import replicas

    def interrupt(*_args) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    with replicas.running(count, port=port, address=address) as front:
        click.echo(f"{count} portal processes on 127.0.0.1:{', '.join(map(str, front.ports))}; "
                   f"proxy on {address}:{port}. Ctrl-C stops them all.")
        try:
            while all(p.poll() is None for p in [*front.procs, front.proxy]):
                time.sleep(1)
            raise click.ClickException("a portal process or the proxy stopped; stopping the others "
                                       "(logs in .gongzhi/replicas/)")
        except KeyboardInterrupt:
            pass


@main.group()
def audit() -> None:
    """The security log (安全日志): check its hash chain, apply the retention."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the security log's SM3 chain; name the first broken entry (exit 1)."""
    from gongzhi import db, security_log
    with db.owner() as conn:
        verdict = _domain(lambda: security_log.verify(conn))
    if not verdict.ok:
        click.echo(f"broken at entry {verdict.broken_id} ({verdict.reason}); {verdict.entries} entries read", err=True)
        sys.exit(1)
    if verdict.entries == 0:
        click.echo("0 entries; the log is empty")
    else:
        click.echo(f"{verdict.entries} entries; the chain begins at entry {verdict.first_id}"
                   f" ({verdict.first_at.isoformat()}); last hash {verdict.last_hash}")


@audit.command("prune")
@click.option("--days", required=True, type=int, help="Keep the entries of the last DAYS days (at least 180).")
def audit_prune(days: int) -> None:
    """Remove security log entries older than DAYS days, recording a prune entry."""
    from gongzhi import db, security_log
    with db.owner() as conn:
        removed, first = _domain(lambda: security_log.prune(conn, days))
    click.echo(f"removed {removed} entries; the chain now begins at entry {first}")


@main.group()
def photos() -> None:
    """随手拍 photos: the store's housekeeping."""


@photos.command("sweep")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--grace-minutes", default=60, show_default=True, type=click.IntRange(min=10),
              help="Never remove a file younger than this (a submission may still be committing).")
def photos_sweep(dry_run: bool, grace_minutes: int) -> None:
    """Remove photo rows whose subject is gone and stored files that no photo row names (the
    folder, or the Supabase Storage bucket). Safe while the portal writes; safe to rerun."""
    import datetime as dt

    from gongzhi import db
    from gongzhi.photos import sweep as job
    with db.owner() as conn:
        report = _domain(lambda: job.sweep(conn, grace=dt.timedelta(minutes=grace_minutes), dry_run=dry_run))
    verb = "removed" if report.removed else "would remove"
    click.echo(f"photo rows without their subject: {verb} {report.rows_orphaned}")
    removed = report.files_orphaned - report.files_failed
    click.echo(f"files in the store: {report.files_seen}; no row names {report.files_orphaned + report.files_young}: "
               f"{verb} {removed}, kept {report.files_young} younger than {grace_minutes} minutes")
    if report.files_failed:
        from gongzhi.i18n import t
        click.echo(f"not removed {report.files_failed} ({'; '.join(dict.fromkeys(t(r.key, **r.params) for r in report.reasons))});"
                   " they stay orphans and the next sweep tries them again:")
        for key in report.kept:
            click.echo(f"  {key}")
        raise SystemExit(1)


@main.group()
def retention() -> None:
    """Personal data past its retention (个人信息保存期限): anonymise it."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only count what would be anonymised.")
def retention_run(dry_run: bool) -> None:
    """Anonymise the personal fields of closed cases older than their retention (see the data
    inventory); rows and statistics stay. One transaction per batch; safe to rerun."""
    from gongzhi import db
    from gongzhi.personal import retention as job
    with db.owner() as conn:
        report = _domain(lambda: job.run(conn, dry_run=dry_run))
    verb = "would anonymise" if dry_run else "anonymised"
    for o in report.outcomes:
        click.echo(f"{o.table}: {verb} {o.rows} rows ({', '.join(o.fields)}; {o.days} days after closing)")
    click.echo(f"{verb} {report.total} rows in all" + ("" if dry_run else "; logged in the security log"))


@main.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the report.")
@click.option("--json", "as_json", is_flag=True, help="Print the control points as JSON.")
@click.option("--inventory-markdown", is_flag=True,
              help="Print the data inventory's section of docs/compliance.md instead (Chinese and English tables).")
def compliance(lang: str, as_json: bool, inventory_markdown: bool) -> None:
    """The 等保 2.0 level-3 application control points with this deployment's state and evidence."""
    from gongzhi.personal import listing
    if inventory_markdown:
        click.echo(listing.document_section())
        return
    from gongzhi import compliance as checks, db
    with db.owner() as conn:
        points = _domain(lambda: checks.assess(conn))
    click.echo(checks.as_json(points, lang) if as_json else checks.report(points, lang))


@main.group()
def standby() -> None:
    """A hot standby (streaming replication): make, watch, promote, bring an old primary back."""


def _primary_url(primary: str | None) -> tuple[str, Path | None]:
    """The primary's superuser URL and, for the embedded default, its data folder."""
    if primary:
        return primary, None
    from gongzhi.db import embedded
    return _domain(lambda: embedded.start(config.data_dir())), config.data_dir()


def _server_url(data: Path) -> str:
    from gongzhi.db import embedded, standby as replication
    return embedded.url(data.resolve()) if embedded.running_info(data.resolve()) else _domain(lambda: replication.start(data))


_PRIMARY = click.option("--primary", default=None, metavar="URL",
                        help="A superuser URL of the primary (default: the embedded server).")
_DATA = click.option("--data", "data", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="The standby's data folder.")
_SLOT = click.option("--slot", default="gongzhi_standby", show_default=True, help="The replication slot's name.")


@standby.command("init")
@_PRIMARY
@_DATA
@_SLOT
@click.option("--sync", is_flag=True, help="Make every commit wait until the standby has it.")
def standby_init(primary: str | None, data: Path, slot: str, sync: bool) -> None:
    """Make a hot standby of the primary in DATA with pg_basebackup and start it streaming."""
    from gongzhi.db import standby as replication
    url, primary_dir = _primary_url(primary)
    made = _domain(lambda: replication.init(url, data, slot=slot, primary_data_dir=primary_dir))
    if sync:
        _domain(lambda: replication.set_synchronous(url, slot))
    click.echo(f"standby streaming in {made.data_dir} through slot {made.slot}"
               f" (system {made.system_identifier}{', synchronous' if sync else ''})")
    _echo_portal_lines(url, made.url)


def _echo_portal_lines(primary_url: str, standby_url: str) -> None:
    from gongzhi.db import standby as replication
    click.echo("For the portal to follow a failover, set in .streamlit/secrets.toml or the environment:")
    click.echo(f'GONGZHI_DATABASE_URL = "{replication.multi_host_url(primary_url, standby_url, database="gongzhi")}"')
    click.echo(f'GONGZHI_READ_DATABASE_URL = "{replication.multi_host_url(standby_url, primary_url, database="gongzhi", read_only=True)}"')


@standby.command("status")
@click.option("--data", "data", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="A standby's data folder: report that standby (else the primary).")
@_PRIMARY
@click.option("--warn-mb", default=256, type=click.IntRange(1), show_default=True,
              help="Warn about an unused slot holding back more WAL than this.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def standby_status(data: Path | None, primary: str | None, warn_mb: int, lang: str) -> None:
    """Lag in bytes and seconds, each slot's retained WAL; exit 1 on a warning."""
    from gongzhi.db import standby as replication
    from gongzhi.i18n import t
    if data is not None:
        primary_url = primary or (None if config.database_url() else _primary_url(None)[0])
        found = _domain(lambda: replication.status(_server_url(data), primary_url=primary_url,
                                                   warn_bytes=warn_mb * 1024 * 1024))
    else:
        found = _domain(lambda: replication.status(_primary_url(primary)[0], warn_bytes=warn_mb * 1024 * 1024))
    if found.role == "standby":
        replayed = found.replayed_at.strftime("%Y-%m-%d %H:%M:%S") if found.replayed_at else "-"
        click.echo(f"standby: lag {found.lag_bytes} bytes, {found.lag_s:.1f} s; last replayed commit {replayed}")
    else:
        click.echo(f"primary: {len(found.standbys)} standby(s) streaming")
        for s in found.standbys:
            click.echo(f"  {s['name']}: {s['state']}, {s['sync_state']}, lag {s['lag_bytes']} bytes, {s['lag_s']:.3f} s")
        for s in found.slots:
            click.echo(f"  slot {s['name']}: {'active' if s['active'] else 'inactive'}, {s['wal_status']},"
                       f" holds {s['retained_bytes']} bytes of WAL")
    for key, params in found.warnings:
        click.echo("WARNING: " + t(key, lang, **params), err=True)
    sys.exit(1 if found.warnings else 0)


@standby.command("promote")
@_DATA
def standby_promote(data: Path) -> None:
    """Make the standby in DATA the primary (stop or fence the old primary first)."""
    from gongzhi.db import standby as replication
    _domain(lambda: replication.promote(_server_url(data)))
    click.echo(f"promoted: {data.resolve()} is the primary")


@standby.command("rejoin")
@click.option("--data", "data", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The old primary's data folder.")
@click.option("--primary-data", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="The new primary's data folder (an embedded server).")
@_PRIMARY
@_SLOT
def standby_rejoin(data: Path, primary_data: Path | None, primary: str | None, slot: str) -> None:
    """Bring the old primary in DATA back as a standby of the new primary, with pg_rewind."""
    from gongzhi.db import standby as replication
    if not (primary or primary_data):
        raise click.UsageError("name the new primary: --primary-data DIR or --primary URL")
    new_url = primary or _server_url(primary_data)
    _domain(lambda: replication.rejoin(data, new_url, slot=slot))
    click.echo(f"{data.resolve()} follows the new primary through slot {slot}")


@standby.command("sync")
@click.argument("mode", type=click.Choice(["on", "off"]))
@_PRIMARY
@_SLOT
def standby_sync(mode: str, primary: str | None, slot: str) -> None:
    """Synchronous replication on (every commit waits for the standby) or off."""
    from gongzhi.db import standby as replication
    _domain(lambda: replication.set_synchronous(_primary_url(primary)[0], slot if mode == "on" else None))
    click.echo(f"synchronous replication {mode}")


@standby.command("drop-slot")
@click.argument("slot")
@_PRIMARY
def standby_drop_slot(slot: str, primary: str | None) -> None:
    """Remove the slot of a standby that is gone, so the primary recycles its WAL."""
    from gongzhi.db import standby as replication
    _domain(lambda: replication.drop_slot(_primary_url(primary)[0], slot))
    click.echo(f"dropped slot {slot}")


@main.group("barman")
def barman_group() -> None:
    """Barman on the backup host: streaming WAL archive and base backups (requirements-backup.txt)."""


_HOME = click.option("--home", default=None, type=click.Path(file_okay=False, path_type=Path),
                     help="Barman's folder (default: GONGZHI_BARMAN_HOME, else barman/ beside the data).")


@barman_group.command("setup")
@_PRIMARY
@_HOME
@click.option("--retention", default="RECOVERY WINDOW OF 7 DAYS", show_default=True, help="Barman's retention policy.")
def barman_setup(primary: str | None, home: Path | None, retention: str) -> None:
    """Write Barman's configuration for the district's server, start WAL streaming, take the first
    base backup and run barman check."""
    from gongzhi import pitr
    url, primary_dir = _primary_url(primary)
    done = _domain(lambda: pitr.setup(url, where=home, primary_data_dir=primary_dir, retention=retention))
    click.echo(done.check.rstrip())
    click.echo(f"first base backup {done.backup_id}; configuration in {done.home}. From cron on the backup host:")
    click.echo(f"  * * * * *  barman -c {done.home / 'barman.conf'} cron")
    click.echo(f"  0 2 * * *  barman -c {done.home / 'barman.conf'} backup {pitr.SERVER}")


@barman_group.command("check")
@_HOME
def barman_check(home: Path | None) -> None:
    """barman check: exit 1, loudly, when a backup or the WAL archive is broken."""
    from gongzhi import pitr
    click.echo(_domain(lambda: pitr.check(home)).rstrip())


@barman_group.command("stop")
@_HOME
def barman_stop(home: Path | None) -> None:
    """Stop Barman's WAL receiver (cron starts it again)."""
    from gongzhi import pitr
    _domain(lambda: pitr.stop(home))
    click.echo("stopped")


@main.command("recover")
@click.option("--to", "to", default=None, metavar="'YYYY-MM-DD HH:MM:SS'",
              help="The moment to recover to, Beijing time (default: as far as the archive goes).")
@click.option("--into", "into", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="An empty folder for the recovered server.")
@_HOME
def recover_command(to: str | None, into: Path, home: Path | None) -> None:
    """Restore a new server from Barman to a moment (barman recover), start it and check it."""
    from gongzhi import pitr
    target = _domain(lambda: pitr.parse_target(to)) if to else None
    source = None if config.database_url() else config.data_dir()
    done = _domain(lambda: pitr.recover(into, target, where=home, source_data_dir=source))
    click.echo(f"recovered backup {done.backup_id} into {done.data_dir} in {done.seconds:.1f} s;"
               f" newest transaction {done.newest.isoformat() if done.newest else '-'};"
               f" {sum(done.tables.values())} rows in {len(done.tables)} tables")
    for problem in done.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    click.echo(f"its URL: {done.url}")
    sys.exit(1 if done.problems else 0)


@main.command()
@_HOME
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def drill(home: Path | None, as_json: bool) -> None:
    """Restore drill: the latest Barman backup into a scratch server, checked; reports RTO and RPO,
    records them in the security log; exit 1, loudly, when the backup is broken."""
    from gongzhi import pitr
    from gongzhi.db import connection
    primary = None
    try:
        primary = connection.server_url()
    except Exception as exc:   # the primary down: the drill still runs, and says it could not record
        click.echo(f"WARNING: the drill cannot be recorded, the database is unreachable ({exc})", err=True)
    source = None if config.database_url() else config.data_dir()
    report = pitr.drill(primary, where=home, source_data_dir=source)
    figures = {"ok": report.ok, "backup": report.backup_id, "rto_s": report.rto_s, "rpo_s": report.rpo_s,
               "newest": report.newest.isoformat() if report.newest else None, "rows": report.rows,
               "problems": report.problems}
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        click.echo(f"drill {'OK' if report.ok else 'FAILED'}: backup {report.backup_id or '-'}, RTO {report.rto_s} s,"
                   f" RPO {report.rpo_s if report.rpo_s is not None else '-'} s, {report.rows} rows")
    for problem in report.problems:
        click.echo(f"BROKEN BACKUP: {problem}", err=True)
    sys.exit(0 if report.ok else 1)


@main.group()
def keys() -> None:
    """The data keys (数据密钥) that encrypt phones: status, rotation."""


@keys.command("status")
def keys_status() -> None:
    """Where the keyring is, its key ids, and how many stored values each key encrypts."""
    from gongzhi import db
    from gongzhi.personal import keys as keyring, pending, rotation
    ring = _domain(lambda: keyring.load())
    with db.owner() as conn:
        counts = rotation.usage(conn)
        waiting = pending.count(conn)
    click.echo(f"keyring: {ring.source}")
    for key_id in sorted(set(ring.keys) | set(counts)):
        state = ("current" if key_id == ring.current_id else "retired" if key_id in ring.retired
                 else "missing from the keyring" if key_id not in ring.keys else "older")
        click.echo(f"key {key_id}: {counts.get(key_id, 0)} value(s), {state}")
    click.echo("blind-index key: 1 (not rotated)")
    if waiting:
        click.echo(f"{waiting} plain value(s) wait for encryption: run `python -m gongzhi migrate`")


@keys.command("rotate")
@click.option("--batch", default=500, type=click.IntRange(1, 100000), show_default=True,
              help="Rows re-encrypted per transaction.")
def keys_rotate(batch: int) -> None:
    """Make a new key current and re-encrypt every stored value under it (resumes an interrupted run)."""
    from gongzhi import db
    from gongzhi.personal import rotation
    with db.owner() as conn:
        result = _domain(lambda: rotation.rotate(conn, batch=batch))
    started = f"added key {result.new_key}" if result.new_key else f"resumed the rotation to key {result.current}"
    retired = f"; retired key(s) {', '.join(map(str, result.retired))}" if result.retired else ""
    click.echo(f"{started}; re-encrypted {result.reencrypted} value(s){retired}")


@keys.command("generate")
def keys_generate() -> None:
    """Print a new keyring (for GONGZHI_DATA_KEYS on a deployment without the keyring file)."""
    from gongzhi.personal import keys as keyring
    click.echo(keyring.new_keyring().text(), nl=False)


@main.group()
def geo() -> None:
    """The org tree's geometry (地图): boundaries and building points in WGS-84."""


def _geo_import(check, file: Path) -> None:
    from gongzhi import db
    from gongzhi.geo import imports
    from gongzhi.i18n import t
    with db.owner() as conn:
        plan = _domain(lambda: check(conn, file.name, file.read_bytes()))
        if plan.problems:
            click.echo(t("geo.import.problems"), err=True)
            for line in imports.describe(plan.problems):
                click.echo("  " + line, err=True)
            raise click.ClickException(t("geo.import.not_clean"))
        click.echo(t("geo.import.done", n=_domain(lambda: imports.commit(conn, plan))))


@geo.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def geo_import(file: Path) -> None:
    """Import a GeoJSON FeatureCollection (WGS-84 / CRS84): each feature's code or name is a unit;
    all features or none."""
    from gongzhi.geo import imports
    _geo_import(lambda conn, name, data: imports.check_geojson(conn, data, source=name), file)


@geo.command("points")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def geo_points(file: Path) -> None:
    """Import building points from a sheet (xlsx/csv: 楼栋, 经度, 纬度, optional 坐标系); all rows or none."""
    from gongzhi.geo import imports
    _geo_import(lambda conn, name, data: imports.check_points(conn, name, data, source=name), file)

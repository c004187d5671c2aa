"""Barman against the embedded server: `barman check` clean after setup, point-in-time recovery to a
moment between two writes holds exactly the first, targets it cannot reach get a clear message,
and a restore drill reports RTO and RPO, records itself, and fails loudly on a broken backup.

One primary and one Barman home serve the module; its WAL receiver is stopped at the end."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from gongzhi import demo, pitr, security_log
from gongzhi.cli import main
from gongzhi.db import close_pool, embedded, migrate

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("rsync") is None, reason="barman recover copies with rsync")]


@pytest.fixture(scope="module")
def district():
    """An embedded primary with the demo district, and Barman set up for it."""
    primary = Path(tempfile.mkdtemp(prefix="gongzhi-pitr-"))
    home = primary / "barman"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGZHI_DATA_DIR", str(primary))
        mp.delenv("GONGZHI_DATABASE_URL", raising=False)
        mp.setenv("GONGZHI_BARMAN_HOME", str(home))
        try:
            admin = embedded.start(primary)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("create database gongzhi")
            url = embedded.url(primary, "gongzhi")
            migrate.migrate(url)
            demo.load_demo(url, demands=200, resources=50, projects=5)
            embedded.set_password(primary, "gongzhi_portal")
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("create schema probe")
                conn.execute("create table probe.write (what text, at timestamptz default clock_timestamp())")
            made = CliRunner().invoke(main, ["barman", "setup"])
            assert made.exit_code == 0, made.output
            yield primary, home, url, made.output
        finally:
            close_pool()
            pitr.stop(home)
            embedded.wipe(primary)
            shutil.rmtree(primary, ignore_errors=True)


@pytest.fixture
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="gongzhi-recovered-"))
    yield folder
    embedded.wipe(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_barman_check_is_clean_after_setup(district):
    _primary, home, _url, output = district
    assert "FAILED" not in output and "PostgreSQL streaming: OK" in output and "receive-wal running: OK" in output
    conf = (home / "conf.d" / "gongzhi.conf").read_text()
    for line in ("streaming_archiver = on", "backup_method = postgres", "retention_policy = RECOVERY WINDOW OF 7 DAYS",
                 "compression = gzip", "slot_name = barman"):
        assert line in conf
    assert "password" not in conf                                  # in the 0600 pgpass file instead
    again = CliRunner().invoke(main, ["barman", "check"])
    assert again.exit_code == 0 and "FAILED" not in again.output


def _write(url: str, what: str) -> dt.datetime:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("insert into probe.write (what) values (%s) returning at", (what,)).fetchone()[0]


def test_recovery_to_a_moment_between_two_writes_holds_exactly_the_first(district, scratch):
    _primary, _home, url, _ = district
    first = _write(url, "first")
    moment = (first + dt.timedelta(seconds=1)).replace(microsecond=0)   # a whole second after the first
    time.sleep(max(0.0, (moment - dt.datetime.now(dt.timezone.utc)).total_seconds()) + 1.0)
    second = _write(url, "second")
    assert first < moment < second
    to = moment.astimezone(pitr.TZ).strftime("%Y-%m-%d %H:%M:%S")
    done = CliRunner().invoke(main, ["recover", "--to", to, "--into", str(scratch)])
    assert done.exit_code == 0, done.output
    assert "recovered backup" in done.output and "PROBLEM" not in done.output
    recovered = embedded.url(scratch, "gongzhi")
    with psycopg.connect(recovered) as conn:
        assert [r[0] for r in conn.execute("select what from probe.write order by at")] == ["first"]
        assert conn.execute("select pg_is_in_recovery()").fetchone()[0] is False
        assert conn.execute("select count(*) from public.demand").fetchone()[0] >= 200


def test_targets_it_cannot_reach_get_a_clear_message_and_change_nothing(district, scratch):
    runner = CliRunner()
    future = (dt.datetime.now(pitr.TZ) + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    refused = runner.invoke(main, ["recover", "--to", future, "--into", str(scratch)])
    assert refused.exit_code == 1 and "无法恢复到未来" in refused.output
    early = runner.invoke(main, ["recover", "--to", "2020-01-01 00:00:00", "--into", str(scratch)])
    assert early.exit_code == 1 and "早于第一个基础备份完成的时间" in early.output
    garbled = runner.invoke(main, ["recover", "--to", "yesterday", "--into", str(scratch)])
    assert garbled.exit_code == 1 and "YYYY-MM-DD HH:MM:SS" in garbled.output
    assert not (scratch / "pgdata").exists()


def test_a_drill_reports_rto_and_rpo_and_is_recorded_and_a_broken_backup_fails_loudly(district):
    _primary, home, url, _ = district
    with psycopg.connect(url, autocommit=True) as conn:      # the newest transaction: an entry of the log
        security_log.append(conn, "setting", object="before the drill")
    done = CliRunner().invoke(main, ["drill", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output.strip().splitlines()[-1])
    assert report["ok"] is True and report["problems"] == []
    assert report["rto_s"] > 0 and 0 <= report["rpo_s"] < 120 and report["rows"] > 200
    with psycopg.connect(url) as conn:
        kind, details = conn.execute("select kind, details from private.security_log order by id desc limit 1").fetchone()
    assert kind == "drill" and details["ok"] is True and details["rto_s"] == report["rto_s"]

    backup = pitr.latest_backup(home)["backup_id"]
    control = home / "data" / "gongzhi" / "base" / backup / "data" / "global" / "pg_control"
    aside = control.with_name("pg_control.aside")
    control.rename(aside)                                       # a backup that lost a file
    try:
        broken = CliRunner().invoke(main, ["drill"])
    finally:
        aside.rename(control)
    assert broken.exit_code == 1
    assert "drill FAILED" in broken.output and "BROKEN BACKUP" in broken.output
    with psycopg.connect(url) as conn:
        details = conn.execute("select details from private.security_log order by id desc limit 1").fetchone()[0]
    assert details["ok"] is False and details["problems"]

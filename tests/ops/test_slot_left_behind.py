"""A replication slot left behind by a removed standby: the primary keeps every WAL segment from the
slot's restart point on, until the cap (`max_slot_wal_keep_size`) gives it up, or, without a cap,
until its disk is full. `standby status` and `doctor` warn once an unused slot holds more than the
threshold, say how much more WAL the primary may write before giving the slot up (or that nothing
stops it), and name the command that removes it; after `standby drop-slot` both are quiet again.

A bare server of its own (no Gongzhi schema: the slot check needs none), so the slot never reaches
the test session's shared server."""
from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from gongzhi import doctor
from gongzhi.cli import main
from tests.conftest import throwaway_server

pytestmark = pytest.mark.slow


@pytest.fixture
def primary():
    for url, _folder in throwaway_server():
        yield url


def _sql(url: str, *statements: str):
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            row = conn.execute(statement).fetchone() if statement.startswith("select") else conn.execute(statement)
        return row


def _slots(url: str) -> doctor.Finding:
    with psycopg.connect(url) as conn:
        return doctor.check_slots(conn)


def _write_wal(url: str) -> None:
    """About 5 MB of WAL the left slot never reads."""
    _sql(url, "create table wal_filler as select g, repeat('x', 500) as pad from generate_series(1, 10000) g",
         "drop table wal_filler")


def test_an_unused_slot_holding_wal_is_warned_about_before_the_disk_fills_and_dropping_it_quiets(primary, monkeypatch):
    monkeypatch.setenv("GONGZHI_SLOT_WARN_MB", "1")
    runner = CliRunner()
    _sql(primary, "select pg_create_physical_replication_slot('removed_standby', true)")
    assert _slots(primary).ok                                  # made a moment ago: it holds next to nothing

    _write_wal(primary)
    uncapped = _slots(primary)                                 # the server's default: no cap at all
    assert not uncapped.ok and uncapped.key == "doctor.slots.uncapped"
    said = uncapped.render("en")
    assert "removed_standby (" in said and "until its disk is full" in said
    assert "standby drop-slot removed_standby" in said
    shown = runner.invoke(main, ["doctor", "--url", primary, "--lang", "en"])
    assert shown.exit_code == 1 and "✘ Replication slots" in shown.output
    assert "this check could not be run" in shown.output            # a bare server: no anon role, said, not a crash

    _sql(primary, "alter system set max_slot_wal_keep_size = '64MB'", "select pg_reload_conf()")
    capped = _slots(primary)
    assert not capped.ok and capped.key == "doctor.slots.left_behind"
    held, writable = capped.params["slots"].removeprefix("removed_standby (").removesuffix(" MB)").split(" MB / ")
    assert int(held) >= 4 and 0 < int(writable) <= 64 + 16    # the cap, to within a 16 MB segment

    status = runner.invoke(main, ["standby", "status", "--primary", primary, "--warn-mb", "1", "--lang", "en"])
    assert status.exit_code == 1
    assert "slot removed_standby: inactive" in status.output and "used by no standby" in status.output
    quiet = runner.invoke(main, ["standby", "status", "--primary", primary, "--warn-mb", "64"])
    assert quiet.exit_code == 0, quiet.output                  # under the threshold: no warning

    dropped = runner.invoke(main, ["standby", "drop-slot", "removed_standby", "--primary", primary])
    assert dropped.exit_code == 0, dropped.output
    assert _slots(primary).ok
    again = runner.invoke(main, ["standby", "status", "--primary", primary, "--warn-mb", "1"])
    assert again.exit_code == 0 and "removed_standby" not in again.output

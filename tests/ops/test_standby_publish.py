"""Issue 26 for the public 晒 board: with a read server configured, `python -m gongzhi publish` reads the
hot standby, not the primary, and the site and the job's output say how fresh the data was
(数据截至 hh:mm:ss). Shown with replay paused on a real standby of the embedded server: a change
committed on the primary after the pause is not in the site, and 数据截至 is before it."""
from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest
from click.testing import CliRunner

from gongzhi import publish
from gongzhi.cli import main
from gongzhi.clock import BEIJING
from tests.ops.test_standby import _one, pair  # noqa: F401  (the module's pair of servers)

pytestmark = pytest.mark.slow

RENAMED = "（已更名）"


def _wait(url: str, sql: str, params=(), timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not _one(url, sql, *params)[0]:
        assert time.monotonic() < deadline, sql
        time.sleep(0.1)


def test_publish_reads_the_standby_and_says_how_fresh_its_data_was(pair, monkeypatch, tmp_path):  # noqa: F811
    primary, replica = pair.url(pair.primary), pair.url(pair.standby)
    monkeypatch.setenv("GONGZHI_DATABASE_URL", primary)
    monkeypatch.setenv("GONGZHI_READ_DATABASE_URL", replica)
    assert publish.source_url() == replica
    street = _one(primary, "select id, name from public.org_unit where kind = 'street' order by terr limit 1")
    with psycopg.connect(primary, autocommit=True) as conn:   # a transaction the standby replays first
        conn.execute("update public.org_unit set name = name where id = %s", (street[0],))
        marker = conn.execute("select pg_current_wal_lsn()").fetchone()[0]
    _wait(replica, "select pg_last_wal_replay_lsn() >= %s::pg_lsn", (str(marker),))
    replayed = _one(replica, "select pg_last_xact_replay_timestamp()")[0]
    _one(replica, "select pg_wal_replay_pause()")
    try:
        _wait(replica, "select pg_get_wal_replay_pause_state() = 'paused'")
        with psycopg.connect(primary, autocommit=True) as conn:
            conn.execute("update public.org_unit set name = name || %s where id = %s", (RENAMED, street[0]))
            written = conn.execute("select now()").fetchone()[0]
            lsn = conn.execute("select pg_current_wal_lsn()").fetchone()[0]
        _wait(replica, "select pg_last_wal_receive_lsn() >= %s::pg_lsn", (str(lsn),))   # received, not replayed

        done = publish.publish(publish.source_url(), tmp_path / "site")
        assert done.from_standby and done.as_of == replayed < written
        index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
        assert street[1] in index and RENAMED not in index
        shown = done.as_of.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        assert f"数据截至 {shown}（北京时间）" in index

        result = CliRunner().invoke(main, ["publish", str(tmp_path / "again")])
        assert result.exit_code == 0, result.output
        assert "读自热备库" in result.output and "数据截至 " in result.output
        assert RENAMED not in (tmp_path / "again" / "index.html").read_text(encoding="utf-8")
    finally:
        _one(replica, "select pg_wal_replay_resume()")
        with psycopg.connect(primary, autocommit=True) as conn:
            conn.execute("update public.org_unit set name = %s where id = %s", (street[1], street[0]))
    _wait(replica, "select name = %s from public.org_unit where id = %s", (street[1], street[0]))
    monkeypatch.delenv("GONGZHI_READ_DATABASE_URL")
    on_primary = publish.publish(publish.source_url(), tmp_path / "primary")
    assert not on_primary.from_standby

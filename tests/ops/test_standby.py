"""A hot standby of the embedded server: it catches up and refuses writes, its replication role can
do nothing but replicate, its status shows lag and a slot left behind, a wrong primary is refused,
and after a kill -9 of the primary and a promotion the portal writes again without a restart while
pg_rewind brings the old primary back as the new standby; with synchronous replication a commit
that returned survives the kill.

One pair of real servers (SCRAM passwords, fsync on) serves the whole module; the failover tests
swap which of the two is the primary and leave a working pair behind."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from gongzhi import demo
from gongzhi.cli import main
from gongzhi.db import close_pool, connection, embedded, migrate, standby
from gongzhi.errors import DomainError, unavailable
from gongzhi.i18n import t
from gongzhi.lists import commands
from gongzhi.dashboard import bulletin, periods, queries
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import APP, TIMEOUT, identity_of

DEMO_EMAILS_GRID = DEMO_EMAILS["grid"]

pytestmark = pytest.mark.slow

DEMAND = {"title": "楼道灯坏了需要维修", "category_id": "助老服务", "org_unit_id": "丽水社区第一网格",
          "urgency": "high", "beneficiary_phone": "13912340000", "beneficiary_name": "王秀英"}


def _db(url: str, name: str = "gongzhi") -> str:
    return url.replace("/postgres?", f"/{name}?", 1)


def _one(url: str, sql: str, *params):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()


class Pair:
    """Two embedded servers, one the primary, the other its standby."""

    def __init__(self, primary: Path, standby: Path):
        self.primary, self.standby = primary, standby

    def url(self, data_dir: Path) -> str:
        return _db(embedded.url(data_dir))

    def swap(self) -> None:
        self.primary, self.standby = self.standby, self.primary


@pytest.fixture(scope="module")
def pair():
    folders = [Path(tempfile.mkdtemp(prefix="gongzhi-primary-")), Path(tempfile.mkdtemp(prefix="gongzhi-standby-"))]
    primary, replica = folders
    try:
        admin = embedded.start(primary)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("create database gongzhi")
        migrate.migrate(_db(admin))
        demo.load_demo(_db(admin))
        embedded.set_password(primary, connection.PORTAL_ROLE)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("GONGZHI_DATA_DIR", str(primary))
            mp.delenv("GONGZHI_DATABASE_URL", raising=False)
            made = CliRunner().invoke(main, ["standby", "init", "--data", str(replica)])
        assert made.exit_code == 0, made.output
        assert "GONGZHI_DATABASE_URL" in made.output and "target_session_attrs=read-write" in made.output
        yield Pair(primary, replica)
    finally:
        close_pool()
        for folder in folders:
            embedded.wipe(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _wait_replayed(pair: Pair, sql: str, expected, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while (found := _one(pair.url(pair.standby), sql)[0]) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_the_standby_catches_up_and_refuses_writes(pair):
    primary, replica = pair.url(pair.primary), pair.url(pair.standby)
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute("update public.org_unit set name = name || '' where id = (select min(id) from public.org_unit)")
        demands = conn.execute("select count(*) from public.demand").fetchone()[0]
    assert _wait_replayed(pair, "select count(*) from public.demand", demands) == demands > 0
    assert _one(replica, "select pg_is_in_recovery()")[0] is True
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        _one(replica, "insert into public.org_unit (name, kind) values ('不该写入', 'street')")


def test_the_replication_role_replicates_and_does_nothing_else(pair):
    password = embedded.secret(pair.primary, standby.REPLICATION_ROLE)
    socket = embedded.running_info(pair.primary).socket_dir
    as_role = dict(host=str(socket), user=standby.REPLICATION_ROLE, password=password)
    for database in ("gongzhi", "postgres"):
        with pytest.raises(psycopg.OperationalError, match="pg_hba.conf rejects"):
            psycopg.connect(dbname=database, **as_role)
    replication = psycopg.pq.PGconn.connect(psycopg.conninfo.make_conninfo(replication="true", **as_role).encode())
    assert replication.status == psycopg.pq.ConnStatus.OK
    assert replication.exec_(b"IDENTIFY_SYSTEM").get_value(0, 0).decode() == \
        standby.system_identifier(embedded.url(pair.primary))
    replication.finish()
    wrong = psycopg.pq.PGconn.connect(psycopg.conninfo.make_conninfo(
        replication="true", **{**as_role, "password": "not-the-password"}).encode())
    assert wrong.status == psycopg.pq.ConnStatus.BAD and b"password authentication failed" in wrong.error_message
    wrong.finish()
    role = _one(embedded.url(pair.primary),
                "select rolreplication, rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname = %s",
                standby.REPLICATION_ROLE)
    assert role == (True, False, False, False)


def test_status_shows_lag_and_warns_about_a_slot_left_behind(pair):
    admin = embedded.url(pair.primary)
    runner = CliRunner()
    env = {"GONGZHI_DATA_DIR": str(pair.primary)}
    shown = runner.invoke(main, ["standby", "status", "--lang", "en"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "gongzhi_standby: streaming" in shown.output and "slot gongzhi_standby: active" in shown.output
    on_standby = runner.invoke(main, ["standby", "status", "--data", str(pair.standby)], env=env)
    assert on_standby.exit_code == 0 and on_standby.output.startswith("standby: lag ")
    _one(admin, "select pg_create_physical_replication_slot('removed_standby', true)")
    with psycopg.connect(_db(admin), autocommit=True) as conn:   # WAL the removed standby never reads
        conn.execute("create table public.wal_filler as select g, repeat('x', 500) as pad from generate_series(1, 5000) g")
        conn.execute("drop table public.wal_filler")
    warned = runner.invoke(main, ["standby", "status", "--warn-mb", "1", "--lang", "en"], env=env)
    assert warned.exit_code == 1
    assert "Replication slot removed_standby is used by no standby" in warned.output
    assert "gongzhi_standby is used" not in warned.output
    assert runner.invoke(main, ["standby", "drop-slot", "gongzhi_standby"], env=env).exit_code == 1   # in use
    dropped = runner.invoke(main, ["standby", "drop-slot", "removed_standby"], env=env)
    assert dropped.exit_code == 0, dropped.output
    assert runner.invoke(main, ["standby", "status", "--warn-mb", "1"], env=env).exit_code == 0


def test_a_standby_of_another_cluster_is_refused_and_left_as_it_was(pair, pg_admin_url):
    before = sorted(p.name for p in (pair.standby / "pgdata").iterdir())
    with pytest.raises(DomainError) as refused:
        standby.init(pg_admin_url, pair.standby)
    assert refused.value.key == "standby.wrong_primary"
    assert "another database cluster" in t(refused.value.key, "en", **refused.value.params)
    assert sorted(p.name for p in (pair.standby / "pgdata").iterdir()) == before
    with pytest.raises(DomainError) as again:
        standby.init(embedded.url(pair.primary), pair.standby)
    assert again.value.key == "standby.exists"
    with pytest.raises(DomainError) as bad_slot:
        standby.init(embedded.url(pair.primary), pair.standby / "other", slot="Bad-Slot")
    assert bad_slot.value.key == "standby.bad_slot"


@pytest.fixture
def reads_on_standby(pair, monkeypatch):
    """The portal on the primary, with the standby as its read server."""
    monkeypatch.setenv("GONGZHI_DATABASE_URL", pair.url(pair.primary))
    monkeypatch.setenv("GONGZHI_PORTAL_PASSWORD", embedded.secret(pair.primary, connection.PORTAL_ROLE))
    close_pool()
    yield lambda on: (monkeypatch.setenv("GONGZHI_READ_DATABASE_URL", pair.url(pair.standby)) if on
                      else monkeypatch.delenv("GONGZHI_READ_DATABASE_URL", raising=False))
    close_pool()


def test_dashboards_and_bulletins_from_the_standby_equal_those_from_the_primary_for_each_role(pair, reads_on_standby):
    month = periods.period_for("month", dt.date.today())
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    for role, email in DEMO_EMAILS.items():
        if role == "department":
            continue   # no dashboard
        user = identity_of(email)
        reads_on_standby(False)
        on_primary = queries.load(user, None, month)
        bulletin_primary = bulletin.build(user, None, last.year, last.month)
        reads_on_standby(True)
        on_standby = queries.load(user, None, month)
        bulletin_standby = bulletin.build(user, None, last.year, last.month)
        assert on_primary.as_of is None and on_standby.as_of is not None, role
        on_standby.as_of = bulletin_standby.board.as_of = None
        assert on_standby == on_primary, role
        assert bulletin_standby == bulletin_primary, role

    page = AppTest.from_file(APP, default_timeout=TIMEOUT)
    page.session_state["identity"] = identity_of(DEMO_EMAILS["district"])
    page.switch_page("pages/dashboard.py")
    page.run()
    assert not page.exception
    assert any(c.value.startswith("数据截至 ") and len(c.value) == len("数据截至 12:34:56（北京时间）") for c in page.caption)


def test_a_read_that_must_see_the_users_own_write_stays_on_the_primary(pair, reads_on_standby):
    reads_on_standby(True)
    grid = identity_of(DEMO_EMAILS_GRID)
    new_id = commands.create(grid, "demand", {**DEMAND, "title": "刚写入的需求"})
    with grid.session() as conn:             # the list pages and forms read through session(): the primary
        assert conn.execute("select not pg_is_in_recovery() as primary").fetchone()["primary"]
        assert conn.execute("select title from public.demand where id = %s", (new_id,)).fetchone()["title"] == "刚写入的需求"
    with connection.as_reader(grid.user_id) as conn:
        assert conn.execute("select pg_is_in_recovery() as standby").fetchone()["standby"]


def _kill_primary(pair: Pair) -> None:
    info = embedded.running_info(pair.primary)
    os.kill(info.pid, signal.SIGKILL)
    for _ in range(100):
        if embedded.running_info(pair.primary) is None:
            return
        time.sleep(0.05)


@pytest.fixture
def portal_on_both(pair, monkeypatch):
    """The portal configured with both servers, as `standby init` says."""
    both = standby.multi_host_url(embedded.url(pair.primary), embedded.url(pair.standby), database="gongzhi")
    monkeypatch.setenv("GONGZHI_DATABASE_URL", both)
    monkeypatch.setenv("GONGZHI_PORTAL_PASSWORD", embedded.secret(pair.primary, connection.PORTAL_ROLE))
    close_pool()
    yield
    close_pool()


def _grid_user():
    return identity_of(DEMO_EMAILS_GRID)


def test_after_a_failover_the_portal_writes_again_without_a_restart_and_the_old_primary_rejoins(pair, portal_on_both):
    assert connection.failover_configured()
    grid = _grid_user()
    before = commands.create(grid, "demand", {**DEMAND, "title": "切换前的需求"})
    _kill_primary(pair)
    with pytest.raises(Exception) as down:       # the standby still refuses writes: no server accepts them
        commands.create(grid, "demand", {**DEMAND, "title": "切换中的需求"})
    assert unavailable(down.value)
    page = AppTest.from_file(APP, default_timeout=TIMEOUT)   # the portal, signed in as the grid worker
    page.session_state["identity"] = grid
    page.run()
    assert not page.exception and [e.value for e in page.error] == [t("error.switching", "zh")]
    assert t("error.switching", "zh").startswith("数据库正在切换")
    page.session_state["lang"] = "en"
    page.run()
    assert [e.value for e in page.error] == [t("error.switching", "en")]

    promoted = CliRunner().invoke(main, ["standby", "promote", "--data", str(pair.standby)])
    assert promoted.exit_code == 0, promoted.output
    page.run()
    assert not page.exception and not page.error
    after = commands.create(grid, "demand", {**DEMAND, "title": "切换后的需求"})   # the same process, the same pools
    old, new = pair.primary, pair.standby
    titles = [r[0] for r in _fetch(_db(embedded.url(new)), "select title from public.demand where id in (%s, %s) order by id", before, after)]
    assert titles == ["切换前的需求", "切换后的需求"]

    rejoined = CliRunner().invoke(main, ["standby", "rejoin", "--data", str(old), "--primary-data", str(new)])
    assert rejoined.exit_code == 0, rejoined.output
    pair.swap()
    assert _one(pair.url(pair.standby), "select pg_is_in_recovery()")[0] is True
    assert _wait_replayed(pair, f"select count(*) from public.demand where id = {after}", 1) == 1
    assert _one(embedded.url(pair.primary), "select count(*) from pg_stat_replication where state = 'streaming'")[0] == 1


def _fetch(url: str, sql: str, *params):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_with_synchronous_replication_a_kill_after_commit_loses_nothing(pair):
    runner = CliRunner()
    env = {"GONGZHI_DATA_DIR": str(pair.primary)}
    on = runner.invoke(main, ["standby", "sync", "on"], env=env)
    assert on.exit_code == 0, on.output
    admin = embedded.url(pair.primary)
    for _ in range(50):
        if _one(admin, "select count(*) from pg_stat_replication where sync_state = 'sync'")[0] == 1:
            break
        time.sleep(0.1)
    with psycopg.connect(_db(admin)) as conn:
        conn.execute("create table if not exists public.sync_probe (n int)")
        conn.commit()
        for n in range(20):
            conn.execute("insert into public.sync_probe values (%s)", (n,))
            conn.commit()
        _kill_primary(pair)                            # straight after the last commit returned
    standby.promote(embedded.url(pair.standby))        # replays every record the standby had flushed
    assert _one(pair.url(pair.standby), "select count(*), max(n) from public.sync_probe") == (20, 19)
    assert _one(embedded.url(pair.standby), "show synchronous_standby_names")[0] == ""
    standby.rejoin(pair.primary, embedded.url(pair.standby))
    pair.swap()
    assert _one(embedded.url(pair.primary), "select count(*) from pg_stat_replication")[0] == 1

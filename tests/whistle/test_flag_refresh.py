"""The stored fake-fix flags (public.event_flag): a flag about an event appears when its cause does and
disappears when the cause goes, at the next refresh and not before; the board says how fresh they are;
the job `python -m gongzhi whistle flags` refreshes them as the owner."""
import datetime as dt

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from gongzhi.cli import main
from gongzhi.whistle import flags
from gongzhi.clock import BEIJING
from tests.conftest import act_as, act_as_owner, unit_id
from tests.whistle.helpers import HOME_GRID, department_id
from tests.whistle.test_flags import _event, closed_event

DAY = dt.timedelta(days=1)


def _stored(conn, who: str, now: dt.datetime, kind: str) -> set[int]:
    """The events flagged `kind` as `who` reads them now, without refreshing."""
    act_as(conn, who)
    ids = {r["event_id"] for r in conn.execute("select * from private.event_flags(%s, 90)", (now,)).fetchall()
           if r["kind"] == kind}
    act_as_owner(conn)
    return ids


@pytest.fixture
def home(conn):
    return {"grid": unit_id(conn, HOME_GRID), "departments": [department_id(conn, "chengguan")],
            "category": conn.execute("select id from public.category where code = 'repair'").fetchone()["id"],
            "now": conn.execute("select now() as t").fetchone()["t"]}


def test_a_repeat_report_raises_its_flag_at_the_next_refresh_and_its_removal_clears_it(conn, home):
    now = home["now"]
    fixed = closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 8 号楼",
                         created=now - 20 * DAY, hours=48, departments=home["departments"])
    flags.refresh_on(conn, now)
    assert fixed not in _stored(conn, "grid", now, "reported_again")
    again = _event(conn, home["grid"], home["category"], "丽水花园8号楼", now - 2 * DAY, home["departments"])
    assert fixed not in _stored(conn, "grid", now, "reported_again")     # not before the refresh
    flags.refresh_on(conn, now)
    assert fixed in _stored(conn, "grid", now, "reported_again")
    assert fixed in _stored(conn, "department", now, "reported_again")   # 城管 was summoned to it
    conn.execute("delete from public.event where id = %s", (again,))
    assert fixed in _stored(conn, "grid", now, "reported_again")         # stale until the refresh
    flags.refresh_on(conn, now)
    assert fixed not in _stored(conn, "grid", now, "reported_again")


def test_an_after_photo_clears_the_flag_at_the_next_refresh(conn, home):
    now = home["now"]
    event = closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 9 号楼",
                         created=now - 4 * DAY, hours=30, departments=home["departments"])
    flags.refresh_on(conn, now)
    assert event in _stored(conn, "community", now, "no_after_photo")
    conn.execute("insert into public.photo (subject_kind, subject_id, stage, object_key, thumb_key, content_type,"
                 " size_bytes, width, height) values ('event', %s, 'after', %s, %s, 'image/jpeg', 1000, 64, 48)",
                 (event, f"event/{event}/{'a' * 32}.jpg", f"event/{event}/{'a' * 32}.thumb.jpg"))
    assert event in _stored(conn, "community", now, "no_after_photo")
    flags.refresh_on(conn, now)
    assert event not in _stored(conn, "community", now, "no_after_photo")


def test_a_refresh_replaces_the_set_and_the_board_says_when_it_was_computed(conn):
    at = conn.execute("select date_trunc('minute', now()) as t").fetchone()["t"]
    stored = flags.refresh_on(conn, at)
    assert stored == conn.execute("select count(*) as n from public.event_flag").fetchone()["n"] > 0
    assert flags.refresh_on(conn, at) == stored                         # replaced, not added to
    act_as(conn, "street")
    board = flags.board_on(conn, at)
    act_as_owner(conn)
    assert board["as_of"] == at
    assert flags.as_of_text(dt.datetime(2026, 11, 5, 1, 30, tzinfo=dt.timezone.utc)) == "数据截至 2026-11-05 09:30:00（北京时间）"
    today = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    assert flags.as_of_text(today, "en") == f"Data as of {today.astimezone(BEIJING):%H:%M:%S} (Beijing time)"
    assert flags.as_of_text(None) == "标记尚未生成（由定时任务每 5 分钟计算一次）。"


def test_nobody_but_staff_learns_when_the_flags_were_computed(conn):
    flags.refresh_on(conn)
    act_as(conn, None)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select private.event_flags_as_of()")
    conn.rollback()


def test_the_job_refreshes_the_stored_flags_as_the_owner(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("delete from public.event_flag")
        conn.execute("update private.event_flag_refresh set as_of = now() - interval '1 day'")
        result = CliRunner().invoke(main, ["whistle", "flags"])
        assert result.exit_code == 0, result.output
        n = conn.execute("select count(*) as n from public.event_flag").fetchone()["n"]
        assert n > 0 and result.output.strip() == f"stored {n} flag(s)"
        assert conn.execute("select as_of > now() - interval '1 minute' as fresh"
                            " from private.event_flag_refresh").fetchone()["fresh"]
        # settled: every page all-visible, so the board counts from the index alone
        pages = conn.execute("select relpages, relallvisible from pg_class where oid = 'public.event_flag'::regclass").fetchone()
        assert pages["relpages"] > 0 and pages["relallvisible"] == pages["relpages"]

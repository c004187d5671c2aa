"""`python -m gongzhi whistle escalate`, the hourly job, with click's CliRunner against a database of its own."""
import datetime as dt

import psycopg
from click.testing import CliRunner
from psycopg.rows import dict_row

from gongzhi.cli import main
from tests.whistle.helpers import HOME_GRID


def test_the_hourly_job_flags_overdue_events_for_the_street(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        grid = conn.execute("select id from public.org_unit where name = %s", (HOME_GRID,)).fetchone()["id"]
        late, fresh = (conn.execute(
            """insert into public.event (org_unit_id, category_id, title, address, departments, created_at)
               select %s, (select min(id) from public.category), '测试', '1号楼',
                      array[(select id from public.department where code = 'chengguan')], %s
               returning id""", (grid, created)).fetchone()["id"]
            for created in (dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone.utc), dt.datetime.now(dt.timezone.utc)))
        conn.execute("update public.event set escalated_at = now() where closed_at is null and escalated_at is null"
                     " and id not in (%s, %s)", (late, fresh))   # only the two events of this test are due
        conn.commit()
    result = CliRunner().invoke(main, ["whistle", "escalate"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "escalated 1 event(s)"
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        flagged = {r["id"]: r["escalated_at"] is not None for r in conn.execute(
            "select id, escalated_at from public.event where id in (%s, %s)", (late, fresh))}
        lines = conn.execute("select count(*) as n from public.event_timeline where event_id = %s and kind = 'escalate'",
                             (late,)).fetchone()["n"]
    assert flagged == {late: True, fresh: False} and lines == 1
    assert CliRunner().invoke(main, ["whistle", "escalate"]).output.strip() == "escalated 0 event(s)"

"""Item 10 of the hardening issue: changes to the settings tables leave an audit row, like every
list does, naming who changed which row (the whistle settings are the system administrator's, 三权分立)."""
import pytest

from tests.conftest import act_as, act_as_owner, user_id

CHANGES = {
    "event_routing": ("system", "update public.event_routing set position = position + 1"
                                  " where (category_id, department_id) = (select category_id, department_id"
                                  " from public.event_routing order by 1, 2 limit 1)"),
    "event_deadline": ("system", "update public.event_deadline set hours = hours + 1"
                                   " where urgency = 'normal' and step = 'report'"),
    "work_calendar": ("system", "insert into public.work_calendar (day, working, note)"
                                  " values ('2031-10-01', false, '国庆节')"),
    "event_department": ("district", "update public.event_department set report_note = '已到场'"
                                     " where (event_id, department_id) = (select event_id, department_id"
                                     " from public.event_department where reported_at is null order by 1, 2 limit 1)"),
    "user_setting": ("grid", "insert into public.user_setting (language) values ('en')"
                             " on conflict (user_id) do update set language = 'en'"),
}


@pytest.mark.parametrize("table", sorted(CHANGES))
def test_a_settings_change_is_audited(conn, table):
    role, sql = CHANGES[table]
    act_as_owner(conn)
    actor = user_id(conn, role)
    before = conn.execute("select coalesce(max(id), 0) as id from public.audit_log").fetchone()["id"]
    act_as(conn, role)
    assert conn.execute(sql).rowcount == 1
    act_as_owner(conn)
    rows = conn.execute("select actor::text, row_id from public.audit_log where table_name = %s and id > %s",
                        (table, before)).fetchall()
    assert len(rows) == 1 and rows[0]["actor"] == actor and rows[0]["row_id"]

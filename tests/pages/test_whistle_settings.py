"""吹哨设置 page (the system administrator only, 三权分立): departments, routing, time limits and the work calendar changed
through the page's forms; bad input refused with a message and nothing written; other roles have
no page, and the commands refuse them."""
import datetime as dt

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi.auth.pages import pages_for
from gongzhi.errors import DomainError
from gongzhi.whistle import commands, queries
from tests.conftest import ADMIN_EMAILS, DEMO_EMAILS
from tests.pages.conftest import identity_of

PAGE = "pages/whistle_settings.py"
ADD_DEPARTMENT = "FormSubmitter:ws_add_department-新增职能部门"
SAVE_ROUTING = "FormSubmitter:ws_routing-保存"
SAVE_DEADLINE = "FormSubmitter:ws_deadline-保存"
ADD_DAY = "FormSubmitter:ws_add_day-登记日期"
CHANGE_DAY = "FormSubmitter:ws_change-保存"
REMOVE_DAY = "FormSubmitter:ws_change-删除（恢复按周一至周五）"


def _rows(url, sql, *params):
    """Read as the owner, beside the portal's own connections."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def _open(app_as, view: str = "departments"):
    at = app_as("system")
    at.switch_page(PAGE).run()
    _no_errors(at)
    if view != "departments":
        at.radio(key="ws_view").set_value(view).run()
        _no_errors(at)
    return at


def _no_errors(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _settings(url):
    return {"department": _rows(url, "select code, name_zh, name_en, position, active from public.department order by id"),
            "event_routing": _rows(url, "select * from public.event_routing order by category_id, position"),
            "event_deadline": _rows(url, "select * from public.event_deadline order by urgency, step"),
            "work_calendar": _rows(url, "select * from public.work_calendar order by day")}


def test_the_system_administrator_opens_the_four_views_one_at_a_time(app_as, fresh_db):
    at = _open(app_as)
    assert at.title[0].value == "吹哨设置"
    assert not at.tabs
    assert at.radio(key="ws_view").options == ["职能部门", "派单规则", "办理时限", "工作日历"]
    shown = at.dataframe[0].value
    assert len(at.dataframe) == 1
    departments = _rows(fresh_db, "select id from public.department d"   # a 包联 unit's own is kept with the unit
                                  " where not exists (select from public.baolian_unit b where b.department_id = d.id)")
    assert len(shown) == len(departments) and "区城管执法局" in set(shown["中文名"])
    at.radio(key="ws_view").set_value("routing").run()
    assert len(at.dataframe) == 1
    assert len(at.dataframe[0].value) == len(_rows(fresh_db, "select id from public.category"))
    at.radio(key="ws_view").set_value("deadlines").run()
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 10


def test_only_the_system_administrator_has_the_page(app_as):
    assert "whistle_settings" in [p.key for p in pages_for("district", "system")]
    assert "whistle_settings" not in [p.key for p in pages_for("district")]
    for role in ("district", "street", "community", "grid", "department"):
        assert "whistle_settings" not in [p.key for p in pages_for(role)]
        at = app_as(role)
        try:
            at.switch_page(PAGE).run()
        except Exception:
            continue   # navigation refuses a page the role does not have
        assert not at.exception
        assert not at.dataframe and not at.text_input and not at.multiselect and not at.number_input   # no settings, no forms
        if any(t.value == "吹哨设置" for t in at.title):
            assert at.error[0].value.startswith("您无权")


def test_adding_a_department(app_as, fresh_db):
    at = _open(app_as)
    at.text_input(key="ws_code").input("JiaoTong")
    at.text_input(key="ws_name_zh").input(" 区交通运输局 ")
    at.text_input(key="ws_name_en").input("Transport Bureau")
    at.button(key=ADD_DEPARTMENT).click().run()
    _no_errors(at)
    assert at.success[0].value == "已新增职能部门「区交通运输局」"
    row = _rows(fresh_db, "select code, name_zh, name_en, active, position from public.department order by id desc limit 1")[0]
    assert row == {"code": "jiaotong", "name_zh": "区交通运输局", "name_en": "Transport Bureau",
                   "active": True, "position": _rows(fresh_db, "select max(position) as p from public.department")[0]["p"]}
    assert at.text_input(key="ws_code").value == ""   # the form is ready for the next one
    assert "区交通运输局" in set(at.dataframe[0].value["中文名"])


def test_a_bad_department_is_refused_with_every_problem(app_as, fresh_db):
    before = _settings(fresh_db)
    at = _open(app_as)
    at.text_input(key="ws_code").input("城管 2")
    at.text_input(key="ws_name_zh").input("   ")
    at.button(key=ADD_DEPARTMENT).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["编码：编码只能由小写字母、数字和下划线组成，最多 32 位",
                                           "中文名：必填", "英文名：必填"]
    at.text_input(key="ws_code").input("chengguan")
    at.text_input(key="ws_name_zh").input("区城管执法局")
    at.text_input(key="ws_name_en").input("=HYPERLINK(1)")
    at.button(key=ADD_DEPARTMENT).click().run()
    assert [e.value for e in at.error] == ["编码：这个编码已被其他部门使用", "英文名：不能以 = + - @ 开头（疑似公式）",
                                           "中文名：已有同名的部门"]
    assert _settings(fresh_db) == before


def test_routing_a_category_to_departments_in_order(app_as, fresh_db):
    ids = {r["code"]: r["id"] for r in _rows(fresh_db, "select id, code from public.department")}
    category = _rows(fresh_db, "select id from public.category where code = 'environment'")[0]["id"]
    at = _open(app_as, "routing")
    at.selectbox(key="ws_route_category").set_value(category).run()
    assert at.multiselect(key=f"ws_route_{category}").value[0] == ids["chengguan"]   # the current routing
    at.multiselect(key=f"ws_route_{category}").set_value([ids["shuiwu"], ids["chengguan"]])
    at.button(key=SAVE_ROUTING).click().run()
    _no_errors(at)
    assert at.success[0].value.startswith("已保存「")
    saved = _rows(fresh_db, "select department_id, position from public.event_routing where category_id = %s"
                            " order by position", category)
    assert [(r["department_id"], r["position"]) for r in saved] == [(ids["shuiwu"], 0), (ids["chengguan"], 1)]
    grid = identity_of(DEMO_EMAILS["grid"])
    assert queries.suggested_departments(grid, category) == [ids["shuiwu"], ids["chengguan"]]   # the whistle form follows
    at.multiselect(key=f"ws_route_{category}").set_value([])
    at.button(key=SAVE_ROUTING).click().run()
    _no_errors(at)
    assert _rows(fresh_db, "select * from public.event_routing where category_id = %s", category) == []


def test_routing_to_an_inactive_or_unknown_department_changes_nothing(fresh_db):
    district = identity_of(ADMIN_EMAILS["system"])
    category = _rows(fresh_db, "select id from public.category where code = 'environment'")[0]["id"]
    before = _settings(fresh_db)
    with pytest.raises(commands.FormInvalid) as refused:
        commands.set_routing(district, category, [999_999])
    assert refused.value.key == "whistle.unknown_department"
    with pytest.raises(commands.FormInvalid):
        commands.set_routing(district, 999_999, [])
    assert _settings(fresh_db) == before


def test_changing_a_time_limit(app_as, fresh_db):
    at = _open(app_as, "deadlines")
    at.selectbox(key="ws_deadline_urgency").set_value("urgent")
    at.selectbox(key="ws_deadline_step").set_value("report").run()
    assert at.number_input(key="ws_hours_urgent_report").value == 2.0
    at.number_input(key="ws_hours_urgent_report").set_value(3.5)
    at.radio(key="ws_basis_urgent_report").set_value(True)
    at.button(key=SAVE_DEADLINE).click().run()
    _no_errors(at)
    assert at.success[0].value == "已保存：紧急事件「报到」时限 3.5 小时，工作时间（节假日不计）"
    row = _rows(fresh_db, "select hours, working_time from public.event_deadline where urgency = 'urgent' and step = 'report'")[0]
    assert float(row["hours"]) == 3.5 and row["working_time"] is True
    other = _rows(fresh_db, "select hours from public.event_deadline where urgency = 'normal' and step = 'report'")[0]
    assert float(other["hours"]) == 24


@pytest.mark.parametrize("hours, message", [(0.0, "时限（小时）：时限必须大于 0 小时"),
                                            (-4.0, "时限（小时）：时限必须大于 0 小时"),
                                            (100_000.0, "时限（小时）：时限不能超过 8760 小时（一年）")])
def test_an_absurd_time_limit_is_refused(app_as, fresh_db, hours, message):
    before = _settings(fresh_db)
    at = _open(app_as, "deadlines")
    at.selectbox(key="ws_deadline_step").set_value("implement").run()
    at.number_input(key="ws_hours_normal_implement").set_value(hours)
    at.button(key=SAVE_DEADLINE).click().run()
    assert not at.exception and [e.value for e in at.error] == [message]
    assert not at.success
    assert _settings(fresh_db) == before


def test_the_work_calendar_add_refuse_again_change_and_remove(app_as, fresh_db):
    day = dt.date(2026, 10, 1)
    at = _open(app_as, "calendar")
    at.number_input(key="ws_year").set_value(2026).run()
    assert at.info[0].value == "2026 年尚未登记节假日或调休"
    at.date_input(key="ws_new_day").set_value(day)
    at.radio(key="ws_new_working").set_value(False)
    at.text_input(key="ws_new_note").input("国庆节")
    at.button(key=ADD_DAY).click().run()
    _no_errors(at)
    assert at.success[0].value == "已将 2026-10-01 设为节假日（休息）"
    assert _rows(fresh_db, "select day, working, note from public.work_calendar") == [
        {"day": day, "working": False, "note": "国庆节"}]
    assert list(at.dataframe[0].value["日期"]) == ["2026-10-01"]

    at.date_input(key="ws_new_day").set_value(day)           # the same day again: refused, nothing changes
    at.radio(key="ws_new_working").set_value(True)
    at.text_input(key="ws_new_note").input("调休")
    at.button(key=ADD_DAY).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["2026-10-01 已经登记过，请在下方“修改已登记的日期”中更改"]
    assert _rows(fresh_db, "select working, note from public.work_calendar") == [{"working": False, "note": "国庆节"}]

    at.text_input(key="ws_new_note").input("=cmd")            # a formula as the note
    at.date_input(key="ws_new_day").set_value(dt.date(2026, 10, 11))
    at.button(key=ADD_DAY).click().run()
    assert [e.value for e in at.error] == ["说明：不能以 = + - @ 开头（疑似公式）"]
    assert len(_rows(fresh_db, "select day from public.work_calendar")) == 1

    at.selectbox(key="ws_change_day").set_value(day).run()
    at.radio(key=f"ws_working_{day}").set_value(True)
    at.text_input(key=f"ws_note_{day}").input("国庆调休上班")
    at.button(key=CHANGE_DAY).click().run()
    _no_errors(at)
    assert at.success[0].value == "已将 2026-10-01 设为调休上班"
    assert _rows(fresh_db, "select working, note from public.work_calendar") == [{"working": True, "note": "国庆调休上班"}]

    at.button(key=REMOVE_DAY).click().run()
    _no_errors(at)
    assert at.success[0].value == "2026-10-01 已恢复按周一至周五计算"
    assert _rows(fresh_db, "select day from public.work_calendar") == []


def test_the_page_speaks_english_on_the_switch(app_as):
    at = app_as("system")
    at.session_state["lang"] = "en"
    at.switch_page(PAGE).run()
    _no_errors(at)
    assert at.title[0].value == "Whistle settings"
    assert at.radio(key="ws_view").options == ["Departments", "Routing", "Time limits", "Work calendar"]
    at.text_input(key="ws_code").input("bad code")
    at.button(key="FormSubmitter:ws_add_department-Add a department").click().run()
    messages = [e.value for e in at.error]
    assert any(m.startswith("Code") and m.endswith("A code has only lower-case letters, digits and _, up to 32")
               for m in messages), messages


def test_street_staff_calling_the_commands_are_refused(fresh_db):
    street = identity_of(DEMO_EMAILS["street"])
    category = _rows(fresh_db, "select id from public.category where code = 'environment'")[0]["id"]
    unrouted = _rows(fresh_db, "select id from public.category c where not exists"
                               " (select from public.event_routing r where r.category_id = c.id) limit 1")
    department = _rows(fresh_db, "select id from public.department where code = 'gongan'")[0]["id"]
    before = _settings(fresh_db)
    attempts = [lambda: commands.add_department(street, "jiaotong", "区交通运输局", "Transport Bureau"),
                lambda: commands.set_routing(street, category, [department]),
                lambda: commands.set_routing(street, category, []),
                lambda: commands.set_deadline(street, "urgent", "report", 12, True),
                lambda: commands.set_deadline(street, "normal", "evaluate", 1, False),
                lambda: commands.add_calendar_day(street, dt.date(2026, 12, 31), False, "元旦前"),
                lambda: commands.set_calendar_day(street, dt.date(2027, 1, 1), False, "元旦")]
    if unrouted:
        attempts.append(lambda: commands.set_routing(street, unrouted[0]["id"], [department]))
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.key == "error.forbidden"
    assert _settings(fresh_db) == before
    district = identity_of(ADMIN_EMAILS["system"])
    commands.set_calendar_day(district, dt.date(2027, 1, 1), False, "元旦")
    with pytest.raises(DomainError) as refused:
        commands.remove_calendar_day(street, dt.date(2027, 1, 1))
    assert refused.value.key == "error.forbidden"
    assert len(_rows(fresh_db, "select day from public.work_calendar")) == 1


EDIT_DEPARTMENT = "FormSubmitter:ws_edit_department-保存修改"


def test_renaming_and_retiring_a_department(app_as, fresh_db):
    dept = _rows(fresh_db, "select id from public.department where code = 'chengguan'")[0]["id"]
    routed = len(_rows(fresh_db, "select 1 from public.event_routing where department_id = %s", dept))
    assert routed > 0, "the demo routes categories to 城管"
    at = _open(app_as)
    at.selectbox(key="ws_edit_id").select(dept).run()
    at.text_input(key=f"ws_edit_name_zh_{dept}").input("区城市管理局")
    at.button(key=EDIT_DEPARTMENT).click().run()
    _no_errors(at)
    assert at.success[0].value == "已保存职能部门「区城市管理局」"
    assert _rows(fresh_db, "select name_zh, active from public.department where id = %s", dept)[0] == \
        {"name_zh": "区城市管理局", "active": True}

    at.checkbox(key=f"ws_edit_active_{dept}").uncheck()
    at.button(key=EDIT_DEPARTMENT).click().run()
    _no_errors(at)
    assert at.success[0].value == f"已停用职能部门「区城市管理局」，并从 {routed} 个类别的派单规则中移除"
    assert _rows(fresh_db, "select active from public.department where id = %s", dept)[0]["active"] is False
    assert _rows(fresh_db, "select 1 from public.event_routing where department_id = %s", dept) == []
    grid = identity_of(DEMO_EMAILS["grid"])
    assert dept not in {d["id"] for d in queries.departments(grid)}, "no longer offered for a whistle"
    assert _rows(fresh_db, "select count(*) as n from public.event where %s = any(departments)", dept)[0]["n"] > 0, \
        "its events stay"


def test_a_bad_department_change_is_refused_and_changes_nothing(app_as, fresh_db):
    ids = {r["code"]: r["id"] for r in _rows(fresh_db, "select id, code from public.department")}
    before = _settings(fresh_db)
    at = _open(app_as)
    gongan = ids["gongan"]
    at.selectbox(key="ws_edit_id").select(gongan).run()
    at.text_input(key=f"ws_edit_name_zh_{gongan}").input("区城管执法局")
    at.text_input(key=f"ws_edit_name_en_{gongan}").input(" ")
    at.button(key=EDIT_DEPARTMENT).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["英文名：必填", "中文名：已有同名的部门"]
    assert _settings(fresh_db) == before
    for role in ("street", "grid", "department"):
        with pytest.raises(DomainError) as refused:
            commands.change_department(identity_of(DEMO_EMAILS[role]), gongan, "公安", "Police", False)
        assert refused.value.key == "error.forbidden"
    assert _settings(fresh_db) == before

"""The whole whistle-and-report flow through the real pages, across two signed-in roles: the grid
whistles, the department (城管) reports, consults, implements and answers, the grid evaluates."""
import io

import openpyxl
from gongzhi.db import owner
from tests.pages.conftest import identity_of
from tests.conftest import DEMO_EMAILS


def _db(sql, *params):
    with owner() as conn:
        return conn.execute(sql, params).fetchall()


def _no_errors(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_grid_whistles_department_handles_grid_closes(app_as):
    environment = _db("select id from public.category where code = 'environment'")[0]["id"]
    chengguan = _db("select id from public.department where code = 'chengguan'")[0]["id"]
    at = app_as("grid", "pages/whistle.py").run()
    _no_errors(at)
    at.selectbox(key="wh_category").set_value(environment).run()
    assert at.multiselect(key=f"wh_departments_{environment}").value[0] == chengguan  # routing suggests 城管 first
    at.multiselect(key=f"wh_departments_{environment}").set_value([chengguan])
    at.text_input(key="wh_title").input("违章搭建占用消防通道")
    at.text_input(key="wh_address").input("丽水社区8号楼北侧")
    at.radio(key="wh_urgency").set_value("urgent")
    at.button(key="wh_submit").click().run()
    _no_errors(at)
    event_id = _db("select max(id) as id from public.event")[0]["id"]
    assert at.success[0].value == f"已吹哨，事件编号 #{event_id}"

    dept = app_as("department", "pages/events.py").run()
    _no_errors(dept)
    dept.selectbox(key="ev_selected").set_value(event_id).run()
    dept.text_input(key="ev_report_note").input("已收到，马上到场")
    dept.button(key="ev_report").click().run()
    _no_errors(dept)
    assert _db("select step from public.event where id = %s", event_id)[0]["step"] == "report"
    dept.text_input(key="ev_attendees").input("网格员刘洋、城管执法队")
    dept.text_area(key="ev_decision").input("三日内拆除违建")
    dept.button(key="ev_consult").click().run()
    dept.text_area(key="ev_implement_note").input("违建已拆除，通道恢复畅通")
    dept.button(key="ev_implement").click().run()
    dept.text_area(key="ev_feedback_note").input("已电话告知反映人")
    dept.button(key="ev_feedback").click().run()
    _no_errors(dept)
    assert _db("select step from public.event where id = %s", event_id)[0]["step"] == "feedback"

    grid = app_as("grid", "pages/events.py").run()
    grid.selectbox(key="ev_selected").set_value(event_id).run()
    grid.radio(key="ev_score").set_value(4)
    grid.button(key="ev_evaluate").click().run()
    _no_errors(grid)
    row = _db("select step, satisfaction, closed_at from public.event where id = %s", event_id)[0]
    assert row["step"] == "evaluate" and row["satisfaction"] == 4 and row["closed_at"]
    kinds = [r["kind"] for r in _db("select kind from public.event_timeline where event_id = %s order by at, id", event_id)]
    assert kinds == ["whistle", "report", "step", "consult", "step", "implement", "feedback", "evaluate"]


def test_a_whistle_without_title_shows_every_problem_and_writes_nothing(app_as):
    before = _db("select count(*) as n from public.event")[0]["n"]
    at = app_as("grid", "pages/whistle.py").run()
    at.button(key="wh_submit").click().run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert "标题：必填" in messages and "地址：必填" in messages
    assert _db("select count(*) as n from public.event")[0]["n"] == before


def test_a_department_lists_only_its_events_and_cannot_whistle(app_as):
    at = app_as("department", "pages/events.py").run()
    _no_errors(at)
    user = identity_of(DEMO_EMAILS["department"])
    shown = set(at.selectbox(key="ev_selected").options)
    mine = {str(r["id"]) for r in _db(
        "select e.id from public.event e join public.staff s on s.user_id = %s"
        " where e.departments @> array[s.department_id] and e.closed_at is null", user.user_id)}
    assert shown and {o.split(" ")[0].lstrip("#") for o in shown} <= mine
    from gongzhi.auth.pages import ROLE_PAGES
    assert "whistle" not in ROLE_PAGES["department"] and "supervision" not in ROLE_PAGES["department"]


def test_supervision_board_ranking_and_weekly_export_for_leaders(app_as):
    from gongzhi.whistle import queries, report
    for role in ("district", "street"):
        at = app_as(role, "pages/supervision.py").run()
        _no_errors(at)
        red = next(m.value for m in at.metric if m.label == "■ 红灯")
        assert int(red) >= 1
    user = identity_of(DEMO_EMAILS["street"])
    weekly = queries.weekly(user, queries.week_start(__import__("datetime").date.today()))
    book = openpyxl.load_workbook(io.BytesIO(report.weekly_xlsx(weekly)))
    assert book.sheetnames == ["分部门", "分网格", "网格巡访", "民情意见箱"]   # the grid workers' rounds and the suggestion box of the week
    assert [c.value for c in book["分部门"][2]][:3] == ["名称", "吹哨数", "按时报到"]

"""The 平战结合 page under AppTest with the real app.py and the demo district (one ended emergency of
长江路街道): every view renders for each role that has the page; the street declares an emergency,
adds shifts, calls people up and ends it; a community cannot declare; bad input is refused in Chinese."""
import pytest

from gongzhi import db
from gongzhi.auth.pages import PAGES, ROLE_PAGES

PATH = PAGES["emergency"].path
ROLES = [role for role, keys in ROLE_PAGES.items() if "emergency" in keys]


@pytest.mark.parametrize("role", ROLES)
def test_the_page_and_its_views_render_for_each_role(app_as, role):
    at = app_as(role, PATH).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "平战结合"
    assert "长江路街道疫情防控应急响应" in at.selectbox(key="em_which").options[0]
    for view in ("board", "roster", "record"):
        at.radio(key="em_view").set_value(view).run()
        assert not at.exception, (view, at.exception)
    assert at.metric and "已结束" in at.selectbox(key="em_which").options[0]


def test_the_record_shows_the_hours_of_the_ended_emergency(app_as):
    at = app_as("street", PATH).run()
    at.radio(key="em_view").set_value("record").run()
    hours = next(m for m in at.metric if m.label == "服务时长")
    assert float(hours.value) > 0


def test_a_community_sees_no_declare_form_and_no_end_button(app_as):
    at = app_as("community", PATH).run()
    assert not [b for b in at.button if b.key == "em_end"]
    assert "em_name" not in [w.key for w in at.text_input]


def test_the_district_sees_its_own_emergencies_only_and_the_street_cannot_end_them(app_as):
    district = app_as("district", PATH).run()
    assert not district.exception, district.exception
    assert all("区级宣布" in option for option in district.selectbox(key="em_which").options)
    district.text_input(key="em_name").input("区防汛指挥部应急响应")
    district.selectbox(key="em_kind").set_value("flood")
    district.button(key="FormSubmitter:em_declare_form-宣布进入应急状态").click().run()
    assert any("已宣布进入应急状态" in s.value for s in district.success)
    with db.owner() as conn:
        emergency = conn.execute("select id from public.emergency where name = '区防汛指挥部应急响应'").fetchone()["id"]
    district.selectbox(key="em_which").set_value(emergency).run()
    assert [b for b in district.button if b.key == "em_end"]
    street = app_as("street", PATH).run()
    street.selectbox(key="em_which").set_value(emergency).run()
    assert not street.exception, street.exception
    assert not [b for b in street.button if b.key == "em_end"]


def test_the_street_declares_plans_calls_up_and_ends(app_as):
    at = app_as("street", PATH).run()
    at.text_input(key="em_name").input("长江路街道防汛应急")
    at.selectbox(key="em_kind").set_value("flood")
    at.button(key="FormSubmitter:em_declare_form-宣布进入应急状态").click().run()
    assert not at.exception, at.exception
    assert any("已宣布进入应急状态" in s.value for s in at.success)
    with db.owner() as conn:
        emergency = conn.execute("select id from public.emergency where name = '长江路街道防汛应急'").fetchone()["id"]
    at.selectbox(key="em_which").set_value(emergency).run()
    at.radio(key="em_view").set_value("plan").run()
    with db.owner() as conn:
        watch = conn.execute("select id from public.emergency_task where emergency_id = %s and name = '值守'",
                             (emergency,)).fetchone()["id"]
        grids = [r["id"] for r in conn.execute(
            "select g.id from public.org_unit g join public.org_unit s on s.id = g.street_id"
            " where s.name = '长江路街道' and g.kind = 'grid' order by g.terr limit 3")]
    at.selectbox(key="em_task").set_value(watch)
    at.multiselect(key="em_places").set_value(grids)
    at.button(key="FormSubmitter:em_shift_form-新增班次").click().run()
    assert not at.exception, at.exception
    assert any("已新增 3 个班次" in s.value for s in at.success)
    at.button(key="em_callup").click().run()
    assert any("已调度" in s.value for s in at.success)
    with db.owner() as conn:
        called = conn.execute("select count(*) as n from public.callup where emergency_id = %s", (emergency,)).fetchone()["n"]
    assert called > 0
    at.radio(key="em_view").set_value("roster").run()
    at.button(key="em_check").click().run()          # tomorrow's shift: too early to check in
    assert any("班次开始前一小时内才能签到" in e.value for e in at.error)
    at.button(key="em_end").click().run()
    assert any("应急状态已结束" in s.value for s in at.success)
    with db.owner() as conn:
        row = conn.execute("select status, (select count(*) from public.callup where emergency_id = e.id) as kept"
                           " from public.emergency e where id = %s", (emergency,)).fetchone()
    assert row == {"status": "ended", "kept": called}


def test_bad_input_is_refused_in_chinese_and_writes_nothing(app_as):
    at = app_as("street", PATH).run()
    at.text_input(key="em_name").input("   ")
    at.button(key="FormSubmitter:em_declare_form-宣布进入应急状态").click().run()
    assert any("请填写名称" in e.value for e in at.error)
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.emergency").fetchone()["n"] == 1

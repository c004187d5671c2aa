"""今日走访 under the real app.py: the grid worker lands on it after signing in, sees who is due
with lights, logs a patrol whose finding goes up as a demand, adds a person (a bad ID number is
refused in Chinese, nothing written), and each view is one transaction."""
import psycopg
from psycopg.rows import dict_row

from gongzhi import db, i18n
from tests.conftest import unit_id

PAGE = "pages/field_today.py"


def _views(at, view):
    at.segmented_control(key="field_view").set_value(view).run()
    assert not at.exception
    return at


def test_the_grid_worker_lands_on_the_day_page_and_others_on_home(app_as):
    at = app_as("grid").run()
    assert not at.exception and at.title[0].value == i18n.t("page.field_today")
    assert _a_due_person(at) > 0
    assert any(i18n.t("whistle.light.red") in m.value for m in at.markdown)
    home = app_as("community").run()
    assert home.title[0].value.startswith(i18n.t("home.welcome", name="")[:2])


def _a_due_person(at) -> int:
    # the due list draws one container and one button per person: visit_<id>
    buttons = [b.key for b in at.button if (b.key or "").startswith("visit_")]
    assert buttons, "the demo grid has people due"
    return int(buttons[0].removeprefix("visit_"))


def test_a_patrol_with_a_finding_reported_as_a_demand(app_as, fresh_db):
    at = app_as("grid").run()
    _views(at, "log")
    at.radio(key="field_kind").set_value("patrol").run()
    at.text_input(key="field_place").input("3号楼楼道")
    at.text_input(key="field_met").input("保安老周")
    at.text_input(key="field_finding_0").input("楼道堆放纸箱")
    at.text_input(key="field_finding_1").input("消防通道被私家车占用（页面测试）")
    at.radio(key="field_outcome_1").set_value("demand")
    at.button(key="FormSubmitter:field_round_form-" + i18n.t("fieldwork.log")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        row = c.execute("""select f.outcome, d.title, d.grid_id from public.finding f
                           join public.demand d on d.id = f.demand_id
                           where f.what = '消防通道被私家车占用（页面测试）'""").fetchone()
        assert row["outcome"] == "demand" and row["grid_id"] == unit_id(c, "丽水社区第一网格")
    _views(at, "rounds")
    assert any("3号楼楼道" in m.value for m in at.markdown)


def test_a_bad_id_number_is_refused_in_chinese_and_nothing_is_written(app_as, fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        before = c.execute("select count(*) as n from public.care_person").fetchone()["n"]
    at = app_as("grid").run()
    _views(at, "ledger")
    at.text_input(key="person_name").input("赵桂兰")
    at.text_input(key="person_id_number").input("110105194912310021")
    at.button(key="FormSubmitter:field_person_form-" + i18n.t("fieldwork.add")).click().run()
    assert not at.exception
    assert any(i18n.t("fieldwork.error.id_checksum") in e.value for e in at.error)
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        assert c.execute("select count(*) as n from public.care_person").fetchone()["n"] == before
    # a valid one is added, and the ledger shows its ID number masked
    at.text_input(key="person_id_number").input("11010519491231002X")
    at.button(key="FormSubmitter:field_person_form-" + i18n.t("fieldwork.add")).click().run()
    assert at.success and not at.error
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        assert c.execute("select count(*) as n from public.care_person").fetchone()["n"] == before + 1


def test_each_view_is_one_transaction(app_as):
    at = app_as("grid").run()
    for view in ("due", "log", "rounds", "ledger", "summary"):
        _views(at, view)
        before = db.checkouts()
        at.run()
        assert not at.exception
        assert db.checkouts() - before == 1, view


def test_leaders_see_the_summary_rolled_up(app_as):
    at = app_as("street", PAGE).run()
    _views(at, "summary")
    at.radio(key="field_level").set_value("community").run()
    assert not at.exception and at.dataframe

"""The matching page under AppTest of the real app.py: suggestions shown, one-click assign, a batch
previewed and committed, the lifecycle moved on, and the lists following in the database."""
import psycopg

from gongzhi.matching import queries
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of

PAGE = "pages/matching.py"


def _count(url, sql, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_suggestions_are_shown_with_reasons_and_assign_in_one_click(app_as, fresh_db):
    user = identity_of(DEMO_EMAILS["community"])
    at = app_as("community", PAGE).run()
    assert not at.exception
    assert at.title[0].value == "资源对接"
    demand_id = at.selectbox(key="one_demand").value
    suggestions = queries.suggest(user, demand_id)
    assert suggestions, "the demo district has a candidate for the newest open demand"
    assert any("类别相符（+30）" in c.value for c in at.caption)
    first = suggestions[0]
    at.button(key=f"assign_{first['resource_id']}").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("已对接")
    assert _count(fresh_db, "select count(*) from public.match where demand_id = %s and resource_id = %s"
                  " and status = 'proposed'", demand_id, first["resource_id"]) == 1
    assert _count(fresh_db, "select private.demand_status(id, status) from public.demand where id = %s", demand_id) in ("matched",)


def test_preview_and_commit_a_batch(app_as, fresh_db):
    at = app_as("street", PAGE).run()
    at.radio(key="matching_view").set_value("batch").run()
    at.button(key="batch_preview").click().run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert int(labels["可对接需求"].replace(",", "")) > 0
    assert any(c.value.startswith("最优 / 贪心") for c in at.caption)
    before = _count(fresh_db, "select count(*) from public.match where status = 'proposed'")
    at.button(key="batch_commit").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("已提交")
    made = _count(fresh_db, "select count(*) from public.match where status = 'proposed'") - before
    assert made > 0
    assert f"已提交 {made} 条对接" in at.success[0].value


def test_provider_accepts_then_a_project_is_made_in_one_step(app_as, fresh_db):
    at = app_as("grid", PAGE).run()
    demand_id = at.selectbox(key="one_demand").value
    resource_id = queries.suggest(identity_of(DEMO_EMAILS["grid"]), demand_id)[0]["resource_id"]
    at.button(key=f"assign_{resource_id}").click().run()
    match_id = _count(fresh_db, "select id from public.match where demand_id = %s and status = 'proposed'", demand_id)
    at.radio(key="matching_view").set_value("matches").run()
    at.selectbox(key="match_status").set_value("proposed").run()
    at.selectbox(key="match_choice").set_value(match_id).run()
    at.button(key="match_accept").click().run()
    assert not at.exception
    provider_terr, grid_terr = (_count(fresh_db, "select resource_terr from public.match where id = %s", match_id),
                                _count(fresh_db, "select terr from public.match where id = %s", match_id))
    expected = "accepted" if provider_terr == grid_terr else "proposed"
    assert _count(fresh_db, "select status from public.match where id = %s", match_id) == expected
    if expected == "proposed":
        assert "资源提供方" in at.error[0].value
    at.selectbox(key="match_status").set_value(None).run()
    at.multiselect(key="project_matches").select(match_id)
    at.text_input(key="project_name").input("丽水社区助老共建项目")
    at.button(key="project_make").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("已生成项目")
    project = _count(fresh_db, "select project_id from public.project_demand where demand_id = %s", demand_id)
    assert _count(fresh_db, "select name from public.project where id = %s", project) == "丽水社区助老共建项目"


def test_the_page_is_english_on_the_switch_and_hidden_from_departments(app_as):
    at = app_as("grid", PAGE)
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Matching resources to demands"
    from gongzhi.auth.pages import pages_for
    assert "matching" not in [p.key for p in pages_for("department")]


def test_the_open_demands_page_on_with_next_and_back_to_the_first(app_as):
    """The one-demand view pages through open demands (the street has more than a page of them)."""
    at = app_as("street", PAGE).run()
    first = list(at.selectbox(key="one_demand").options)
    assert at.button(key="one_page_prev").disabled and not at.button(key="one_page_next").disabled
    at.button(key="one_page_next").click().run()
    assert not at.exception
    second = list(at.selectbox(key="one_demand").options)
    assert second and not set(first) & set(second)
    assert any(m.value == "第 2 页" for m in at.markdown)
    at.button(key="one_page_prev").click().run()
    assert list(at.selectbox(key="one_demand").options) == first

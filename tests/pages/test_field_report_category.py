"""今日走访 reports a finding up under a demand's or event's category (public.category), not under a
care category (the people's 独居老人 …): the log's and the rounds' category choices are the event
categories, and a finding reported up from the page lands with the category chosen."""
import psycopg
from psycopg.rows import dict_row

from gongzhi import i18n


def _names(url, table: str) -> list[str]:
    return [r["name_zh"] for r in _rows(url, table)]


def _rows(url, table: str) -> list[dict]:
    order = "position, id" if table == "category" else "id"
    with psycopg.connect(url, row_factory=dict_row) as c:
        return c.execute(f"select id, name_zh from public.{table} order by {order}").fetchall()


def test_a_finding_goes_up_under_an_event_category(app_as, fresh_db):
    categories = _names(fresh_db, "category")
    assert set(categories) != set(_names(fresh_db, "care_category"))
    at = app_as("grid", "pages/field_today.py").run()
    at.segmented_control(key="field_view").set_value("log").run()
    assert at.selectbox(key="field_report_category").options == categories
    at.radio(key="field_kind").set_value("patrol").run()
    at.text_input(key="field_place").input("2号楼东侧（类别测试）")
    at.text_input(key="field_finding_0").input("井盖松动（类别测试）")
    at.button(key="FormSubmitter:field_round_form-" + i18n.t("fieldwork.log")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.segmented_control(key="field_view").set_value("rounds").run()
    assert at.selectbox(key="field_up_category").options == categories
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        finding = c.execute("select f.id from public.finding f join public.visit v on v.id = f.visit_id"
                            " where v.place = '2号楼东侧（类别测试）'").fetchone()["id"]
    chosen = _rows(fresh_db, "category")[-1]
    at.selectbox(key="field_up_category").set_value(chosen["id"]).run()
    at.button(key=f"up_e_{finding}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        row = c.execute("select c.name_zh from public.finding f join public.event e on e.id = f.event_id"
                        " join public.category c on c.id = e.category_id where f.id = %s", (finding,)).fetchone()
    assert row is not None and row["name_zh"] == chosen["name_zh"]

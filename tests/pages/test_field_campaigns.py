"""重点整治 under the real app.py: a street creates a campaign for target grids, refused in Chinese
when the form is wrong (nothing written), sees each grid's progress with its light and closes it;
the page is the street's and the district's, not a grid worker's. And on 今日走访 a round's photo
switch opens the gallery with its uploader."""
import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import i18n

PAGE = "pages/field_campaigns.py"
SUBMIT = "FormSubmitter:camp_form-" + i18n.t("campaigns.create")


def _count(url) -> int:
    with psycopg.connect(url, row_factory=dict_row) as c:
        return c.execute("select count(*) as n from public.campaign").fetchone()["n"]


def test_a_street_creates_follows_and_closes_a_campaign(app_as, fresh_db):
    at = app_as("street", PAGE).run()
    assert not at.exception and at.title[0].value == i18n.t("page.field_campaigns")
    at.segmented_control(key="camp_view").set_value("new").run()
    before = _count(fresh_db)
    at.text_area(key="camp_items").input("楼道杂物")
    at.button(key=SUBMIT).click().run()                   # no title: refused, in Chinese, nothing written
    assert not at.exception
    assert any(i18n.t("campaigns.field.name") in e.value for e in at.error)
    assert _count(fresh_db) == before
    at.text_input(key="camp_name").input("飞线充电专项整治（页面测试）")
    at.text_area(key="camp_items").input("电动车飞线充电\n楼道杂物堆积")
    with psycopg.connect(fresh_db) as c:
        grid = c.execute("select id from public.org_unit where name = '丽水社区第一网格'").fetchone()[0]
    at.multiselect(key="camp_grids").set_value([grid])
    at.button(key=SUBMIT).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success and _count(fresh_db) == before + 1
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        row = c.execute("select id, items, cardinality(grids) as n from public.campaign order by id desc limit 1"
                        ).fetchone()
    assert row["items"] == ["电动车飞线充电", "楼道杂物堆积"] and row["n"] == 1
    at.selectbox(key="camp_selected").set_value(row["id"]).run()
    assert not at.exception
    assert at.dataframe and len(at.dataframe[0].value) == 1
    at.button(key=f"camp_close_{row['id']}").click().run()
    assert not at.exception and any(i18n.t("campaigns.closed", result=row["id"]) in s.value for s in at.success)
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select closed_at is not null from public.campaign where id = %s", (row["id"],)).fetchone()[0]


def test_the_page_is_the_streets_and_the_districts_only(app_as):
    from gongzhi.auth.pages import ROLE_PAGES
    assert [r for r, pages in ROLE_PAGES.items() if "field_campaigns" in pages] == ["district", "street"]
    at = app_as("grid").run()
    with pytest.raises(Exception):
        at.switch_page(PAGE).run()


def test_a_rounds_photo_switch_opens_the_gallery(app_as, fresh_db):
    at = app_as("grid").run()
    at.segmented_control(key="field_view").set_value("rounds").run()
    toggles = [w for w in at.toggle if (w.key or "").startswith("round_photos_")]
    if not toggles:      # the demo's rounds lie in the past: log one today first
        at.segmented_control(key="field_view").set_value("log").run()
        at.radio(key="field_kind").set_value("patrol").run()
        at.text_input(key="field_place").input("3号楼车棚")
        at.button(key="FormSubmitter:field_round_form-" + i18n.t("fieldwork.log")).click().run()
        at.segmented_control(key="field_view").set_value("rounds").run()
        toggles = [w for w in at.toggle if (w.key or "").startswith("round_photos_")]
    visit = int(toggles[0].key.removeprefix("round_photos_"))
    toggles[0].set_value(True).run()
    assert not at.exception
    assert at.get("file_uploader") and at.button(key=f"FormSubmitter:photos_visit_{visit}_form-"
                                                 + i18n.t("photos.ui.upload"))

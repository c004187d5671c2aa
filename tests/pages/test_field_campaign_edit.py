"""重点整治 under the real app.py: a street opens an open campaign's edit form, is refused in Chinese
for a bad title (nothing written), saves new dates, target grids and rounds per grid; a closed
campaign offers no edit form."""
import datetime as dt

import psycopg
from psycopg.rows import dict_row

from gongzhi import i18n

PAGE = "pages/field_campaigns.py"


def _campaign(url) -> dict:
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as c:
        street, grid = (c.execute("select id from public.org_unit where name = %s", (n,)).fetchone()["id"]
                        for n in ("长江路街道", "丽水社区第一网格"))
        return c.execute("""insert into public.campaign (org_unit_id, name, items, starts_on, ends_on, grids, rounds_per_grid)
                            values (%s, '楼道杂物清理（编辑测试）', array['楼道杂物'], current_date, current_date + 20,
                                    %s, 3) returning id, starts_on""", (street, [grid])).fetchone()


def _row(url, campaign: int) -> dict:
    with psycopg.connect(url, row_factory=dict_row) as c:
        return c.execute("select name, starts_on, ends_on, grids, rounds_per_grid from public.campaign where id = %s",
                         (campaign,)).fetchone()


def test_a_street_edits_an_open_campaign_and_not_a_closed_one(app_as, fresh_db):
    made = _campaign(fresh_db)
    campaign, prefix = made["id"], f"camp_edit_{made['id']}"
    submit = f"FormSubmitter:{prefix}_form-" + i18n.t("campaigns.save")
    at = app_as("street", PAGE).run()
    at.selectbox(key="camp_selected").set_value(campaign).run()
    at.toggle(key=f"camp_edit_open_{campaign}").set_value(True).run()
    assert not at.exception
    assert at.text_input(key=f"{prefix}_name").value == "楼道杂物清理（编辑测试）"
    before = _row(fresh_db, campaign)

    at.text_input(key=f"{prefix}_name").input("   ")
    at.button(key=submit).click().run()
    assert not at.exception
    assert any(i18n.t("campaigns.field.name") in e.value for e in at.error)
    assert _row(fresh_db, campaign) == before

    with psycopg.connect(fresh_db) as c:
        second = c.execute("select id from public.org_unit where name = '丽水社区第二网格'").fetchone()[0]
    ends = made["starts_on"] + dt.timedelta(days=9)
    at.text_input(key=f"{prefix}_name").input("楼道杂物清理（已调整）")
    at.date_input(key=f"{prefix}_ends").set_value(ends)
    at.multiselect(key=f"{prefix}_grids").select(second)
    at.number_input(key=f"{prefix}_rounds").set_value(5)
    at.button(key=submit).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(i18n.t("campaigns.edited", result=campaign) in s.value for s in at.success)
    after = _row(fresh_db, campaign)
    assert (after["name"], after["ends_on"], len(after["grids"]), after["rounds_per_grid"]) == (
        "楼道杂物清理（已调整）", ends, 2, 5)
    assert at.dataframe and len(at.dataframe[0].value) == 2

    at.button(key=f"camp_close_{campaign}").click().run()
    assert not at.exception
    assert not [w for w in at.toggle if w.key == f"camp_edit_open_{campaign}"]

"""The suggestion box in the reports: the monthly bulletin and the weekly feedback count the
messages received, replied in time and turned into cases, on screen and in their workbooks."""
import datetime as dt
import io

from openpyxl import load_workbook

from gongzhi.dashboard import bulletin
from gongzhi.suggest import commands, queries
from gongzhi.whistle import queries as whistle_queries
from gongzhi.whistle import report
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of


def test_the_bulletin_and_the_weekly_feedback_count_the_box(fresh_db):
    staff = identity_of(DEMO_EMAILS["community"])
    today = dt.date.today()
    community = queries.communities(staff)[0]
    new = commands.submit(community["code"], "repair", "need", "楼顶水箱漏水，楼下住户天花板渗水。", None, True, "198.51.100.20")
    commands.reply(staff, new.id, "已联系物业维修。")

    doc = bulletin.build(staff, None, today.year, today.month)
    assert doc.suggestions["received"] >= 1 and doc.suggestions["replied_in_time"] >= 1
    sheet = load_workbook(io.BytesIO(bulletin.to_xlsx(doc, "zh", with_charts=False))).worksheets[0]
    rows = {r[0].value: r[1].value for r in sheet.iter_rows() if r and r[0].value}
    assert rows["收到留言"] == doc.suggestions["received"] and rows["按时答复"] == doc.suggestions["replied_in_time"]

    week = whistle_queries.weekly(staff, whistle_queries.week_start(today))
    assert week["suggestions"]["received"] >= 1
    book = load_workbook(io.BytesIO(report.weekly_xlsx(week, "zh")))
    assert "民情意见箱" in book.sheetnames
    cells = [r[0].value for r in book["民情意见箱"].iter_rows()]
    assert "收到留言" in cells and "转为需求或事件" in cells

"""The 五议 page and the signed-out vote page under the real app.py: community staff move an item in
a callback, a refused stage form shows each field's problem and writes nothing, other levels read
only, and a resident votes once with a code."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.deliberation.demo import DEMO_CODES
from tests.pages.conftest import APP, TIMEOUT


def _item(title: str) -> dict:
    with db.owner() as conn:
        return conn.execute("select id, status from public.deliberation where title = %s", (title,)).fetchone()


def _open(app_as, role: str, title: str | None = None):
    at = app_as(role, "pages/deliberation.py").run()
    assert not at.exception
    if title is not None:
        at.selectbox(key="dl_chosen").set_value(_item(title)["id"]).run()
        assert not at.exception
    return at


@pytest.mark.parametrize("role", ["district", "street", "community", "grid"])
def test_the_page_lists_the_items_each_level_may_read(app_as, role):
    at = _open(app_as, role)
    titles = set(at.dataframe[0].value["议题"])
    assert "小区停车改造" in titles
    assert ("电动自行车集中充电棚" in titles) == (role == "district")      # 新华里社区 lies in another street
    assert ("健身步道改造" in titles) == (role in ("district", "street"))    # 江滩社区: another community


def test_community_staff_take_an_item_up_in_a_callback(app_as):
    at = _open(app_as, "community", "社区广场舞时间与音量公约")
    assert any("五议历程" in m.value for m in at.markdown)
    at.button(key="dl_take_up").click().run()
    assert not at.exception
    assert any("已进入下一阶段" in s.value for s in at.success)
    assert _item("社区广场舞时间与音量公约")["status"] == "accepted"


def test_a_meeting_without_minutes_is_refused_field_by_field_and_nothing_moves(app_as):
    at = _open(app_as, "community", "社区广场舞时间与音量公约")
    at.button(key="dl_take_up").click().run()
    at.text_area(key="dl_participants").input("居委会委员、临街住户代表 6 人")
    submit = next(b for b in at.button if b.label == "登记商议会")
    submit.click().run()
    assert not at.exception
    assert any("会议纪要：必填" in e.value for e in at.error)
    assert _item("社区广场舞时间与音量公约")["status"] == "accepted"
    at.text_area(key="dl_minutes").input("商定晚 7 点至 9 点活动，音量不超过 60 分贝")
    next(b for b in at.button if b.label == "登记商议会").click().run()
    assert _item("社区广场舞时间与音量公约")["status"] == "consulted"


def test_vote_codes_are_shown_once_after_issuing(app_as):
    at = _open(app_as, "community", "垃圾分类亭选址")
    at.number_input(key="dl_code_count").set_value(3)
    next(b for b in at.button if b.label == "生成表决码").click().run()
    assert not at.exception
    assert any("已生成 3 个表决码" in s.value for s in at.success)
    assert len(at.code[0].value.split("\n")) == 3
    at.run()
    assert not at.code


@pytest.mark.parametrize("role", ["street", "district", "grid"])
def test_other_levels_read_an_item_without_its_forms(app_as, role):
    at = _open(app_as, role, "小区停车改造")
    assert any("已列入项目清单" in s.value for s in at.success)
    assert not [b for b in at.button if b.key and b.key.startswith("dl_")]
    assert [r.value for r in at.radio if r.key == "dl_view"][0] == "list" and len(at.radio(key="dl_view").options) == 1


def _vote_page():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/vote.py").run()
    assert not at.exception and at.title[0].value == "居民表决"
    return at


def test_a_resident_votes_once_signed_out(fresh_db):
    at = _vote_page()
    at.text_input(key="vote_code").input(DEMO_CODES[1].lower())
    next(b for b in at.button if b.label == "查看公示").click().run()
    assert at.subheader[0].value == "3栋老旧住宅加装电梯"
    assert any("持社区发放的表决码投票" in i.value for i in at.info)
    at.radio(key="vote_choice").set_value("yes")
    next(b for b in at.button if b.label == "提交表决").click().run()
    assert not at.exception
    assert any("表决已记录" in s.value for s in at.success)
    with db.owner() as conn:
        assert conn.execute("select count(*) filter (where used) as n from public.deliberation_code c"
                            " join public.deliberation d on d.id = c.deliberation_id where d.title = %s",
                            ("3栋老旧住宅加装电梯",)).fetchone()["n"] == 12      # the demo's 11 and this one
    assert any("该表决码已完成表决" in s.value for s in at.success)
    at.text_input(key="vote_code").input(DEMO_CODES[1])     # looked up again: used, and nothing of the item
    next(b for b in at.button if b.label == "查看公示").click().run()
    assert any("该表决码已投过票" in e.value for e in at.error)
    assert not at.subheader and not [b for b in at.button if b.label == "提交表决"]


def test_a_wrong_code_is_told_in_chinese_and_shows_nothing(fresh_db):
    at = _vote_page()
    at.text_input(key="vote_code").input("ABCDEFGHJKLM")
    next(b for b in at.button if b.label == "查看公示").click().run()
    assert any("表决码无效" in e.value for e in at.error)
    assert not at.subheader

"""需求清单 with a keyword many demands contain: the caption shows the capped count ("120+ 条" here,
"1,000+ 条" in a real district) and the pager the capped number of pages."""
import pytest

from gongzhi.lists import queries

PAGE = "pages/demands.py"


@pytest.fixture
def cap(monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 120)
    return 120


def test_a_common_word_shows_the_cap_and_pages_on(app_as, cap):
    at = app_as("district", PAGE).run()
    at.text_input(key="demand_f_keyword").input("老人").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "120+ 条" in captions, captions
    assert any(m.value == "第 1 / 3+ 页" for m in at.markdown), [m.value for m in at.markdown]
    at.button(key="demand_page_next").click().run()
    at.button(key="demand_page_next").click().run()
    assert any(m.value == "第 3 / 4+ 页" for m in at.markdown), [m.value for m in at.markdown]
    assert len(at.dataframe[0].value) == 50


def test_in_english_the_cap_and_the_pager_read_in_english(app_as, cap):
    at = app_as("district", PAGE)
    at.session_state["lang"] = "en"
    at.run()
    at.text_input(key="demand_f_keyword").input("老人").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert "120+ rows" in captions, captions
    assert any(m.value == "Page 1 of 3+" for m in at.markdown), [m.value for m in at.markdown]
    at.multiselect(key="demand_f_urgency").set_value(["urgent"]).run()
    assert not at.exception, at.exception

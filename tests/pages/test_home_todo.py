"""The 待办 home of every role: each card's count is the total of the list its link opens (the demo
district), a crafted link changes nothing, and items due since the last visit are marked new."""
import datetime as dt
import re

import psycopg
import pytest

from gongzhi import i18n, todo
from gongzhi.auth.pages import PAGES, ROLE_PAGES
from tests.conftest import DEMO_EMAILS

HOME = "pages/home.py"   # the grid role lands on its day page (今日走访); home is one click away


def _home(app_as, role: str):
    """The home page of `role` inside app.py, as a click in the menu opens it."""
    at = app_as(role).run()
    return at.switch_page(HOME).run()

TOTAL = re.compile(r"^共 ([\d,]+) 条$")


def _label(key: str) -> str:
    return i18n.t(f"home.card.{key}")


def _cards(at) -> dict[str, int]:
    labels = {_label(c.key): c.key for c in todo.CARDS.values()}
    return {labels[m.label]: int(m.value.replace(",", "")) for m in at.metric if m.label in labels}


def _list_total(at) -> int:
    found = [int(TOTAL.match(c.value).group(1).replace(",", "")) for c in at.caption if TOTAL.match(c.value)]
    assert len(found) == 1, [c.value for c in at.caption]
    return found[0]


def test_every_card_opens_a_page_its_roles_have():
    for card in todo.CARDS.values():
        for role in card.roles:
            assert card.page in ROLE_PAGES[role], (card.key, role)


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_each_card_counts_what_its_list_shows(app_as, role):
    home = _home(app_as, role)
    assert not home.exception
    cards = _cards(home)
    assert set(cards) == {c.key for c in todo.cards_for(role)}
    assert sum(cards.values()) > 0, "the demo district gives every role some work"
    for key, count in cards.items():
        at = app_as(role, PAGES[todo.CARDS[key].page].path)
        at.query_params["todo"] = key
        at.run()
        assert not at.exception, key
        assert any(_label(key) in i.value for i in at.info), key      # the banner names the filter
        if key == "matches_to_accept":   # the match list shows its rows (fewer than a page here)
            rows = len(at.dataframe[0].value) if count else 0
            assert rows == count, key
        else:
            assert _list_total(at) == count, key


def test_following_a_card_drops_the_lists_own_filters(app_as):
    home = _home(app_as, "grid")
    count = _cards(home)["demands_to_close"]
    at = app_as("grid", "pages/demands.py").run()
    at.multiselect(key="demand_f_status").set_value(["done"]).run()
    assert _list_total(at) != count
    at.query_params["todo"] = "demands_to_close"
    at.run()
    assert at.multiselect(key="demand_f_status").value == []
    assert _list_total(at) == count


def test_a_crafted_link_gets_a_message_and_the_whole_list(app_as):
    plain = app_as("grid", "pages/demands.py").run()
    for bad in ("drop table", "lights_red", "events_to_evaluate"):   # unknown; another role's; another page's
        at = app_as("grid", "pages/demands.py")
        at.query_params["todo"] = bad
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == ["链接中的待办筛选无效，已显示全部记录。"]
        assert _list_total(at) == _list_total(plain)


def test_items_due_since_the_last_visit_are_marked_new(app_as, fresh_db):
    first = _home(app_as, "grid")
    assert not [m for m in first.markdown if "新 " in m.value], "nothing is new on the first visit"
    with psycopg.connect(fresh_db) as conn:   # a demand recorded in the grid after that visit
        conn.execute("""insert into public.demand (org_unit_id, category_id, title, created_at)
                        select s.org_unit_id, (select min(id) from public.category), '楼道灯不亮', now() + interval '1 second'
                        from public.staff s join auth.users u on u.id = s.user_id where u.email = %s""",
                     (DEMO_EMAILS["grid"],))
        seen = conn.execute("""select home_seen_at from public.user_setting x join auth.users u on u.id = x.user_id
                               where u.email = %s""", (DEMO_EMAILS["grid"],)).fetchone()[0]
    assert seen is not None
    again = _home(app_as, "grid")      # a new browser session: the next visit
    marks = [m.value for m in again.markdown if "新 " in m.value]
    assert marks == [":blue-badge[新 1]"]
    assert again.caption[0].value.startswith("标「新」的是您上次来访")

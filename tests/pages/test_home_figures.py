"""The home's 需求清单 figure (from public.demand_count_tally) is the total the demand list shows
unfiltered, for every role that has the list (the demo district: every total exact)."""
import re

import psycopg
import pytest

from gongzhi.auth.pages import PAGES, ROLE_PAGES
from tests.conftest import DEMO_EMAILS

HOME = "pages/home.py"
TOTAL = re.compile(r"^共 ([\d,]+) 条$")


def _figure(app_as, role: str) -> int:
    at = app_as(role).run().switch_page(HOME).run()
    assert not at.exception
    return int(next(m.value for m in at.metric if m.label == "需求清单").replace(",", ""))


def _list_total(app_as, role: str) -> int:
    at = app_as(role, PAGES["demands"].path).run()
    assert not at.exception
    found = [int(TOTAL.match(c.value).group(1).replace(",", "")) for c in at.caption if TOTAL.match(c.value)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("role", [r for r in DEMO_EMAILS if "demands" in ROLE_PAGES[r]])
def test_the_demand_figure_is_the_lists_total(app_as, fresh_db, role):
    before = _figure(app_as, role)
    assert before == _list_total(app_as, role) > 0
    with psycopg.connect(fresh_db) as conn:   # one demand more in the user's own unit
        conn.execute("""insert into public.demand (org_unit_id, category_id, title)
                        select s.org_unit_id, (select min(id) from public.category), '楼道灯不亮'
                        from public.staff s join auth.users u on u.id = s.user_id where u.email = %s""",
                     (DEMO_EMAILS[role],))
    assert _figure(app_as, role) == _list_total(app_as, role) == before + 1

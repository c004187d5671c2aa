"""月通报未签发 on the district's home and the list it opens (real app.py, real database): a street that
began five months ago and skipped two bulletins adds those two months to the card, and the list
names each bulletin with its month, as many rows as the card counts."""
import datetime as dt
import re

import psycopg

from gongzhi import i18n, todo

PAGE = "pages/bulletin.py"
CARD = "bulletin_unissued"
TOTAL = re.compile(r"^共 ([\d,]+) 条$")


def _card(app_as) -> int:
    home = app_as("district").run()
    return int(next(m.value for m in home.metric if m.label == i18n.t(f"home.card.{CARD}")))


def test_the_card_and_its_list_hold_every_ended_month_not_issued(app_as, fresh_db):
    assert _card(app_as) == 5
    last = todo.params(dt.datetime.now(dt.timezone.utc))["last_month"]
    began = (last.replace(day=1) - dt.timedelta(days=100)).replace(day=1)   # four months before last
    with psycopg.connect(fresh_db) as conn:
        conn.execute("update public.org_unit set created_at = %s where name = '长江路街道'", (began,))
    months = last.year * 12 + last.month - (began.year * 12 + began.month) + 1   # began … last month
    # The street's last month was counted already; of its other months the demo issued two.
    assert _card(app_as) == 5 + (months - 1) - 2
    at = app_as("district", PAGE)
    at.query_params["todo"] = CARD
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    total = [int(TOTAL.match(c.value).group(1)) for c in at.caption if TOTAL.match(c.value)]
    assert total == [len(table)] == [_card(app_as)]
    months = [m for m, unit in zip(table[i18n.t("bulletin.issue.month")], table[i18n.t("bulletin.issue.unit")])
              if unit == "长江路街道"]
    assert months[0] == f"{began.year}年{began.month}月" and months[-1] == f"{last.year}年{last.month}月"

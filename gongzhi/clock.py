"""Beijing time: the one time zone in which the portal shows times and counts days (the districts
all keep China Standard Time, UTC+8, without daylight saving), and the one way to say how fresh
figures are (数据截至)."""
from __future__ import annotations

import datetime as dt

from gongzhi import i18n

BEIJING = dt.timezone(dt.timedelta(hours=8))


def today() -> dt.date:
    """Today in Beijing: from midnight to 08:00 there it is already the day after the server's (UTC)."""
    return dt.datetime.now(BEIJING).date()


def as_of_text(at: dt.datetime, lang: str = i18n.DEFAULT, *, dated: bool = False) -> str:
    """数据截至 …（北京时间）: when the figures shown were true. To the second, with the date when `at`
    is not today or the text is read later (`dated`: a published page, a job's output)."""
    local = at.astimezone(BEIJING)
    same_day = not dated and local.date() == today()
    return i18n.t("app.as_of", lang, at=local.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S"))

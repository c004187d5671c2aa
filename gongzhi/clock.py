"""Beijing time: the one time zone in which the portal shows times and counts days (the districts
all keep China Standard Time, UTC+8, without daylight saving)."""
from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8))

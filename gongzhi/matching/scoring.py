"""How well a resource fits a demand: points per factor, computed in PostgreSQL, and the reasons.

The points are defined once, as SQL fragments — the resource's own (`RESOURCE_PARTS`) and the
pair's (`PAIR_PARTS`) — which suggestions, batch edges and the reasons stored with every match all
use; the 对接会 computes a resource's own points once per candidate, not once per edge. Reasons
are stored and returned as the parts (one jsonb object); `items` makes language-neutral items of
them (`{"k": "place_grid", "p": 25, ...}`) and `describe` turns those into plain Chinese (or
English).

Factors (100 points in all): category fits 30 (candidates always share the demand's category);
place — same grid 25, same community 18, same street 12, district-wide 6; capacity left 15 (full
when three times what is still wanted is left); available before the needed-by date 10; the
provider's past ratings 10 (5 while unrated); the provider's completed matches 10 (full at 10).
"""
from __future__ import annotations

from gongzhi import i18n, territory

CATEGORY_POINTS = 30
PLACE_POINTS = {"grid": 25, "community": 18, "street": 12, "district": 6}
CAPACITY_POINTS = 15
TIMING_POINTS = 10
RATING_POINTS = 10
UNRATED_POINTS = 5
EXPERIENCE_POINTS = 10
EXPERIENCE_FULL = 10
SCALE = 1000  # integer costs for the flow: points × SCALE

# Points are computed in whole tenths (integers): the same rounding as to one decimal, without
# decimal arithmetic, which cost a 对接会 most of its two million edges' time.
#
# The points of a resource r and its provider record p (nullable) alone, whatever the demand:
# where it sits, the provider's ratings and completed matches. r has terr; p has rated,
# rating_sum, done.
RESOURCE_PARTS = f"""
  {territory.sql_by_level('{r}.terr', {k: f"'{k}'" for k in territory.LEVELS})} as place,
  {territory.sql_by_level('{r}.terr', {k: str(PLACE_POINTS[k] * 10) for k in territory.LEVELS})} as place_pts,
  coalesce({{p}}.rated, 0) as rated,
  round({{p}}.rating_sum::numeric / nullif({{p}}.rated, 0), 1) as avg_rating,
  case when coalesce({{p}}.rated, 0) > 0
       then ({2 * RATING_POINTS * 10} * {{p}}.rating_sum + 5 * {{p}}.rated) / (10 * {{p}}.rated)
       else {UNRATED_POINTS * 10} end as rating_pts,
  coalesce({{p}}.done, 0) as done,
  least({EXPERIENCE_POINTS * 10},
        ({2 * EXPERIENCE_POINTS * 10} * coalesce({{p}}.done, 0) + {EXPERIENCE_FULL}) / {2 * EXPERIENCE_FULL}) as experience_pts
"""
RESOURCE_COLUMNS = ("place", "place_pts", "rated", "avg_rating", "rating_pts", "done", "experience_pts")

# The first day a resource r can serve: from its available_from, and not before today. A demand
# needed by then (or with no date) gets the timing points.
AVAILABLE_ON = "greatest(coalesce({r}.available_from, current_date), current_date)"

# The points of one (demand d, resource r) pair on top of those: capacity left for what the demand
# still wants (`{want}`; full when three times as much is left) and timing. r has capacity,
# allocated, available_from; d has needed_by.
PAIR_PARTS = f"""
  {{r}}.capacity - {{r}}.allocated as remaining,
  {{want}} as want,
  least({CAPACITY_POINTS * 10}, ({2 * CAPACITY_POINTS * 10} * ({{r}}.capacity - {{r}}.allocated) + 3 * greatest({{want}}, 1))
                        / (6 * greatest({{want}}, 1))) as capacity_pts,
  case when {{d}}.needed_by is null then 'open'
       when {AVAILABLE_ON} <= {{d}}.needed_by then 'in_time'
       else 'late' end as timing,
  {{d}}.needed_by as needed_by,
  case when {{d}}.needed_by is null or {AVAILABLE_ON} <= {{d}}.needed_by
       then {TIMING_POINTS * 10} else 0 end as timing_pts
"""

# The total in tenths, over the columns of both parts (aliased `{s}`), and in points.
SCORE_TENTHS = f"({CATEGORY_POINTS * 10} + {{s}}.place_pts + {{s}}.capacity_pts + {{s}}.timing_pts + {{s}}.rating_pts + {{s}}.experience_pts)"
SCORE = f"({SCORE_TENTHS}::numeric / 10)"

# The reasons, over the columns of both parts (aliased `{s}`): the parts themselves (points in
# tenths), as one jsonb object (one conversion per row; building the sentences' items in SQL cost
# a batch 0.8 s). `items` turns them into reasons.
REASONS = "to_jsonb({s})"

# Territory codes a resource must sit at to serve a demand at `{t}`: the district, its street,
# its community, or its own unit.
SERVES = territory.sql_serving("{t}")


def parts(d: str = "d", r: str = "r", p: str = "p", want: str = "want") -> str:
    """Every column of a (demand, resource) pair: the resource's own and the pair's."""
    return resource_parts(r, p) + "," + pair_parts(d, r, want)


def resource_parts(r: str = "r", p: str = "p") -> str:
    return RESOURCE_PARTS.format(r=r, p=p)


def pair_parts(d: str = "d", r: str = "r", want: str = "want") -> str:
    return PAIR_PARTS.format(d=d, r=r, want=want)


def available_on(r: str = "r") -> str:
    return AVAILABLE_ON.format(r=r)


def resource_columns(alias: str) -> str:
    """The columns of resource_parts, stored on a row aliased `alias`, to score pairs with later."""
    return ", ".join(f"{alias}.{c}" for c in RESOURCE_COLUMNS)


def score(s: str = "s") -> str:
    """The score in points (numeric, one decimal)."""
    return SCORE.format(s=s)


def cost(s: str = "s") -> str:
    """The score × SCALE as a bigint, for the flow."""
    return f"({SCORE_TENTHS.format(s=s)} * {SCALE // 10})::bigint"


def reasons(s: str = "s") -> str:
    return REASONS.format(s=s)


def serves(t: str) -> str:
    return SERVES.format(t=t)


def _points(value) -> str:
    number = float(value)
    return f"{number:g}"


def items(reasons: dict | list | None) -> list[dict]:
    """The reasons as language-neutral items (`{"k": "place_grid", "p": 25, ...}`), from the parts
    stored with a match or returned with a suggestion; a list is already items (matches made
    before the parts were stored)."""
    if not reasons:
        return []
    if isinstance(reasons, list):
        return reasons
    s = {k: v / 10 if k.endswith("_pts") else v for k, v in reasons.items()}   # tenths → points
    return [
        {"k": "category", "p": CATEGORY_POINTS},
        {"k": f"place_{s['place']}", "p": s["place_pts"]},
        {"k": "capacity_enough" if s["remaining"] >= s["want"] else "capacity_short",
         "p": s["capacity_pts"], "left": s["remaining"], "need": s["want"]},
        {"k": f"timing_{s['timing']}", "p": s["timing_pts"], "date": s["needed_by"]},
        {"k": "rating" if s["rated"] > 0 else "rating_none", "p": s["rating_pts"], "avg": s["avg_rating"],
         "n": s["rated"]},
        {"k": "experience", "p": s["experience_pts"], "n": s["done"]},
    ]


def describe(reasons: dict | list | None, lang: str = i18n.DEFAULT) -> list[str]:
    """Each reason as a sentence with its points, e.g. 「同一网格的资源（+25）」."""
    out = []
    for item in items(reasons):
        params = {k: v for k, v in item.items() if k not in ("k", "p")}
        text = i18n.t(f"matching.reason.{item['k']}", lang, **params)
        out.append(i18n.t("matching.points", lang, reason=text, points=_points(item.get("p", 0))))
    return out

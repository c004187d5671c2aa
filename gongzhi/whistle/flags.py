"""Did it really get fixed? (真改了吗): the fake-fix flags of the supervision board and the dashboard.

The rules and thresholds are stated in migration `…_fake_fix_flags.sql`; row-level security limits
the flags like every list. The flags about single events are stored in `public.event_flag` by a job
(`refresh`, `python -m gongzhi whistle flags` from cron; migration `…_event_flag_table.sql`), so the
board reads them (through an index matching its filter) and says how fresh they are (`as_of`); the
two district-wide kinds come from tallies kept by triggers (`private.event_aggregate_flags`,
migration `…_flag_tallies.sql`), live. `private.event_flags` returns all of them in one set. This module refreshes them,
pages through them and says why each was raised, in the user's language.

A new kind (the photos module's `no_after_photo`, which appears once `private.has_after_photo(bigint)`
exists) needs its name in `KINDS` and a `flags.reason.<kind>` text; nothing else.
"""
from __future__ import annotations

import datetime as dt

from gongzhi import clock, i18n
from gongzhi.auth import Identity
from gongzhi.clock import BEIJING

KINDS = ("reported_again", "too_fast", "satisfaction_lags", "whistle_rate", "no_after_photo")
WINDOW_DAYS = 90
PAGE_SIZE = 50

AGGREGATE_KINDS = ("satisfaction_lags", "whistle_rate")   # computed from tallies at read time

# The stored kinds (public.event_flag, under its row-level security) through event_flag_board_idx:
# a count of each kind, and one page of one kind, most recent first.
_WINDOW = "f.at > %(now)s::timestamptz - make_interval(days => %(days)s) and f.at <= %(now)s and f.terr between %(lo)s and %(hi)s"
_STORED_COUNTS = f"select f.kind, count(*) as n from public.event_flag f where {_WINDOW} group by f.kind"
_STORED_PAGE = f"""
select g.kind, g.event_id, null::bigint as department_id, g.community_id, g.terr, g.at, g.detail, e.title,
       null::text as department_zh, null::text as department_en, o.name as community
from (select f.kind, f.event_id, f.community_id, f.terr, f.at, f.detail from public.event_flag f
      where f.kind = %(kind)s and {_WINDOW}
      order by f.at desc, f.event_id limit %(limit)s offset %(offset)s) g
left join public.event e on e.id = g.event_id
left join public.org_unit o on o.id = g.community_id
order by g.at desc, g.event_id
"""
# The district-wide kinds (private.event_aggregate_flags, from the tallies): a few dozen rows at most.
_AGGREGATE = """
select a.kind, a.event_id, a.department_id, a.community_id, a.terr, a.at, a.detail, null::text as title,
       d.name_zh as department_zh, d.name_en as department_en, o.name as community
from private.event_aggregate_flags(%(now)s, %(days)s, %(lo)s, %(hi)s) a
left join public.department d on d.id = a.department_id
left join public.org_unit o on o.id = a.community_id
order by array_position(%(kinds)s::text[], a.kind), a.department_id, a.community_id
"""


def refresh(now: dt.datetime | None = None) -> int:
    """The scheduled job: recompute the stored flags of the whole district as the owner, as of `now`
    (the database's clock by default); returns how many it stored."""
    from gongzhi import db
    with db.owner() as conn:
        with conn.transaction():
            stored = refresh_on(conn, now)
        settle_on(conn)
        return stored


def settle_on(conn) -> None:
    """After a refresh has committed (autocommit connection): mark the table's pages all-visible, so
    that the board counts its flags from the index alone instead of visiting the rows a refresh
    just wrote (a few pages after a usual refresh)."""
    conn.execute("vacuum (analyze) public.event_flag")


def refresh_on(conn, now: dt.datetime | None = None) -> int:
    """`refresh` on an open owner's connection (the demo loader, the benchmark, tests)."""
    row = conn.execute("select private.refresh_event_flags(coalesce(%s, now())) as n", (now,)).fetchone()
    return row["n"] if isinstance(row, dict) else row[0]


def board(user: Identity, now: dt.datetime, *, kind: str | None = None, page: int = 0, page_size: int = PAGE_SIZE,
          days: int = WINDOW_DAYS, lo: int | None = None, hi: int | None = None) -> dict:
    """The flags `user` may see over the `days` before `now` (within the territory range lo..hi when
    given: the dashboard's scope): how many of each kind, one page of them (of `kind` only when
    given), most recent first, and `as_of`: when the stored flags were computed (None: never yet)."""
    with user.session() as conn:
        return board_on(conn, now, kind=kind, page=page, page_size=page_size, days=days, lo=lo, hi=hi)


def board_on(conn, now: dt.datetime, *, kind: str | None = None, page: int = 0, page_size: int = PAGE_SIZE,
             days: int = WINDOW_DAYS, lo: int | None = None, hi: int | None = None) -> dict:
    """`board` on an open connection (the benchmark times it). The flags come in the order of
    `KINDS`, each kind most recent first; a page spans kinds, so each kind is read only for the part
    of the page that falls in it."""
    if kind is not None and kind not in KINDS:
        raise ValueError(kind)
    # prepare=False: a prepared statement's generic plan, chosen after a few runs on a connection,
    # cannot see the window and the territory, and reads several times more (measured at 1M demands)
    params = {"now": now, "days": days, "lo": 0 if lo is None else lo, "hi": 9_999_999 if hi is None else hi,
              "kinds": list(KINDS)}
    aggregate = [dict(r) for r in conn.execute(_AGGREGATE, params, prepare=False).fetchall()]
    counts = {k: 0 for k in KINDS}
    counts |= {r["kind"]: r["n"] for r in conn.execute(_STORED_COUNTS, params, prepare=False).fetchall()}
    for row in aggregate:
        counts[row["kind"]] += 1
    start, rows = page * page_size, []
    for k in (kind,) if kind else KINDS:
        take = min(page_size - len(rows), counts[k] - start)
        if take > 0:
            if k in AGGREGATE_KINDS:
                rows += [r for r in aggregate if r["kind"] == k][start:start + take]
            else:
                rows += [dict(r) for r in conn.execute(_STORED_PAGE, params | {"kind": k, "limit": take,
                                                                              "offset": start},
                                                prepare=False).fetchall()]
        start = max(0, start - counts[k])
        if len(rows) >= page_size:
            break
    as_of = conn.execute("select private.event_flags_as_of() as t").fetchone()["t"]
    return {"counts": counts, "rows": rows, "as_of": as_of}


def as_of_text(as_of: dt.datetime | None, lang: str = i18n.DEFAULT) -> str:
    """数据截至 … of the stored flags, or that the job has not run yet."""
    return i18n.t("flags.stored.never", lang) if as_of is None else clock.as_of_text(as_of, lang)


def _day(value) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(BEIJING).date().isoformat()


def subject(row: dict, lang: str = i18n.DEFAULT) -> str:
    """What is flagged: an event (#id and title), a department or a community."""
    if row["event_id"] is not None:
        return f"#{row['event_id']} {row.get('title') or ''}".strip()
    if row["department_id"] is not None:
        return row.get("department_" + lang) or row.get("department_zh") or ""
    return row.get("community") or ""


def reason(row: dict, lang: str = i18n.DEFAULT) -> str:
    """Why the flag was raised, with its figures."""
    d = row["detail"] or {}
    key = f"flags.reason.{row['kind']}"
    if row["kind"] == "reported_again":
        return i18n.t(key, lang, closed=_day(d["closed"]), days=d["days"], again=d["again_id"])
    if row["kind"] == "too_fast":
        return i18n.t(key, lang, hours=d["hours"], median=d["median_hours"], closed=d["closed"])
    if row["kind"] == "satisfaction_lags":
        return i18n.t(key, lang, closure=d["closure_rate"], satisfaction=d["satisfaction_rate"], scored=d["scored"])
    if row["kind"] == "whistle_rate":
        direction = i18n.t("flags.more" if float(d["z"]) > 0 else "flags.fewer", lang)
        return i18n.t(key, lang, events=d["events"], grids=d["grids"], expected=d["expected"], z=d["z"],
                      direction=direction, days=d["days"])
    return i18n.t(key, lang)

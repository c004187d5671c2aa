"""待办: the work-queue cards of each role's home, and the one SQL predicate behind each card.

A card is a count of rows that need the user, a link to the list that shows exactly those rows,
and the moment each row became due (for "new since your last visit"). The predicate is stated
once here; the home counts with it, and the list a card opens filters with the same predicate
(`gongzhi.lists.queries`, `gongzhi.whistle.queries`), so the count and the list's total agree.
Everything runs as the signed-in user: row-level security limits every card to the territory.

Extension point: a module that adds work to a home (visits due, suggestions to triage …) adds a
`Card` to CARDS with the page that lists its rows, and that page filters with `predicate()`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gongzhi import territory
from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.clock import BEIJING


# The alias each table is read under, in the home's count and in the lists that filter by a card.
ALIAS = {"demand": "d", "project": "d", "event": "e", "application": "a", "service_log": "l", "match": "m",
         "suggestion": "s", "care_person": "p", "org_unit": "o"}


@dataclass(frozen=True)
class Card:
    key: str                 # the URL value (?todo=<key>) and the i18n key home.card.<key>
    roles: tuple[str, ...]
    page: str                # the page (gongzhi.auth.pages key) that lists the rows
    table: str               # public.<table>, read as ALIAS[table]
    where: str               # the rows that need the user (params: now, today)
    due: str                 # when a row became due (for "new since the last visit")
    rank: int                # urgency: lower first
    preset: dict = field(default_factory=dict)   # widget values the linked page starts with
    scan: str = ""           # cards of one scan are counted in one statement (one pass over the rows)
    source: str = ""         # the rows counted when not public.<table> alone (a join, a series of months)

    @property
    def rows(self) -> str:
        """The FROM clause of the card's count and of the list it opens."""
        return self.source or f"public.{self.table} {self.alias}"

    @property
    def alias(self) -> str:
        return ALIAS[self.table]

    @property
    def within_scan(self) -> str:
        """The condition beyond the shared scan's (so a count over an index of the scan's rows needs
        no other column)."""
        if self.scan and self.where.startswith(self.scan + " and "):
            return self.where[len(self.scan) + 5:]
        return self.where


_OPEN_EVENT = "e.closed_at is null"
_MY_SUMMONS = """e.id in (select ed.event_id from public.event_department ed
                 where ed.department_id = (select private.department_id()) and ed.reported_at is null)"""

# Each bulletin (the district's and each street's) and each ended month it is due for, as (o, m.period):
# from the month its unit was created — or the first month issued for it, if earlier (a bulletin issued
# for a month shows the unit was running then) — to the last month that has ended, at most
# BULLETIN_MONTHS months back (%(horizon)s), so that a district that never issued sees one year's.
BULLETIN_MONTHS = 12
_BULLETIN_MONTHS = """public.org_unit o cross join lateral (
    select p::date as period from generate_series(
        greatest(%(horizon)s::date, least(date_trunc('month', o.created_at at time zone 'Asia/Shanghai')::date,
                                          (select min(b.period) from public.bulletin_issue b where b.org_unit_id = o.id))),
        %(last_month)s::date, interval '1 month') p) m"""

CARDS: dict[str, Card] = {c.key: c for c in [
    # district and street: what is late in the territory
    Card("lights_red", ("district", "street"), "supervision", "event",
         f"{_OPEN_EVENT} and e.deadline < %(now)s", "e.deadline", 0, scan=_OPEN_EVENT,
         preset={"sv_view": "board"}),
    Card("escalated", ("district", "street"), "supervision", "event",
         f"{_OPEN_EVENT} and e.escalated_at is not null", "e.escalated_at", 1, scan=_OPEN_EVENT,
         preset={"sv_view": "board"}),
    # district: the bulletins (its own and each street's) of every ended month not yet issued (月通报签发)
    Card("bulletin_unissued", ("district",), "bulletin", "org_unit",
         "o.kind in ('district', 'street') and not exists (select 1 from public.bulletin_issue b"
         " where b.org_unit_id = o.id and b.period = m.period)",
         "(m.period + interval '1 month')::timestamp at time zone 'Asia/Shanghai'", 2,
         preset={"bulletin_view": "issues"}, source=_BULLETIN_MONTHS),
    # department: summons to answer, then the events it leads
    Card("summons_to_report", ("department",), "events", "event",
         f"{_OPEN_EVENT} and {_MY_SUMMONS}", "e.step_at", 2),
    Card("events_to_answer", ("department",), "events", "event",
         f"{_OPEN_EVENT} and e.lead_department_id = (select private.department_id())"
         " and e.step in ('consult', 'implement')", "e.step_at", 3),
    # community: whistle steps running out of time
    Card("events_due", ("community",), "events", "event",
         f"{_OPEN_EVENT} and e.yellow_at <= %(now)s", "e.yellow_at", 4),
    # community and street: messages of the 民情意见箱 still waiting for their first reply
    Card("suggestions_to_reply", ("community", "street"), "suggestions", "suggestion",
         "s.status in ('received', 'accepted') and s.first_reply_at is null", "s.created_at", 4,
         preset={"triage_view": "board", "triage_status": "open"}),
    Card("demands_overdue", ("community",), "demands", "demand",
         "d.status = 'new' and d.needed_by < %(today)s"
         " and not exists (select 1 from public.match m where m.demand_id = d.id and m.status = 'proposed')",
         "(d.needed_by + 1)::timestamp at time zone 'Asia/Shanghai'", 5),
    Card("projects_overdue", ("street",), "projects", "project",
         "d.status in ('planning', 'in_progress') and exists (select 1 from public.project_milestone pm"
         " where pm.project_id = d.id and pm.done_at is null and pm.due_date < %(today)s)",
         "(select (min(pm.due_date) + 1)::timestamp at time zone 'Asia/Shanghai' from public.project_milestone pm"
         " where pm.project_id = d.id and pm.done_at is null and pm.due_date < %(today)s)", 6),
    # grid: the people to look after whose visit is overdue (今日走访 lists them)
    Card("visits_overdue", ("grid",), "field_today", "care_person",
         "p.active and p.next_due_on < %(today)s",
         "(p.next_due_on + 1)::timestamp at time zone 'Asia/Shanghai'", 6, preset={"field_view": "due"}),
    # grid: the fix to rate, the matches and demands to move on
    Card("events_to_evaluate", ("grid",), "events", "event",
         f"{_OPEN_EVENT} and e.step = 'feedback'", "e.step_at", 7),
    Card("matches_to_accept", ("grid", "community"), "matching", "match",
         "m.status = 'proposed'", "m.created_at", 8,
         preset={"matching_view": "matches", "match_status": "proposed"}),
    Card("applications_to_review", ("community",), "volunteer_applications", "application",
         "a.status = 'pending'", "a.created_at", 9, preset={"apps_status": "pending"}),
    Card("hours_to_verify", ("community",), "volunteer_hours", "service_log",
         "l.verified_at is null", "l.created_at", 10, preset={"hours_which": "unverified"}),
    Card("demands_to_confirm", ("grid",), "demands", "demand",
         "d.status = 'new'", "d.created_at", 11),
    Card("demands_to_close", ("grid",), "demands", "demand",
         "d.status = 'in_progress'", "d.updated_at", 12),
]}


def cards_for(role: str) -> list[Card]:
    """The cards of `role`'s home, most urgent first."""
    return sorted((c for c in CARDS.values() if role in c.roles), key=lambda c: c.rank)


def card(key: str | None, role: str, page: str) -> Card:
    """The card named in a link, checked against the role and the page it opens; a crafted or stale
    value is refused with `todo.bad_link` (the page then shows its unfiltered list)."""
    found = CARDS.get(key or "")
    if found is None or role not in found.roles or found.page != page:
        raise DomainError("todo.bad_link")
    return found


def predicate(key: str, table: str) -> str:
    """The SQL condition of card `key` over `table` under its alias; refuses a card of another table."""
    found = CARDS.get(key)
    if found is None or found.table != table:
        raise DomainError("lists.bad_filter")
    return found.where


def source(key: str, table: str) -> str:
    """The FROM clause of card `key` over `table` (the rows its predicate filters)."""
    found = CARDS.get(key)
    if found is None or found.table != table:
        raise DomainError("lists.bad_filter")
    return found.rows


def params(now: dt.datetime) -> dict:
    """The clock the predicates read: `now`, today's date in China Standard Time, the first day of
    the last month that has ended (the latest month whose bulletins are due) and of the earliest
    month a bulletin is still asked for (`horizon`, BULLETIN_MONTHS months up to the last)."""
    today = now.astimezone(BEIJING).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    back = last_month.year * 12 + last_month.month - 1 - (BULLETIN_MONTHS - 1)
    return {"now": now, "today": today, "last_month": last_month, "horizon": dt.date(back // 12, back % 12 + 1, 1)}


@dataclass(frozen=True)
class Count:
    card: Card
    total: int
    new: int


# Tables whose staff read policy ORs the territory's range with another way in (a department's
# summons). For the staff of a territory that other way is empty (private.department_id() is null
# but for department staff), so a card of theirs may name the range itself: the same rows, found by
# the range in an index instead of testing both ways on every open event of the district.
RANGE_OR_SUMMONS = ("event",)
TERRITORY_ROLES = ("street", "community", "grid")
_RANGE = "{alias}.terr between (select private.terr_lo()) and (select private.terr_hi())"


def _count_columns(i: int, card: Card, condition: str | None) -> str:
    """The total and the "new since" count of the `i`th card of a statement, over the rows that also
    meet `condition` (None: every row of the statement)."""
    within = f"({condition}) and " if condition else ""
    total = f"count(*) filter (where {condition})" if condition else "count(*)"
    return (f"{total} as total_{i}, count(*) filter (where {within}%(since)s::timestamptz is not null"
            f" and {card.due} > %(since)s) as new_{i}")


def counts_on(conn, role: str, now: dt.datetime, since: dt.datetime | None) -> list[Count]:
    """Each card of `role` on an open connection (the user's: RLS limits the territory): one
    statement per card, or per scan that several cards share (`Card.scan`, the rows they all lie
    in); most urgent first, cards with work before empty ones."""
    scans: dict[str, list[Card]] = {}
    for c in cards_for(role):
        scans.setdefault(c.scan or c.key, []).append(c)
    out = []
    for cards in scans.values():
        # A card alone in its statement is its WHERE and needs no filter: repeating its predicate
        # there would name columns again (keeping an index-only scan from its index) and run its
        # subqueries a second and a third time.
        columns = ", ".join(_count_columns(i, c, c.within_scan if cards[0].scan else None) for i, c in enumerate(cards))
        where = cards[0].scan or cards[0].where
        if cards[0].table in RANGE_OR_SUMMONS and role in TERRITORY_ROLES:
            where = f"({where}) and {_RANGE.format(alias=cards[0].alias)}"
        row = conn.execute(f"select {columns} from {cards[0].rows} where {where}",
                           {**params(now), "since": since}).fetchone()
        out += [Count(c, row[f"total_{i}"], row[f"new_{i}"]) for i, c in enumerate(cards)]
    return sorted(out, key=lambda n: (n.total == 0, n.card.rank))


def red_by_street(conn, now: dt.datetime) -> list[dict]:
    """Red lights per street of the territory, most first (the district's card shows them); the
    street is read from the territory code, so the count needs only the open events' index."""
    return conn.execute(f"""
        select o.id, o.name, x.n from (
            select {territory.sql_unit("e.terr", "street")} as street, count(*) as n from public.event e
            where {CARDS['lights_red'].where} group by 1) x
        join public.org_unit o on o.terr = x.street and o.kind = 'street'
        order by x.n desc, o.name""", params(now)).fetchall()


def visit(user: Identity, now: dt.datetime) -> dt.datetime | None:
    """Record that `user` opens their home at `now`; returns their previous visit (None the first time).
    The page calls it once per browser session, so that reruns keep the same "new" marks."""
    with user.session() as conn:
        row = conn.execute("select home_seen_at from public.user_setting").fetchone()
        conn.execute("""insert into public.user_setting (home_seen_at) values (%(now)s)
                        on conflict (user_id) do update set home_seen_at = excluded.home_seen_at""", {"now": now})
    return row["home_seen_at"] if row else None


def home(user: Identity, now: dt.datetime, since: dt.datetime | None) -> dict:
    """The home of `user`: the cards with their counts and how many became due after `since`, and
    for the district its red lights by street. Reads in the caller's transaction when the page
    holds one (ui.session.page_transaction)."""
    with user.session() as conn:
        found = counts_on(conn, user.role, now, since)
        streets = red_by_street(conn, now) if user.role == "district" else []
    return {"cards": found, "red_by_street": streets}

"""月通报签发: issuing a month's bulletin (the district's own or a street's) and reading which
bulletins are issued. `public.bulletin_issue` holds one row per bulletin and month; the district
writes it, a street and its communities read the rows that cover them (row-level security).

The district's home card `bulletin_unissued` (gongzhi.todo) counts the bulletins of every ended
month not yet issued (within todo.BULLETIN_MONTHS months); `unissued` lists exactly those (unit,
month) rows with the card's own rows and predicate.
"""
from __future__ import annotations

import datetime as dt

from gongzhi import todo
from gongzhi.auth import Identity
from gongzhi.dashboard.periods import month_of
from gongzhi.errors import DomainError

CARD = "bulletin_unissued"
SCOPE_KINDS = ("district", "street")


def period_of(year: int, month: int) -> dt.date:
    """The first day of the bulletin's month (refuses a month that is not one)."""
    return month_of(year, month).start


def due_period(now: dt.datetime) -> dt.date:
    """The month whose bulletins are due at `now`: the last month that has ended (China time)."""
    return todo.params(now)["last_month"]


def scopes(user: Identity) -> list[dict]:
    """The bulletins `user` reads and the district issues: the district's own, then each street's
    (id, name, kind), as far as row-level security shows them."""
    with user.session() as conn:
        return conn.execute("""select id, name, kind from public.org_unit where kind = any(%s)
                               order by terr""", (list(SCOPE_KINDS),)).fetchall()


def issue(user: Identity, unit_id: int | None, year: int, month: int) -> dict:
    """Issue (签发) the bulletin of `unit_id` (the user's own unit when None) for the month: one row,
    stamped by the database with the issuer and the time. Refused with a message when the bulletin
    is already issued, its month has not ended, the unit has no bulletin, or the user may not."""
    period = period_of(year, month)
    return user.write(lambda conn: conn.execute(
        """insert into public.bulletin_issue (org_unit_id, period) values (%s, %s)
           returning id, org_unit_id, period, created_at""", (unit_id or user.org_unit_id, period)).fetchone(),
        {"bulletin_issue_once": "bulletin.issue.already"})


def issued(user: Identity, unit_id: int | None, year: int, month: int) -> dict:
    """The bulletin of `unit_id` for the month — when None, the one that covers the user (their
    street's, or the district's) — as (unit, name) with its issue (issued_at, issuer where the user
    may read the issuer's name), both None when not issued or not visible to the user."""
    period = period_of(year, month)
    with user.session() as conn:
        return conn.execute("""select o.id as unit, o.name, b.created_at as issued_at, s.display_name as issuer
                               from public.org_unit o
                               left join public.bulletin_issue b on b.org_unit_id = o.id and b.period = %(period)s
                               left join public.staff s on s.user_id = b.created_by
                               where o.id = coalesce(%(unit)s, (select case when u.kind = 'district' then u.id
                                                                            else u.street_id end
                                                                 from public.org_unit u where u.id = %(own)s))""",
                            {"period": period, "unit": unit_id, "own": user.org_unit_id}).fetchone()


def board(user: Identity, year: int, month: int) -> list[dict]:
    """Every bulletin of the month the user sees (the district: its own and each street's), issued
    or not, with when and by whom."""
    period = period_of(year, month)
    with user.session() as conn:
        return conn.execute("""select o.id, o.name, o.kind, b.created_at as issued_at, s.display_name as issuer
                               from public.org_unit o
                               left join public.bulletin_issue b on b.org_unit_id = o.id and b.period = %s
                               left join public.staff s on s.user_id = b.created_by
                               where o.kind = any(%s) order by o.terr""",
                            (period, list(SCOPE_KINDS))).fetchall()


def unissued(user: Identity, now: dt.datetime) -> list[dict]:
    """The bulletins the home card `bulletin_unissued` counts: each (unit, month) due at `now` and
    not yet issued, oldest month first, selected by the card's own rows and predicate (so the list's
    total is the card's count)."""
    if user.role not in todo.CARDS[CARD].roles:
        raise DomainError("todo.bad_link")
    rows, where = todo.source(CARD, "org_unit"), todo.predicate(CARD, "org_unit")
    with user.session() as conn:
        return conn.execute(f"""select o.id, o.name, o.kind, m.period from {rows} where {where}
                                order by m.period, o.terr""", todo.params(now)).fetchall()


def asked_from(now: dt.datetime) -> dt.date:
    """The earliest month whose bulletins the card and its list still ask for at `now`."""
    return todo.params(now)["horizon"]

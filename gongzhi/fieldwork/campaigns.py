"""重点整治 campaigns run by a street (or the district): the form that creates one for its territory
(title, dates, target grids, the checklist of what to check, rounds per grid), the campaigns list
paged in SQL, each target grid's progress (rounds done against rounds due so far, findings solved
on the spot and reported up), editing an open campaign (title, dates, target grids, rounds per
grid) and closing. Everything runs as the signed-in user: row-level
security decides who creates, edits and closes (street and district staff of the territory), and the
database refuses target grids outside the campaign's territory, any change to a closed campaign
and rounds on one."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field


from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.fieldwork.forms import _text
from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError

MAX_ITEMS = 20
MAX_DAYS = 366
PAGE_SIZE = 20


def _period_and_rounds(errors: list[FieldError], starts_on, ends_on, rounds_per_grid) -> tuple[tuple, int]:
    """The checks a new and an edited campaign share: both dates, a period of at most MAX_DAYS,
    1–100 rounds per grid. Appends each problem to `errors`."""
    if starts_on is None:
        errors.append(FieldError("starts_on", "field.error.required"))
    if ends_on is None:
        errors.append(FieldError("ends_on", "field.error.required"))
    if starts_on and ends_on and (ends_on < starts_on or (ends_on - starts_on).days > MAX_DAYS):
        errors.append(FieldError("ends_on", "fieldwork.error.period"))
    try:
        rounds = int(rounds_per_grid)
    except (TypeError, ValueError):
        rounds = 0
    if not 1 <= rounds <= 100:
        errors.append(FieldError("rounds_per_grid", "campaigns.error.rounds"))
    return (starts_on, ends_on), rounds


@dataclass
class CampaignForm:
    org_unit_id: int | None
    name: str = ""
    items: str = ""                       # what to check: one item a line
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    grids: list[int] = field(default_factory=list)   # empty: every grid of the territory
    rounds_per_grid: int | None = 1

    def clean(self) -> dict:
        """The campaign row, or FormError naming each field's problem."""
        errors: list[FieldError] = []
        if not self.org_unit_id:
            errors.append(FieldError("org_unit_id", "field.error.required"))
        name = _text(errors, "name", self.name, 100, required=True)
        items: list[str] = []
        for line in (self.items or "").splitlines():
            item = _text(errors, "items", line, 100)
            if item and item not in items:
                items.append(item)
        if not items or len(items) > MAX_ITEMS:
            errors.append(FieldError("items", "fieldwork.error.items"))
        period, rounds = _period_and_rounds(errors, self.starts_on, self.ends_on, self.rounds_per_grid)
        if errors:
            raise FormError(errors)
        return {"org_unit_id": int(self.org_unit_id), "name": name, "items": items, "starts_on": period[0],
                "ends_on": period[1], "grids": sorted({int(g) for g in self.grids or []}),
                "rounds_per_grid": rounds}


def create(user: Identity, form: CampaignForm) -> int:
    """A new campaign; row-level security refuses a territory that is not the user's to set."""
    row = form.clean()

    def work(conn):
        return conn.execute(
            """insert into public.campaign (org_unit_id, name, items, starts_on, ends_on, grids, rounds_per_grid)
               values (%(org_unit_id)s, %(name)s, %(items)s, %(starts_on)s, %(ends_on)s, %(grids)s,
                       %(rounds_per_grid)s) returning id""", row).fetchone()["id"]
    return user.write(work)


@dataclass
class CampaignEdit:
    """What may change while a campaign is open: its title, dates, target grids and rounds per grid
    (its territory and checklist stay, as the rounds already logged count against them)."""
    name: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    grids: list[int] = field(default_factory=list)   # empty: every grid of the territory
    rounds_per_grid: int | None = 1

    def clean(self) -> dict:
        """The changed columns, or FormError naming each field's problem."""
        errors: list[FieldError] = []
        name = _text(errors, "name", self.name, 100, required=True)
        period, rounds = _period_and_rounds(errors, self.starts_on, self.ends_on, self.rounds_per_grid)
        if errors:
            raise FormError(errors)
        return {"name": name, "starts_on": period[0], "ends_on": period[1],
                "grids": sorted({int(g) for g in self.grids or []}), "rounds_per_grid": rounds}


def edit(user: Identity, campaign_id: int, form: CampaignEdit) -> int:
    """Change an open campaign; the database refuses a closed one (fieldwork.campaign_closed) and
    target grids outside its territory, row-level security one that is not the user's to change.
    Returns its id."""
    row = form.clean() | {"id": campaign_id}

    def work(conn):
        changed = conn.execute(
            """update public.campaign set name = %(name)s, starts_on = %(starts_on)s, ends_on = %(ends_on)s,
                      grids = %(grids)s, rounds_per_grid = %(rounds_per_grid)s
               where id = %(id)s returning id""", row).fetchone()
        if changed is None:
            raise DomainError("campaigns.cannot_edit")
        return changed["id"]
    return user.write(work)


def close(user: Identity, campaign_id: int) -> int:
    """Close an open campaign: it keeps its rounds and findings and takes no more. Returns its id."""
    def work(conn):
        row = conn.execute("""update public.campaign set closed_at = now()
                              where id = %s and closed_at is null returning id""", (campaign_id,)).fetchone()
        if row is None:
            raise DomainError("campaigns.cannot_close")
        return row["id"]
    return user.write(work)


def units(user: Identity) -> list[dict]:
    """The units a campaign may be set for by this user: their own street, or the district and its streets."""
    with user.session() as conn:
        return conn.execute(
            """select id, name, kind from public.org_unit
               where kind in ('district', 'street')
                 and terr between coalesce((select private.terr_lo()), 0) and coalesce((select private.terr_hi()), -1)
               order by terr, id limit 100""").fetchall()


def grids(user: Identity, unit_id: int | None) -> list[dict]:
    """The grids inside `unit_id` the user sees (the choice of target grids)."""
    if not unit_id:
        return []
    with user.session() as conn:
        return conn.execute(
            """select g.id, g.name from public.org_unit u join public.org_unit g
                 on g.kind = 'grid' and g.terr between u.terr and u.terr_hi
               where u.id = %s order by g.terr, g.id limit 1000""", (unit_id,)).fetchall()


def listing(user: Identity, page_no: int = 0, size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """A page of the campaigns the user sees, open ones first, newest first; and how many there are."""
    with user.session() as conn:
        rows = conn.execute(
            """select c.id, c.name, c.items, c.starts_on, c.ends_on, c.closed_at, c.rounds_per_grid,
                      cardinality(c.grids) as grid_n, o.name as unit, count(*) over () as total
               from public.campaign c join public.org_unit o on o.id = c.org_unit_id
               order by c.closed_at is not null, c.starts_on desc, c.id desc limit %s offset %s""",
            (size, page_no * size)).fetchall()
    total = rows[0]["total"] if rows else 0
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], total


def due_so_far(rounds_per_grid: int, starts_on: dt.date, ends_on: dt.date, day: dt.date) -> int:
    """Rounds a target grid should have made by the end of `day`: the period's rounds pro rata by
    the days elapsed (all of them once the period is over, none before it starts)."""
    total = (ends_on - starts_on).days + 1
    elapsed = min(max((day - starts_on).days + 1, 0), total)
    return math.ceil(rounds_per_grid * elapsed / total)


def light(done: int, due: int) -> str:
    """绿灯 on schedule, 黄灯 one round behind, 红灯 further behind."""
    if done >= due:
        return "green"
    return "yellow" if due - done == 1 else "red"


def progress(user: Identity, campaign_id: int, day: dt.date) -> dict:
    """The campaign and, per target grid the user sees, rounds done against rounds due by `day`,
    findings solved on the spot and reported up, with a light; totals over those grids."""
    with user.session() as conn:
        campaign = conn.execute(
            """select c.id, c.org_unit_id, c.name, c.items, c.starts_on, c.ends_on, c.closed_at, c.rounds_per_grid,
                      c.grids, o.name as unit, o.terr, o.terr_hi
               from public.campaign c join public.org_unit o on o.id = c.org_unit_id where c.id = %s""",
            (campaign_id,)).fetchone()
        if campaign is None:
            raise DomainError("campaigns.not_found")
        rows = conn.execute(
            """with target as (
                 select g.id, g.name, g.terr from public.org_unit g
                 where g.kind = 'grid' and g.terr between %(lo)s and %(hi)s
                   and (cardinality(%(grids)s::bigint[]) = 0 or g.id = any (%(grids)s::bigint[]))),
               r as (select v.grid_id, count(*) as rounds from public.visit v
                     where v.campaign_id = %(id)s group by 1),
               f as (select v.grid_id, count(*) filter (where f.outcome = 'on_spot') as on_spot,
                            count(*) filter (where f.outcome <> 'on_spot') as reported
                     from public.finding f join public.visit v on v.id = f.visit_id
                     where v.campaign_id = %(id)s group by 1)
               select t.id, t.name, coalesce(r.rounds, 0)::int as rounds, coalesce(f.on_spot, 0)::int as on_spot,
                      coalesce(f.reported, 0)::int as reported
               from target t left join r on r.grid_id = t.id left join f on f.grid_id = t.id
               where t.terr between coalesce((select private.terr_lo()), 0) and coalesce((select private.terr_hi()), -1)
               order by t.terr, t.id""",
            {"id": campaign_id, "lo": campaign["terr"], "hi": campaign["terr_hi"],
             "grids": campaign["grids"]}).fetchall()
    last = min(day, campaign["ends_on"])
    due = due_so_far(campaign["rounds_per_grid"], campaign["starts_on"], campaign["ends_on"], last)
    for r in rows:
        r["due"] = due
        r["light"] = light(r["rounds"], due)
    totals = {k: sum(r[k] for r in rows) for k in ("rounds", "on_spot", "reported")}
    totals["due"] = due * len(rows)
    return {"campaign": campaign, "grids": rows, "totals": totals}

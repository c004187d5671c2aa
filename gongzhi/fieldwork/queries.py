"""What the grid worker and their leaders read: the day page (visits due and overdue with their
lights, the day's rounds, active campaigns), the ledger of people (masked as the database
decides), campaign counts and the daily summary rolled up grid → community → street. All as the
signed-in user, so row-level security limits every figure to the territory."""
from __future__ import annotations

import datetime as dt
import io

from gongzhi import cells, clock, i18n, security_log, todo
from gongzhi.auth import Identity

SOON_DAYS = 2          # working days ahead that the day page already lists (green)
LEVELS = ("grid", "community", "street")


def light(next_due_on: dt.date | None, day: dt.date) -> str:
    """红灯 overdue, 黄灯 due today, 绿灯 due within the next working days."""
    if next_due_on is None or next_due_on > day:
        return "green"
    return "yellow" if next_due_on == day else "red"


def categories(user: Identity) -> list[dict]:
    with user.session() as conn:
        return conn.execute("""select id, code, name_zh, name_en, visit_every_days from public.care_category
                               where active order by id""").fetchall()


def places(user: Identity) -> list[dict]:
    """Grids and buildings the user may enter people and rounds in."""
    with user.session() as conn:
        return conn.execute(
            """select id, name, kind from public.org_unit
               where kind in ('grid', 'building')
                 and terr between coalesce((select private.terr_lo()), 0) and coalesce((select private.terr_hi()), -1)
               order by terr, id limit 500""").fetchall()


_MINE = """terr between coalesce((select private.terr_lo()), 0) and coalesce((select private.terr_hi()), -1)"""
# A campaign still open that targets a grid of the user's territory (no target grids: all of them).
_OPEN_HERE = f"""c.closed_at is null and (cardinality(c.grids) = 0 or exists (
    select from public.org_unit g where g.id = any (c.grids) and g.{_MINE}))"""
_DUE_WINDOW = "p.active and p.next_due_on <= private.add_working_days(%(day)s, %(soon)s)"


def _due_sql(where: str = _DUE_WINDOW) -> str:
    """The people of the day page: those due within the window, or those a home card names."""
    return f"""
    select p.id, p.person_name, p.home_address, p.phone, p.category_id, p.last_visit_on, p.next_due_on,
           p.personal_visible, c.name_zh, c.name_en, o.name as place
    from public.care_person_row p
    join public.care_category c on c.id = p.category_id
    join public.org_unit o on o.id = p.org_unit_id
    where {where} and p.{_MINE}
    order by p.next_due_on, p.id limit %(limit)s"""


def due(conn, day: dt.date, limit: int = 200) -> list[dict]:
    """People due by `day` plus SOON_DAYS working days, most overdue first, each with its light."""
    rows = conn.execute(_due_sql(), {"day": day, "soon": SOON_DAYS, "limit": limit}).fetchall()
    for r in rows:
        r["light"] = light(r["next_due_on"], day)
    return rows


def today(user: Identity, day: dt.date | None = None, todo_key: str | None = None) -> dict:
    """The day page: people due (lights), counts, the day's rounds with their findings, active
    campaigns — one statement, so the page pays one round trip for all of it. `todo_key` lists
    the people of one home card (gongzhi.todo) instead, and counts them (`counts["listed"]`, else None)."""
    day = day or clock.today()
    where = todo.predicate(todo_key, "care_person") if todo_key else _DUE_WINDOW
    # the card's total, counted only when a card is followed (the day page itself needs no extra pass)
    listed = f"(select count(*) from public.care_person p where {where} and p.{_MINE})" if todo_key else "null"
    with user.session() as conn:
        row = conn.execute(
            f"""with people as ({_due_sql(where)}),
                rounds as (
                  select v.id, v.kind, v.visited_at, v.place, v.people_met, v.note, c.name as campaign,
                         coalesce((select json_agg(json_build_object('id', f.id, 'what', f.what, 'outcome', f.outcome,
                                                                     'demand_id', f.demand_id, 'event_id', f.event_id)
                                                   order by f.id)
                                   from public.finding f where f.visit_id = v.id), '[]') as findings
                  from public.visit v left join public.campaign c on c.id = v.campaign_id
                  where v.visited_on = %(day)s and v.{_MINE}
                  order by v.visited_at desc limit 50)
                select (select coalesce(json_agg(people), '[]') from people) as people,
                       (select json_build_object('overdue', count(*) filter (where next_due_on < %(day)s),
                                                 'due_today', count(*) filter (where next_due_on = %(day)s),
                                                 'people', count(*),
                                                 'listed', {listed})
                        from public.care_person where active and {_MINE}) as counts,
                       (select coalesce(json_agg(rounds), '[]') from rounds) as rounds,
                       (select coalesce(json_agg(x order by x.starts_on, x.id), '[]') from (
                          select id, name, items, starts_on, ends_on from public.campaign c
                          where %(day)s between starts_on and ends_on and {_OPEN_HERE}) x) as campaigns""",
            {"day": day, "today": day, "soon": SOON_DAYS, "limit": 200}).fetchone()
    people = row["people"]
    for p in people:
        p["next_due_on"] = dt.date.fromisoformat(p["next_due_on"]) if p["next_due_on"] else None
        p["last_visit_on"] = dt.date.fromisoformat(p["last_visit_on"]) if p["last_visit_on"] else None
        p["light"] = light(p["next_due_on"], day)
    for r in row["rounds"]:
        r["visited_at"] = dt.datetime.fromisoformat(r["visited_at"])
    return {"day": day, "people": people, "counts": row["counts"], "rounds": row["rounds"],
            "campaigns": row["campaigns"]}


def active_campaigns(conn, day: dt.date) -> list[dict]:
    return conn.execute(
        f"""select id, name, items, starts_on, ends_on from public.campaign c
            where %s between starts_on and ends_on and {_OPEN_HERE} order by starts_on, id""", (day,)).fetchall()


def campaign_counts(user: Identity, campaign_id: int) -> dict:
    """A campaign's rounds and its findings per checklist item and outcome, within the user's territory."""
    with user.session() as conn:
        rounds = conn.execute("select count(*) as n from public.visit where campaign_id = %s",
                              (campaign_id,)).fetchone()["n"]
        items = conn.execute(
            """select coalesce(f.campaign_item, '') as item,
                      count(*) filter (where f.outcome = 'on_spot') as on_spot,
                      count(*) filter (where f.outcome <> 'on_spot') as reported
               from public.finding f join public.visit v on v.id = f.visit_id
               where v.campaign_id = %s group by 1 order by 1""", (campaign_id,)).fetchall()
    return {"rounds": rounds, "items": items}


def summary(user: Identity, start: dt.date, end: dt.date, level: str = "grid") -> list[dict]:
    """Per grid, community or street of the user's territory and per day from `start` to `end`:
    visits made, patrol and campaign rounds, findings solved on the spot and reported; with the
    people due or overdue today per unit (a snapshot: due dates move with each visit)."""
    if level not in LEVELS:
        raise ValueError(level)
    key = {"grid": "grid_id", "community": "community_id", "street": "street_id"}[level]
    with user.session() as conn:
        return conn.execute(
            f"""with v as (
                  select v.{key} as unit_id, v.visited_on as day,
                         count(*) filter (where v.kind = 'visit') as visits,
                         count(*) filter (where v.kind <> 'visit') as rounds
                  from public.visit v where v.visited_on between %(start)s and %(end)s and v.{key} is not null
                  group by 1, 2),
                f as (
                  select v.{key} as unit_id, v.visited_on as day,
                         count(*) filter (where f.outcome = 'on_spot') as on_spot,
                         count(*) filter (where f.outcome <> 'on_spot') as reported
                  from public.finding f join public.visit v on v.id = f.visit_id
                  where v.visited_on between %(start)s and %(end)s and v.{key} is not null group by 1, 2),
                d as (
                  select p.{key} as unit_id, count(*) as due_now
                  from public.care_person p where p.active and p.next_due_on <= %(today)s and p.{key} is not null
                  group by 1)
                select o.name as unit, coalesce(v.day, f.day) as day, coalesce(v.visits, 0) as visits,
                       coalesce(v.rounds, 0) as rounds, coalesce(f.on_spot, 0) as on_spot,
                       coalesce(f.reported, 0) as reported, coalesce(d.due_now, 0) as due_now
                from v full join f on f.unit_id = v.unit_id and f.day = v.day
                join public.org_unit o on o.id = coalesce(v.unit_id, f.unit_id)
                left join d on d.unit_id = o.id
                order by 2 desc, o.terr""",
            {"start": start, "end": end, "today": clock.today()}).fetchall()


def totals(conn, start: dt.date, end: dt.date) -> dict:
    """Visits, rounds and findings (on the spot / reported) of the period, for the weekly feedback
    and the monthly bulletin; `conn` acts for the reader."""
    return conn.execute(
        """select (select count(*) from public.visit where kind = 'visit' and visited_on between %(s)s and %(e)s) as visits,
                  (select count(*) from public.visit where kind <> 'visit' and visited_on between %(s)s and %(e)s) as rounds,
                  (select count(*) from public.finding f join public.visit v on v.id = f.visit_id
                    where f.outcome = 'on_spot' and v.visited_on between %(s)s and %(e)s) as on_spot,
                  (select count(*) from public.finding f join public.visit v on v.id = f.visit_id
                    where f.outcome <> 'on_spot' and v.visited_on between %(s)s and %(e)s) as reported""",
        {"s": start, "e": end}).fetchone()


def per_grid(conn, start: dt.date, end: dt.date) -> list[dict]:
    """Per grid of the reader's territory, over `start`..`end`: visits, rounds, findings solved on
    the spot and reported (the weekly feedback's 网格巡访 sheet); `conn` acts for the reader."""
    return conn.execute(
        """select o.name, count(distinct v.id) filter (where v.kind = 'visit') as visits,
                  count(distinct v.id) filter (where v.kind <> 'visit') as rounds,
                  count(f.id) filter (where f.outcome = 'on_spot') as on_spot,
                  count(f.id) filter (where f.outcome <> 'on_spot') as reported
           from public.visit v join public.org_unit o on o.id = v.grid_id
           left join public.finding f on f.visit_id = v.id
           where v.visited_on between %s and %s group by o.id order by o.terr""", (start, end)).fetchall()


def ledger(user: Identity, page_no: int = 0, size: int = 50) -> tuple[list[dict], int]:
    """A page of the people to look after, as the database shows them (name and address in full only
    to the owning grid and the district; phone and ID number masked)."""
    with user.session() as conn:
        rows = conn.execute(
            """select p.id, p.person_name, p.home_address, p.phone, p.id_number, c.name_zh, c.name_en,
                      o.name as place, p.last_visit_on, p.next_due_on, p.active, p.personal_visible,
                      count(*) over () as total
               from public.care_person_row p join public.care_category c on c.id = p.category_id
               join public.org_unit o on o.id = p.org_unit_id
               order by p.terr, p.id limit %s offset %s""", (size, page_no * size)).fetchall()
    total = rows[0]["total"] if rows else 0
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], total


EXPORT_COLUMNS = ("place", "person_name", "category", "phone", "id_number", "last_visit_on", "next_due_on")


def export_csv(user: Identity, lang: str = i18n.DEFAULT) -> bytes:
    """The ledger as CSV (UTF-8 with BOM), masked exactly as the screen shows it: the phone and the ID
    number only ever as their masked copies — the full values exist only as ciphertext. The export
    is recorded in the security log (how many rows, never a value)."""
    out = io.StringIO()
    writer = cells.csv_writer(out)
    writer.writerow([i18n.t(f"fieldwork.column.{c}", lang) for c in EXPORT_COLUMNS])
    page_no, written = 0, 0
    with user.one_transaction(), user.session() as conn:
        while True:
            rows, total = ledger(user, page_no, 500)
            for r in rows:
                writer.writerow([r["place"], r["person_name"], r["name_zh"] if lang == "zh" else r["name_en"],
                                 r["phone"], r["id_number"], r["last_visit_on"], r["next_due_on"]])
            written += len(rows)
            page_no += 1
            if page_no * 500 >= total:
                break
        security_log.append(conn, "export", object="care_person", details={"rows": written, "format": "csv"})
    return ("\ufeff" + out.getvalue()).encode("utf-8")

"""The sections of the public 晒 board, declared once, each one function returning aggregates.

A section's `compute(conn, tree)` runs as the owner inside the publishing job's read-only
transaction and returns one `Block` per published unit (district, streets, communities) it has
something to say about: figures, an optional table and an optional chart. It must read aggregates
only — grouped SQL, a bounded list at most — and nothing that names a resident: no names, phones,
ID numbers or addresses. Text that staff typed and that is published (a project's name, a unit's
name) goes through `public_text`.

Another module adds its section with `register(Section("<key>", compute, requires="<table>"))` and
the labels `publish.section.<key>`, `publish.figure.<…>`, `publish.col.<…>` in its catalogue file;
the board shows it on every page where it returns a block, and skips it where the table does not
exist. Other modules: `residents.py` (民情意见箱 counts, 五议 results, 书记项目) and `photos.py`
(the before/after photos staff marked 可公开, as galleries whose bytes `site.py` copies).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from gongzhi import territory
from gongzhi.notify.message import scrub

TREND_MONTHS = 12
LIST_LIMIT = 50
PUBLISHED_KINDS = ("district", "street", "community")


@dataclass(frozen=True)
class Unit:
    id: int
    kind: str
    name: str
    code: str
    terr: int
    parent_id: int | None


@dataclass
class Tree:
    """The published units, and where a territory code lands among them."""
    units: list[Unit]

    def __post_init__(self) -> None:
        self.by_terr = {(u.kind, u.terr): u for u in self.units}
        self.by_id = {u.id: u for u in self.units}

    @property
    def district(self) -> Unit:
        return next(u for u in self.units if u.kind == "district")

    def children(self, unit: Unit) -> list[Unit]:
        return [u for u in self.units if u.parent_id == unit.id]

    def path(self, unit: Unit) -> list[Unit]:
        out = [unit]
        while out[0].parent_id is not None:
            out.insert(0, self.by_id[out[0].parent_id])
        return out

    def units_of(self, terr: int) -> list[Unit]:
        """The published units a row at `terr` counts in: the district, its street, its community."""
        found = [self.district]
        for kind in ("street", "community"):
            code = territory.unit(terr, kind)
            unit = self.by_terr.get((kind, code))
            if unit is not None and unit not in found:
                found.append(unit)
        return found


@dataclass
class Table:
    columns: list[str]                  # keys: label publish.col.<key>
    rows: list[list] = field(default_factory=list)
    labels: dict[str, str] | None = None   # column -> i18n key prefix for coded values (kind → label)


@dataclass
class Chart:
    kind: str                           # bar | line
    x: str                              # the column of the table along the x axis
    measures: list[str]                 # columns drawn, one colour each
    table: Table


@dataclass
class Block:
    figures: dict[str, float | int | None] = field(default_factory=dict)   # key: label publish.figure.<key>
    percent: tuple[str, ...] = ()       # which figures are percentages
    tables: dict[str, Table] = field(default_factory=dict)                 # name: label publish.table.<name>
    charts: dict[str, Chart] = field(default_factory=dict)                 # name: label publish.chart.<name>
    galleries: dict[str, list] = field(default_factory=dict)   # name: label publish.gallery.<name>; photos.GalleryItem


@dataclass(frozen=True)
class Section:
    key: str                            # label publish.section.<key>
    compute: Callable[[object, Tree], dict[int, Block]]
    requires: str = ""                  # a table in public the section reads; skipped where it is absent


_REGISTRY: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Adds a section to the board, after those registered before it."""
    _REGISTRY[section.key] = section
    return section


# Modules whose sections join the board; each registers its own on import.
PLUGINS: tuple[str, ...] = ("gongzhi.publish.residents", "gongzhi.publish.photos")


def all_sections() -> list[Section]:
    for module in PLUGINS:
        importlib.import_module(module)
    return list(_REGISTRY.values())


def public_text(text: str | None) -> str:
    """Staff-typed text as the board may publish it: phones, ID numbers, long digit runs and e-mail
    addresses hidden (the same rule as the robots' messages)."""
    return scrub(text or "").strip()


def rate(part, whole) -> float | None:
    return round(100.0 * float(part or 0) / float(whole), 1) if whole else None


def _add(target: dict, values: dict) -> None:
    for k, v in values.items():
        target[k] = target.get(k, 0) + (v or 0)


def rolled_up(tree: Tree, rows, key: str = "terr") -> dict[int, dict]:
    """Sums of each row's numbers into every published unit its `terr` lies in: unit id -> sums."""
    out: dict[int, dict] = {}
    for r in rows:
        values = {k: v if isinstance(v, int) else float(v) for k, v in r.items()
                  if k != key and v is not None and not isinstance(v, str)}
        for unit in tree.units_of(r[key]):
            _add(out.setdefault(unit.id, {}), values)
    return out


def by_unit(tree: Tree, rows) -> dict[int, list]:
    """Each row under every published unit its `terr` lies in, in the rows' order: unit id -> rows."""
    out: dict[int, list] = {}
    for r in rows:
        for unit in tree.units_of(r["terr"]):
            out.setdefault(unit.id, []).append(r)
    return out


def child_table(tree: Tree, unit: Unit, sums: dict[int, dict], columns: list[str],
                derive: Callable[[dict], dict] | None = None) -> Table:
    """A row per child of `unit` (streets of the district, communities of a street) with `columns`."""
    table = Table(["unit", *columns])
    for child in tree.children(unit):
        values = dict(sums.get(child.id, {}))
        if derive:
            values |= derive(values)
        table.rows.append([child.name, *[values.get(c, 0) for c in columns]])
    return table


# ---------------------------------------------------------------- 需求清单: demands received and resolved
def _demands(conn, tree: Tree) -> dict[int, Block]:
    totals = rolled_up(tree, conn.execute(f"""
        select {territory.sql_unit('terr', 'community')} as terr,
               sum(created_n) filter (where day <> 'infinity') as received,
               sum(done_n) filter (where day <> 'infinity') as resolved,
               sum(open_n) filter (where day = 'infinity') as open
        from public.demand_tally group by 1"""))
    months = conn.execute(f"""
        select {territory.sql_unit('terr', 'community')} as terr, to_char(date_trunc('month', day), 'YYYY-MM') as month,
               sum(created_n) as received, sum(done_n) as resolved
        from public.demand_tally
        where day <> 'infinity' and day >= (date_trunc('month', now() at time zone 'Asia/Shanghai')
                                            - interval '{TREND_MONTHS - 1} months')::date
        group by 1, 2""").fetchall()
    trend: dict[int, dict[str, dict]] = {}
    for r in months:
        for unit in tree.units_of(r["terr"]):
            _add(trend.setdefault(unit.id, {}).setdefault(r["month"], {}),
                 {"received": r["received"] or 0, "resolved": r["resolved"] or 0})
    blocks = {}
    for unit in tree.units:
        t = totals.get(unit.id, {})
        block = Block(figures={"demands_received": int(t.get("received", 0)),
                               "demands_resolved": int(t.get("resolved", 0)),
                               "demands_open": int(t.get("open", 0)),
                               "resolution_rate": rate(t.get("resolved"), t.get("received"))},
                      percent=("resolution_rate",))
        if tree.children(unit):
            table = child_table(tree, unit, totals, ["received", "resolved", "resolution_rate"],
                                lambda v: {"received": int(v.get("received", 0)), "resolved": int(v.get("resolved", 0)),
                                           "resolution_rate": rate(v.get("resolved"), v.get("received"))})
            block.tables["demands_by_unit"] = table
            block.charts["demands_by_unit"] = Chart("bar", "unit", ["received", "resolved"], table)
        by_month = trend.get(unit.id, {})
        if by_month:
            table = Table(["month", "received", "resolved"],
                          [[m, int(v["received"]), int(v["resolved"])] for m, v in sorted(by_month.items())])
            block.charts["demands_trend"] = Chart("line", "month", ["received", "resolved"], table)
        blocks[unit.id] = block
    return blocks


# ---------------------------------------------------------------- 项目清单: projects completed
def _projects(conn, tree: Tree) -> dict[int, Block]:
    counts = rolled_up(tree, conn.execute("""
        select terr, count(*) filter (where status = 'done') as done,
               count(*) filter (where status = 'in_progress') as in_progress,
               coalesce(sum(beneficiaries) filter (where status = 'done'), 0) as beneficiaries
        from public.project group by terr"""))
    listed = conn.execute(f"""
        select * from (
          select p.terr, p.name, p.kind, o.name as place, coalesce(p.end_date, p.updated_at::date) as finished,
                 p.beneficiaries,
                 row_number() over (partition by {territory.sql_unit('p.terr', 'community')}
                                    order by coalesce(p.end_date, p.updated_at::date) desc, p.id desc) as n
          from public.project p join public.org_unit o on o.id = p.org_unit_id
          where p.status = 'done') x
        where n <= {LIST_LIMIT}""").fetchall()
    lists = by_unit(tree, listed)
    blocks = {}
    for unit in tree.units:
        c = counts.get(unit.id, {})
        block = Block(figures={"projects_done": int(c.get("done", 0)), "projects_in_progress": int(c.get("in_progress", 0)),
                               "project_beneficiaries": int(c.get("beneficiaries", 0))})
        rows = sorted(lists.get(unit.id, []), key=lambda r: (r["finished"], r["name"]), reverse=True)[:LIST_LIMIT]
        if rows:
            block.tables["projects_done"] = Table(
                ["project", "project_kind", "place", "finished", "beneficiaries"],
                [[public_text(r["name"]), r["kind"], r["place"], r["finished"].isoformat(), r["beneficiaries"]]
                 for r in rows], labels={"project_kind": "project_kind"})
        blocks[unit.id] = block
    return blocks


# ---------------------------------------------------------------- 吹哨报到: the three rates
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


def _three_rates(v: dict) -> dict:
    """响应率 / 解决率 / 满意率 as the supervision board's ranking computes them (gongzhi.whistle.queries.rates)."""
    return {"response_rate": rate(v.get("responded"), v.get("events")),
            "resolution_rate": rate(v.get("resolved"), v.get("events")),
            "satisfaction_rate": rate(v.get("satisfied"), v.get("scored"))}


def _whistle(conn, tree: Tree) -> dict[int, Block]:
    # responded: no summons late (reported after its deadline, or unreported past it); resolved: closed
    # without a reopening; satisfied: a score of 4 or 5 among the scored.
    sums = rolled_up(tree, conn.execute(f"""
        select {territory.sql_unit('e.terr', 'community')} as terr, count(*) as events,
               count(*) filter (where coalesce(x.late, 0) = 0) as responded,
               count(*) filter (where e.closed_at is not null and e.reopen_count = 0) as resolved,
               count(e.closed_at) as closed, count(e.satisfaction) as scored,
               count(*) filter (where e.satisfaction >= 4) as satisfied
        from public.event e
        left join (select ed.event_id, count(*) as late from public.event_department ed
                   where ed.reported_at > ed.report_deadline or (ed.reported_at is null and ed.report_deadline < now())
                   group by ed.event_id) x on x.event_id = e.id
        group by 1"""))
    departments = conn.execute("""
        select d.name_zh, d.name_en, count(*) as events,
               count(*) filter (where ed.reported_at <= ed.report_deadline) as responded,
               count(*) filter (where e.closed_at is not null and ed.not_fixed = 0) as resolved,
               count(e.satisfaction) as scored, count(*) filter (where e.satisfaction >= 4) as satisfied
        from public.event_department ed join public.event e on e.id = ed.event_id
        join public.department d on d.id = ed.department_id
        group by d.id order by d.position, d.id""").fetchall()
    blocks = {}
    for unit in tree.units:
        s = sums.get(unit.id, {})
        block = Block(figures={"events_whistled": int(s.get("events", 0)), "events_closed": int(s.get("closed", 0)),
                               **_three_rates(s)}, percent=RATES)
        if tree.children(unit):
            table = child_table(tree, unit, sums, ["events", *RATES],
                                lambda v: {"events": int(v.get("events", 0)), **_three_rates(v)})
            block.tables["rates_by_unit"] = table
            block.charts["rates_by_unit"] = Chart("bar", "unit", list(RATES), table)
        if unit.kind == "district" and departments:
            table = Table(["department", "events", *RATES],
                          [[{"zh": d["name_zh"], "en": d["name_en"]}, d["events"], *_three_rates(d).values()]
                           for d in departments])
            block.tables["rates_by_department"] = table
        blocks[unit.id] = block
    return blocks


# ---------------------------------------------------------------- 双报到: volunteer units' hours
def _volunteers(conn, tree: Tree) -> dict[int, Block]:
    totals = rolled_up(tree, conn.execute("""
        select terr, coalesce(sum(hours), 0)::float as hours, count(*) as services
        from public.service_log where verified_at is not null group by terr"""))
    units = rolled_up(tree, conn.execute("select terr, count(*) as units from public.unit where active group by terr"))
    listed = conn.execute(f"""
        select * from (
          select u.terr, u.name, u.unit_type, x.hours, x.members,
                 row_number() over (partition by {territory.sql_unit('u.terr', 'community')} order by x.hours desc, u.id) as n
          from (select v.unit_id, sum(s.hours)::float as hours, count(distinct v.id) as members
                from public.service_log s join public.volunteer v on v.id = s.volunteer_id
                where s.verified_at is not null and v.unit_id is not null group by v.unit_id) x
          join public.unit u on u.id = x.unit_id) y
        where n <= {LIST_LIMIT}""").fetchall()
    lists = by_unit(tree, listed)
    blocks = {}
    for unit in tree.units:
        t = totals.get(unit.id, {})
        block = Block(figures={"volunteer_hours": round(float(t.get("hours", 0)), 1),
                               "volunteer_services": int(t.get("services", 0)),
                               "units_registered": int(units.get(unit.id, {}).get("units", 0))})
        rows = sorted(lists.get(unit.id, []), key=lambda r: (-r["hours"], r["name"]))[:LIST_LIMIT]
        if rows:
            table = Table(["volunteer_unit", "unit_type", "hours", "members"],
                          [[public_text(r["name"]), r["unit_type"], round(r["hours"], 1), r["members"]] for r in rows],
                          labels={"unit_type": "volunteers.unit_type"})
            block.tables["unit_hours"] = table
            block.charts["unit_hours"] = Chart("bar", "volunteer_unit", ["hours"], Table(table.columns, rows=table.rows[:15]))
        blocks[unit.id] = block
    return blocks


DEMANDS = register(Section("demands", _demands, requires="demand_tally"))
PROJECTS = register(Section("projects", _projects, requires="project"))
WHISTLE = register(Section("whistle", _whistle, requires="event"))
VOLUNTEERS = register(Section("volunteers", _volunteers, requires="service_log"))

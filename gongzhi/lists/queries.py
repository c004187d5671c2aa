"""Named reads of the three lists: filtered, sorted and paginated in SQL, under row-level security.

`ListFilters` is what a list page (and an export) filters by; `list_page` returns one page with the
total count (exact, the planner's estimate for very wide filters, or for a keyword search a count
capped at SEARCH_COUNT_CAP, "1,000+"); a keyword search of demands finds its newest matches through
`private.demand_search` (an index of two-character pieces, a walk of `created_at` or the territory,
whichever costs least), so it costs about a page at any size; `export_rows` streams every
matching row; `get`, `history` and `links` feed the detail view. Demands are read through
`public.demand_row`, which masks the beneficiary's name and phone in the database for callers who
may not see them, so every query here shows personal data exactly as the database allows.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from psycopg import sql

from gongzhi.auth import Identity
from gongzhi import security_log, statuses, todo
from gongzhi.errors import DomainError
from gongzhi.lists.fields import PROJECT_KINDS, RESOURCE_KINDS, URGENCY, fields
from gongzhi.personal import crypto, store
from gongzhi.personal.crypto import blind_index

LISTS = ("demand", "resource", "project")
PER_PAGE = 50
EXACT_COUNT_LIMIT = 100_000   # above the planner's estimate of this, the count is shown as "约 N"
SEARCH_COUNT_CAP = 1_000      # a keyword search counts its matches up to this, then shows "1,000+"
STATUSES = {name: statuses.SHOWN[name] for name in LISTS}
DERIVED = statuses.DERIVED


@dataclass(frozen=True)
class _Spec:
    table: str            # the table filtered and paged
    source: str           # the relation rows are read from (a masking view for demands)
    text: str             # the searchable text, on alias d
    date_column: str      # what the date range filters
    sorts: tuple[str, ...]
    columns: tuple[str, ...]   # columns of a page, besides the display names
    kinds: tuple[str, ...] = ()


SPECS = {
    "demand": _Spec(
        "demand", "demand_row", "d.title || ' ' || d.description", "created_at",
        ("created_at", "needed_by", "id", "title"),
        ("id", "title", "urgency", "status", "quantity", "needed_by", "beneficiary_name",
         "beneficiary_phone", "address", "created_at")),
    "resource": _Spec(
        "resource", "resource", "d.name || ' ' || d.provider || ' ' || d.description", "created_at",
        ("created_at", "name", "capacity", "id"),
        ("id", "name", "kind", "provider", "provider_kind", "capacity", "allocated", "status",
         "available_to", "created_at"), RESOURCE_KINDS),
    "project": _Spec(
        "project", "project", "d.name || ' ' || d.description", "start_date",
        ("created_at", "start_date", "name", "budget", "progress", "id"),
        ("id", "name", "kind", "status", "progress", "budget", "spent", "beneficiaries", "start_date",
         "end_date", "created_at"), PROJECT_KINDS),
}


def _tuple(value) -> tuple:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class ListFilters:
    """What a list is filtered by. Empty values filter nothing.

    org_unit_id: a unit of the user's territory (rows in its subtree); category_id; status and
    urgency: one value or several; kind: resource or project kind; date_from/date_to: inclusive
    dates of creation (projects: of their start); keyword: words in title/name and description;
    todo: the key of a home card whose rows the list shows.
    """
    org_unit_id: int | None = None
    category_id: int | None = None
    status: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    keyword: str = ""
    todo: str | None = None   # a 待办 card of the home (gongzhi.todo): the rows that need the user
    now: dt.datetime | None = None   # the clock a card's predicate reads (now when None)

    def __post_init__(self):
        object.__setattr__(self, "status", _tuple(self.status))
        object.__setattr__(self, "urgency", _tuple(self.urgency))
        object.__setattr__(self, "keyword", (self.keyword or "").strip())


@dataclass(frozen=True)
class ListPage:
    rows: list[dict]
    total: int
    estimated: bool       # total is the planner's estimate ("约 N")
    page: int
    per_page: int
    sort: str
    descending: bool
    capped: bool = False  # a keyword search found more than `total` (SEARCH_COUNT_CAP) rows: "1,000+"
    more: bool = False    # rows follow this page (known without counting them)

    @property
    def pages(self) -> int:
        """The pages the count covers; a capped search goes on past them while `more` says so."""
        counted = max(1, math.ceil(self.total / self.per_page))
        if not self.capped:
            return counted
        return max(counted, self.page + (1 if self.more else 0))


@dataclass
class _Where:
    parts: list = field(default_factory=list)
    params: dict = field(default_factory=dict)

    def add(self, clause: str, **params) -> None:
        self.parts.append(sql.SQL(clause))
        self.params.update(params)

    def composed(self) -> sql.Composable:
        return sql.SQL(" and ").join(self.parts) if self.parts else sql.SQL("true")


def spec(list_name: str) -> _Spec:
    if list_name not in SPECS:
        raise DomainError("lists.bad_filter")
    return SPECS[list_name]


def like_pattern(keyword: str) -> str:
    """An ILIKE pattern that finds `keyword` literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", keyword) + "%"


def where(conn, list_name: str, f: ListFilters) -> _Where:
    """The filter clauses over the list's table aliased `d`; refuses values a page cannot offer (a
    crafted filter). The 对接会 filters its open demands with them too."""
    s = spec(list_name)
    w = _Where()
    if f.org_unit_id is not None:
        unit = conn.execute("select terr, terr_hi from public.org_unit where id = %s", (f.org_unit_id,)).fetchone()
        if unit is None:
            raise DomainError("lists.bad_filter")
        w.add("d.terr between %(terr_lo)s and %(terr_hi)s", terr_lo=unit["terr"], terr_hi=unit["terr_hi"])
    if f.category_id is not None:
        if list_name == "project":
            raise DomainError("lists.bad_filter")
        w.add("d.category_id = %(category_id)s", category_id=int(f.category_id))
    if f.status:
        if not set(f.status) <= set(STATUSES[list_name]):
            raise DomainError("lists.bad_filter")
        clause, params = _status_clause(list_name, f.status)
        w.add(clause, **params)
    if f.urgency:
        if list_name != "demand" or not set(f.urgency) <= set(URGENCY):
            raise DomainError("lists.bad_filter")
        w.add("d.urgency = any(%(urgency)s)", urgency=list(f.urgency))
    if f.kind:
        if f.kind not in s.kinds:
            raise DomainError("lists.bad_filter")
        w.add("d.kind = %(kind)s", kind=f.kind)
    if f.date_from:
        w.add(f"d.{s.date_column} >= %(date_from)s", date_from=f.date_from)
    if f.date_to:
        w.add(f"d.{s.date_column} < %(date_to)s", date_to=f.date_to + dt.timedelta(days=1))
    if f.keyword:
        if len(f.keyword) > 100:
            raise DomainError("lists.keyword_too_long")
        # ILIKE alone: under row-level security no index can serve a keyword (ILIKE and `@>` are not
        # leakproof). list_page narrows a demand search first through private.demand_search.
        w.add(f"({s.text}) ilike %(like)s", like=like_pattern(f.keyword))
    if f.todo:
        w.add(todo.predicate(f.todo, s.table), **todo.params(f.now or dt.datetime.now(dt.timezone.utc)))
    return w


def _status_clause(list_name: str, wanted: tuple[str, ...]) -> tuple[str, dict]:
    """The filter on stored statuses; a demand filter naming new or matched but not both also
    reads the new demands' status as staff see it (private.demand_status, its one definition)."""
    stored = sorted({DERIVED.get(list_name, {}).get(s, s) for s in wanted})
    clause = "d.status = any(%(status)s)"
    if list_name == "demand" and ("new" in wanted) != ("matched" in wanted):
        clause += " and (d.status <> 'new' or private.demand_status(d.id, d.status) = any(%(shown)s))"
    return clause, {"status": stored, "shown": list(wanted)}


def count(conn, list_name: str, filters: ListFilters) -> tuple[int, bool]:
    """How many rows of `list_name` match `filters` on an open connection, as a list page says it:
    (n, estimated)."""
    return _count(conn, list_name, where(conn, list_name, filters), filters)


def _count(conn, list_name: str, w: _Where, f: ListFilters) -> tuple[int, bool]:
    """The number of matching rows. Demands filtered by territory alone: exact, from the tally kept
    by triggers (public.demand_count_tally, under the same policies); otherwise exact when the
    planner expects few, else its estimate."""
    if list_name == "demand" and f == ListFilters(org_unit_id=f.org_unit_id, now=f.now):
        n = conn.execute(sql.SQL("select coalesce(sum(d.n), 0)::bigint as n from public.demand_count_tally d where {}")
                         .format(w.composed()), w.params).fetchone()["n"]
        return n, False
    base = sql.SQL("select 1 from public.{} d where {}").format(sql.Identifier(spec(list_name).table), w.composed())
    plan = conn.execute(sql.SQL("explain (format json) ") + base, w.params).fetchone()
    estimate = int(next(iter(plan.values()))[0]["Plan"]["Plan Rows"])
    if estimate > EXACT_COUNT_LIMIT:
        return estimate, True
    exact = conn.execute(sql.SQL("select count(*) as n from ({}) x").format(base), w.params).fetchone()["n"]
    return exact, False


def _capped_count(conn, list_name: str, w: _Where, cap: int = None) -> tuple[int, bool]:
    """How many rows match, counted up to `cap` (SEARCH_COUNT_CAP): (n, capped). Reads at most cap + 1
    matches, so a common word costs the same in a district of 100k demands or of 3M."""
    cap = SEARCH_COUNT_CAP if cap is None else cap
    n = conn.execute(sql.SQL("select count(*) as n from (select 1 from public.{} d where {} limit %(cap)s) x")
                     .format(sql.Identifier(spec(list_name).table), w.composed()),
                     {**w.params, "cap": cap + 1}).fetchone()["n"]
    return (cap, True) if n > cap else (n, False)


def keyword_ids(conn, keyword: str, limit: int, newest_first: bool = True) -> list[int]:
    """The ids of `limit` demands the caller may read whose title or description holds `keyword` (as
    the ILIKE of `where`): the newest, newest first, or with `newest_first` false any (for a count);
    all of them when fewer match."""
    return [r["id"] for r in conn.execute(
        "select s.id from private.demand_search(%s, %s, %s) with ordinality as s(id, n) order by s.n",
        (keyword, limit, newest_first)).fetchall()]


def _keyword_only(list_name: str, f: ListFilters, sort: str, descending: bool) -> bool:
    """A demand search by keyword alone in the default order: its page is a slice of keyword_ids."""
    return (list_name == "demand" and bool(f.keyword) and sort == "created_at" and descending
            and f == ListFilters(keyword=f.keyword, now=f.now))


def _keyword_page(conn, f: ListFilters, page: int, per_page: int, lang: str) -> ListPage:
    """A page of a demand search by keyword alone: its matches counted up to the cap in any order, the
    newest up to the page's end (one past it, to know whether more follow), and the page's rows read
    by id under row-level security. Each look-up reads about what it returns, not the territory."""
    cap = SEARCH_COUNT_CAP
    found = len(keyword_ids(conn, f.keyword, cap + 1, newest_first=False))
    total, capped = (cap, True) if found > cap else (found, False)
    if not capped:
        page = min(page, max(1, math.ceil(total / per_page)))
    offset = (page - 1) * per_page
    ids = keyword_ids(conn, f.keyword, offset + per_page + 1)
    if len(ids) <= offset and page > 1:  # a capped search paged past its last row: show the last counted page
        return _keyword_page(conn, f, math.ceil(total / per_page), per_page, lang)
    rows = conn.execute(sql.SQL("""
        select {columns} from unnest(%(ids)s::bigint[]) with ordinality as p(id, n)
        join public.demand_row v on v.id = p.id {joins} order by p.n
    """).format(columns=_select_columns("demand", lang), joins=_joins("demand")),
        {"ids": ids[offset:offset + per_page]}).fetchall()
    return ListPage(rows=rows, total=total, estimated=False, page=page, per_page=per_page, sort="created_at",
                    descending=True, capped=capped, more=len(ids) > offset + per_page)


def _select_columns(list_name: str, lang: str) -> sql.Composable:
    s = spec(list_name)
    cols = [sql.SQL("v.{}").format(sql.Identifier(c)) for c in s.columns if c not in ("id",)]
    names = [sql.SQL("v.id"), sql.SQL("o.name as org_unit"), *cols]
    if list_name != "project":
        names.append(sql.SQL("c.name_en as category") if lang == "en" else sql.SQL("c.name_zh as category"))
    return sql.SQL(", ").join(names)


def _joins(list_name: str) -> sql.Composable:
    out = "join public.org_unit o on o.id = v.org_unit_id"
    if list_name != "project":
        out += " join public.category c on c.id = v.category_id"
    return sql.SQL(out)


def list_page(user: Identity, list_name: str, filters: ListFilters, page: int = 1, per_page: int = PER_PAGE,
              sort: str = "created_at", descending: bool = True, lang: str = "zh") -> ListPage:
    """One page of `list_name` as `user` sees it, with the total; sorted and paginated in SQL."""
    s = spec(list_name)
    if sort not in s.sorts or not 1 <= per_page <= 500:
        raise DomainError("lists.bad_filter")
    direction = sql.SQL("desc" if descending else "asc")  # the btree order, so an index can serve it
    # A keyword search counts its matches only up to SEARCH_COUNT_CAP and reads one row past the page
    # to know whether more follow, so a page costs O(page), not O(matches); other filters count apart
    # (exact or the planner's estimate), so that the page can walk an index and stop after 50 rows.
    searching = bool(filters.keyword)
    page = max(1, int(page))
    capped = more = False
    with user.session() as conn:
        w = where(conn, list_name, filters)
        if searching and _keyword_only(list_name, filters, sort, descending):
            return _keyword_page(conn, filters, page, per_page, lang)
        if searching and list_name == "demand":
            # With other filters or another order: a rare word's matches are few and all known, so
            # the filters and the sort read only them; a common word reads the territory as before.
            matches = keyword_ids(conn, filters.keyword, SEARCH_COUNT_CAP + 1, newest_first=False)
            if len(matches) <= SEARCH_COUNT_CAP:
                w.add("d.id = any(%(keyword_ids)s)", keyword_ids=matches)
        if searching:
            total, capped = _capped_count(conn, list_name, w)
            estimated = False
            if not capped:
                page = min(page, max(1, math.ceil(total / per_page)))
        else:
            total, estimated = _count(conn, list_name, w, filters)
            page = min(page, max(1, math.ceil(total / per_page)))
        query = sql.SQL("""
            with page as (
              select d.id, row_number() over () as n from (
                select d.id from public.{table} d where {where}
                order by d.{sort} {dir}, d.id {dir} limit %(limit)s offset %(offset)s) d
            )
            select {columns} from page p join public.{source} v on v.id = p.id {joins}
            order by p.n
        """).format(table=sql.Identifier(s.table), where=w.composed(), sort=sql.Identifier(sort), dir=direction,
                    columns=_select_columns(list_name, lang), source=sql.Identifier(s.source),
                    joins=_joins(list_name))
        params = {**w.params, "limit": per_page + (1 if searching else 0), "offset": (page - 1) * per_page}
        if not searching and not estimated and _walks(conn, list_name, sort, total, page * per_page):
            with _without_sort(conn):
                rows = conn.execute(query, params).fetchall()
        else:
            rows = conn.execute(query, params).fetchall()
        if searching:
            more = len(rows) > per_page
            rows = rows[:per_page]
            if not rows and page > 1:  # a capped search paged past its last row: show the last counted page
                return list_page(user, list_name, filters, math.ceil(total / per_page), per_page, sort,
                                 descending, lang)
    return ListPage(rows=rows, total=total, estimated=estimated, page=page, per_page=per_page, sort=sort,
                    descending=descending, capped=capped, more=more)


def _walks(conn, list_name: str, sort: str, total: int, upto: int) -> bool:
    """Whether the newest `upto` of `total` demands are cheaper found by walking the created_at index
    (reading about upto × table / total rows) than by reading all `total` and sorting them. The
    planner cannot tell: under row-level security it sees the territory's bounds as unknown
    parameters and guesses 0.5 % of the table, so at a million demands it sorts a street's 250,000."""
    if list_name != "demand" or sort != "created_at" or total == 0:
        return False
    table = conn.execute("select greatest(reltuples, 0)::bigint as n from pg_catalog.pg_class"
                         " where oid = 'public.demand'::regclass").fetchone()["n"]
    return total * total > upto * table


@contextmanager
def _without_sort(conn):
    """One statement planned without an explicit sort (the walk of an index in its order)."""
    conn.execute("select set_config('enable_sort', 'off', true)")
    try:
        yield
    finally:
        conn.execute("select set_config('enable_sort', 'on', true)")


def export_columns(list_name: str) -> list[str]:
    """The keys of an exported row: id, the list's fields, status and created_at."""
    return ["id", *(f.name for f in fields(list_name)), "status", "created_at"]


def export_rows(user: Identity, list_name: str, filters: ListFilters, lang: str = "zh") -> Iterator[dict]:
    """Every row matching `filters`, streamed from a server-side cursor, newest first.

    Keys are `export_columns(list_name)`; `category_id` and `org_unit_id` carry display names,
    choices and statuses their codes, personal data is masked exactly as on the page.
    """
    s = spec(list_name)
    names, sealed = [], []
    for col in export_columns(list_name):
        if col == "category_id":
            names.append(sql.SQL("c.name_en" if lang == "en" else "c.name_zh") + sql.SQL(" as category_id"))
        elif col == "org_unit_id":
            names.append(sql.SQL("o.name as org_unit_id"))
        elif store.field(s.table, col) is not None:
            names.extend(_export_sealed(list_name, col))
            sealed.append(store.field(s.table, col))
        else:
            names.append(sql.SQL("v.{}").format(sql.Identifier(col)))
    with user.session() as conn:
        w = where(conn, list_name, filters)
        query = sql.SQL("select {cols} from public.{source} v {joins} where v.id in "
                        "(select d.id from public.{table} d where {where}) order by v.created_at desc, v.id desc"
                        ).format(cols=sql.SQL(", ").join(names), source=sql.Identifier(s.source),
                                 joins=_joins(list_name), table=sql.Identifier(s.table), where=w.composed())
        rows = 0
        ring = crypto.ring() if sealed else None   # once per export: finding the keyring costs more than a decryption
        with conn.cursor(name=f"export_{list_name}") as cur:
            cur.itersize = 2000
            cur.execute(query, w.params)
            for row in cur:
                rows += 1
                for f in sealed:  # in full where the exporter may read it, else the masked copy
                    cipher = row.pop(f"{f.column}__enc")
                    if cipher is not None:
                        row[f.column] = crypto.decrypt(f.kind, cipher, ring)
                yield row
        security_log.append(conn, "export", object=list_name,
                            details={"list": list_name, "filters": logged_filters(filters), "rows": rows})


def _export_sealed(list_name: str, column: str) -> list[sql.Composable]:
    """An encrypted field in an export: its masked copy, and its ciphertext where the exporter may
    read it in full (a demand's beneficiary: the owning grid and the district, as on the page)."""
    if list_name == "demand":
        cipher = sql.SQL("case when v.personal_visible then private.beneficiary_phone_cipher(v.id) end")
        shown = sql.SQL("v.{}").format(sql.Identifier(column))
    else:
        cipher = sql.SQL("v.{}").format(sql.Identifier(f"{column}_enc"))
        shown = sql.SQL("v.{}").format(sql.Identifier(f"{column}_masked"))
    return [sql.SQL("{} as {}").format(shown, sql.Identifier(column)),
            sql.SQL("{} as {}").format(cipher, sql.Identifier(f"{column}__enc"))]


def logged_filters(f: ListFilters) -> dict:
    """The filters of an export as the security log keeps them: the keyword only as "given" (it may
    be a resident's name), everything else as chosen; empty filters left out."""
    out = {"org_unit_id": f.org_unit_id, "category_id": f.category_id, "status": list(f.status),
           "urgency": list(f.urgency), "kind": f.kind,
           "date_from": f.date_from.isoformat() if f.date_from else None,
           "date_to": f.date_to.isoformat() if f.date_to else None, "keyword": bool(f.keyword) or None, "todo": f.todo}
    return {k: v for k, v in out.items() if v not in (None, [], "")}


# ---------------------------------------------------------------- choices for the filters and forms
def territory_options(user: Identity) -> list[dict]:
    """The street, community and grid units of the user's own subtree, in tree order."""
    with user.session() as conn:
        return conn.execute(
            """select id, name, kind from public.org_unit
               where kind in ('district', 'street', 'community', 'grid')
                 and terr between coalesce((select private.terr_lo()), 1) and coalesce((select private.terr_hi()), 0)
               order by terr, kind <> 'district', kind <> 'street', kind <> 'community', id""").fetchall()


def categories(user: Identity, lang: str = "zh") -> list[dict]:
    with user.session() as conn:
        return conn.execute(
            f"select id, {'name_en' if lang == 'en' else 'name_zh'} as name from public.category order by position, id"
        ).fetchall()


def allowed_next(user: Identity, list_name: str, current: list[str] | tuple[str, ...]) -> list[str]:
    """Statuses every row in `current` may move to (public.status_transition), in list order."""
    current = sorted({DERIVED.get(list_name, {}).get(s, s) for s in current})
    if not current:
        return []
    with user.session() as conn:
        found = {r["to_status"] for r in conn.execute(
            """select to_status from public.status_transition
               where entity = %s and from_status = any(%s)
               group by to_status having count(distinct from_status) = %s""",
            (spec(list_name).table, current, len(current)))}
    return [s for s in STATUSES[list_name] if s in found]


# ---------------------------------------------------------------- the detail view
def get(user: Identity, list_name: str, row_id: int, lang: str = "zh") -> dict | None:
    """Every field of one row, with display names; None when the user cannot see it."""
    s = spec(list_name)
    extra = ", v.personal_visible" if list_name == "demand" else ""
    category = "" if list_name == "project" else \
        (", c.name_en as category" if lang == "en" else ", c.name_zh as category")
    with user.session() as conn:
        columns = [r["column_name"] for r in conn.execute(
            """select column_name from information_schema.columns
               where table_schema = 'public' and table_name = %s order by ordinal_position""", (s.source,))]
        wanted = [c for c in columns if c not in ("street_id", "community_id", "grid_id", "terr",
                                                 "beneficiary_name_masked", "beneficiary_phone_masked",
                                                 "personal_visible", "created_by")
                  and not c.endswith(("_enc", "_bidx"))]
        query = sql.SQL("select {cols}, o.name as org_unit {category}{extra}, st.display_name as created_by_name"
                        " from public.{source} v {joins}"
                        " left join public.staff st on st.user_id = v.created_by where v.id = %s").format(
            cols=sql.SQL(", ").join(_shown(c) for c in wanted),
            category=sql.SQL(category), extra=sql.SQL(extra), source=sql.Identifier(s.source),
            joins=_joins(list_name))
        return conn.execute(query, (row_id,)).fetchone()


def _shown(column: str) -> sql.Composable:
    """A column as the detail view shows it: an encrypted field's masked copy under the field's name."""
    if column.endswith("_masked"):
        return sql.SQL("v.{} as {}").format(sql.Identifier(column), sql.Identifier(column.removesuffix("_masked")))
    return sql.SQL("v.{}").format(sql.Identifier(column))


PERSONAL_KEYS = ["beneficiary_name", "beneficiary_phone"]
MASKED_KEYS = {f"{k}_masked": k for k in PERSONAL_KEYS}
_HIDDEN_KEYS = ["updated_at", "terr", "street_id", "community_id", "grid_id", "created_by"]


def history(user: Identity, list_name: str, row_id: int) -> list[dict]:
    """The audit trail of one row, newest first: when, who, what, and which fields changed.

    The trail holds no personal data, only its masked copies; those who may see the personal
    data on the row itself see that it changed (masked), others see nothing of it.
    """
    s = spec(list_name)
    with user.session() as conn:
        personal = False
        if list_name == "demand":
            row = conn.execute("select personal_visible from public.demand_row where id = %s", (row_id,)).fetchone()
            personal = bool(row and row["personal_visible"])
        drop = _HIDDEN_KEYS + ([] if personal else list(MASKED_KEYS))
        rows = conn.execute(
            """select a.at, a.action, st.display_name as actor,
                      coalesce(a.old_row, '{}'::jsonb) - %(drop)s::text[] as old_row,
                      coalesce(a.new_row, '{}'::jsonb) - %(drop)s::text[] as new_row
               from public.audit_log a left join public.staff st on st.user_id = a.actor
               where a.table_name = %(table)s and a.row_id = %(id)s
               order by a.at desc, a.id desc limit 200""",
            {"drop": drop, "table": s.table, "id": str(row_id)}).fetchall()
    out = []
    for r in rows:
        old, new = ({MASKED_KEYS.get(k, k): v for k, v in row.items()} for row in (r["old_row"], r["new_row"]))
        if r["action"] == "update":
            changes = [(k, old.get(k), new.get(k)) for k in new if old.get(k) != new.get(k)]
        else:
            changes = [(k, None, v) for k, v in (new or old).items() if v not in (None, "")] \
                if r["action"] == "insert" else []
        out.append({"at": r["at"], "action": r["action"], "actor": r["actor"], "changes": changes})
    return out


def links(user: Identity, list_name: str, row_id: int, lang: str = "zh") -> dict[str, list[dict]]:
    """What a row is linked to: matches and projects of a demand or resource; demands, resources
    and milestones of a project."""
    cat = "c.name_en" if lang == "en" else "c.name_zh"
    with user.session() as conn:
        if list_name == "demand":
            return {
                "matches": conn.execute(
                    """select m.id, r.name as resource, r.provider, m.quantity, m.score, m.status, m.created_at
                       from public.match m left join public.resource r on r.id = m.resource_id
                       where m.demand_id = %s order by m.created_at desc""", (row_id,)).fetchall(),
                "projects": conn.execute(
                    """select p.id, p.name, p.status, p.progress from public.project_demand pd
                       join public.project p on p.id = pd.project_id where pd.demand_id = %s order by p.id""",
                    (row_id,)).fetchall(),
            }
        if list_name == "resource":
            return {
                "matches": conn.execute(
                    """select m.id, d.title as demand, m.quantity, m.score, m.status, m.created_at
                       from public.match m left join public.demand d on d.id = m.demand_id
                       where m.resource_id = %s order by m.created_at desc limit 200""", (row_id,)).fetchall(),
                "projects": conn.execute(
                    """select p.id, p.name, p.status, pr.quantity from public.project_resource pr
                       join public.project p on p.id = pr.project_id where pr.resource_id = %s order by p.id""",
                    (row_id,)).fetchall(),
            }
        return {
            "demands": conn.execute(
                f"""select d.id, d.title, {cat} as category, d.status from public.project_demand pd
                    join public.demand d on d.id = pd.demand_id join public.category c on c.id = d.category_id
                    where pd.project_id = %s order by d.id""", (row_id,)).fetchall(),
            "resources": conn.execute(
                f"""select r.id, r.name, r.provider, {cat} as category, pr.quantity from public.project_resource pr
                    join public.resource r on r.id = pr.resource_id join public.category c on c.id = r.category_id
                    where pr.project_id = %s order by r.id""", (row_id,)).fetchall(),
            "milestones": conn.execute(
                """select id, title, due_date, done_at, position from public.project_milestone
                   where project_id = %s order by position, id""", (row_id,)).fetchall(),
        }


def duplicates(user: Identity, clean: dict[str, Any], exclude: int | None = None) -> list[dict]:
    """Demands of the user's territory that look like the demand `clean` (parsed form values):
    the same beneficiary phone and category in the last 30 days, or a very similar title in the
    same grid. Rows are read under RLS, personal data masked as on the page."""
    with user.session() as conn:
        return conn.execute(
            """select v.id, v.title, v.status, v.beneficiary_name, v.beneficiary_phone, v.created_at, x.reason,
                      round(x.similarity::numeric, 2) as similarity
               from private.demand_duplicates(%s, %s, %s, %s, %s) x
               join public.demand_row v on v.id = x.demand_id
               order by x.similarity desc, v.id desc""",
            (clean.get("org_unit_id"), clean.get("category_id"),
             blind_index("phone", clean["beneficiary_phone"]) if clean.get("beneficiary_phone") else None,
             clean.get("title") or "", exclude)).fetchall()

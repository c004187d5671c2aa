"""Reads of the suggestion box: what a tracking code shows (as the public role, through
public.suggestion_by_code: status, steps and reply only), the public choices of the box page, the
triage board paginated in SQL with its SLA light, one message for triage, and the counts the
weekly feedback and the monthly bulletin report (received, replied in time, turned into cases)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gongzhi import clock, db
from gongzhi import todo
from gongzhi.auth import Identity
from gongzhi.errors import translated
from gongzhi.suggest.commands import CODE, normal_code

PAGE_SIZE = 50
CHINA = ZoneInfo("Asia/Shanghai")
OPEN = ("received", "accepted")
# A case is what a message became: a demand, a whistle event, a 五议 agenda item, or a merge into one.
CASES = ("demand", "event", "deliberation", "merged")

# The one definition of a message's light (亮灯): replied is closed; otherwise red past the day of
# the first reply, yellow from its yellow day.
LIGHT_SQL = """case when s.first_reply_at is not null then 'closed' when s.reply_due < %(today)s then 'red'
                    when s.yellow_on <= %(today)s then 'yellow' else 'green' end"""


def lookup(code: str, sender: str | None = None) -> dict | None:
    """What `code` shows the resident, or None for a code that names no message (a malformed one
    is not even asked for). `sender` is the client's address as the server established it
    (gongzhi.sender): the database counts unknown codes per client and refuses a client that
    tried too many lately (DomainError codes.too_many)."""
    code = normal_code(code)
    if not CODE.match(code):
        return None
    with translated(), db.as_public() as conn:
        conn.execute("select set_config('gongzhi.client_ip', %s, true)", ((sender or "")[:100],))
        found = conn.execute("select * from public.suggestion_by_code(%s)", (code,)).fetchone()
    if found is None:
        return None
    found["steps"] = [{"status": s["status"], "at": dt.datetime.fromisoformat(s["at"]).astimezone(CHINA)}
                      for s in found["steps"]]
    found["received_at"] = found["received_at"].astimezone(CHINA)
    return found


def public_choices() -> dict:
    """The communities (with street and code) and categories the public box offers, and its photo
    limits: `photos` (per message) and `photo_mb` (the largest photo)."""
    with db.as_auth() as conn:
        communities = conn.execute("select id, street, name, code from private.public_communities()").fetchall()
        categories = conn.execute("select code, name_zh, name_en from private.public_categories()").fetchall()
        limits = conn.execute("select per_message, max_bytes from public.suggestion_photo_limits()").fetchone()
    return {"communities": communities, "categories": categories, "photos": limits["per_message"],
            "photo_mb": limits["max_bytes"] // (1024 * 1024)}


def board(user: Identity, status: str = "open", page: int = 1, size: int = PAGE_SIZE,
          today: dt.date | None = None, todo_key: str | None = None) -> tuple[list[dict], int]:
    """The triage board of `user`'s territory: open messages (`status` "open") most pressing first,
    or those of one status, newest first; one page and the total. `todo_key` keeps the messages of
    one home card (gongzhi.todo)."""
    params = {**todo.params(dt.datetime.now(dt.timezone.utc)), "today": today or clock.today(), "limit": size,
              "offset": (max(page, 1) - 1) * size, "status": status}
    if todo_key:
        where, order = todo.predicate(todo_key, "suggestion"), "s.reply_due, s.id"
    elif status == "open":
        where, order = "s.status in ('received', 'accepted')", "s.reply_due, s.id"
    else:
        where, order = "s.status = %(status)s", "s.created_at desc, s.id desc"
    with user.session() as conn:
        # The page's rows first, then their names: the joins run for 50 rows, not for every open one.
        rows = conn.execute(f"""
            with page as (
              select s.id, s.created_at, s.org_unit_id, s.category_id, s.kind, s.body, s.phone_masked, s.status,
                     s.reply, s.reply_due, s.first_reply_at, s.demand_id, s.event_id, s.merged_into_id,
                     s.deliberation_id, {LIGHT_SQL} as light
              from public.suggestion s where {where} order by {order} limit %(limit)s offset %(offset)s)
            select s.id, s.created_at, o.name as community, c.name_zh, c.name_en, s.kind, s.body, s.phone_masked,
                   s.status, s.reply, s.reply_due, s.first_reply_at, s.demand_id, s.event_id, s.merged_into_id,
                   s.deliberation_id, s.light
            from page s join public.org_unit o on o.id = s.org_unit_id join public.category c on c.id = s.category_id
            order by {order}""", params).fetchall()
        total = conn.execute(f"select count(*) as n from public.suggestion s where {where}", params).fetchone()["n"]
    return rows, total


def one(user: Identity, suggestion_id: int) -> dict | None:
    """One message of `user`'s territory for triage, with its community's id and its steps."""
    with user.session() as conn:
        return conn.execute("""select s.id, s.community_id, s.category_id, s.kind, s.body, s.phone_masked, s.status,
                                      s.reply, s.steps, s.created_at, s.reply_due
                               from public.suggestion s where s.id = %s""", (suggestion_id,)).fetchone()


def communities(user: Identity) -> list[dict]:
    """The communities of `user`'s territory (id, code, name), for the printed QR codes."""
    with user.session() as conn:
        return conn.execute("select id, code, name from public.org_unit where kind = 'community' order by terr").fetchall()


def grids_of(user: Identity, community_id: int) -> list[dict]:
    """The grids of a community, for the demand or event a message becomes."""
    with user.session() as conn:
        return conn.execute("select id, name from public.org_unit where parent_id = %s and kind = 'grid' order by terr",
                            (community_id,)).fetchall()


def counts(user: Identity, start: dt.date, end: dt.date, unit_id: int | None = None) -> dict:
    """周反馈 / 月通报 figures of `user`'s territory (within `unit_id` when given) for messages
    received from `start` to before `end` (China time): received, first replied within the working
    days allowed, turned into cases (a demand, an event, a 五议 item, or merged into one)."""
    with user.session() as conn:
        return conn.execute(f"""
            select count(*) as received,
                   count(*) filter (where s.first_reply_at is not null
                                    and (s.first_reply_at at time zone 'Asia/Shanghai')::date <= s.reply_due) as replied_in_time,
                   count(*) filter (where s.status in {_sql(CASES)}
                                    or s.demand_id is not null or s.event_id is not null) as to_cases
            from public.suggestion s
            where s.created_at >= (%(start)s::date::timestamp at time zone 'Asia/Shanghai')
              and s.created_at < (%(end)s::date::timestamp at time zone 'Asia/Shanghai')
              and (%(unit)s::bigint is null or s.terr between (select o.terr from public.org_unit o where o.id = %(unit)s)
                                                      and (select o.terr_hi from public.org_unit o where o.id = %(unit)s))""",
            {"start": start, "end": end, "unit": unit_id}).fetchone()


def _sql(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"

"""`python -m gongzhi notify`: one run queues what happened and sends what is pending.

Queue (`collect`): one notification per event, step and robot (an escalation: per event, which
is escalated once), de-duplicated by a unique key in
public.notification, for what happened after the robot was set up — a new whistle to a department
(its robot), a step turning red and an escalation (the robots of the units whose territory holds
the event; a red step also the summoned departments'). A suggestion waiting past its reply
deadline is the fourth kind once the suggestion module exists: add its select to `_CANDIDATES`.

Send (`send`): per robot, the pending notifications packed into digests, at most 20 messages a
minute per robot (counted in public.notification_log, every try included); a robot that answers
with its rate-limit code is left for the next run; a failing webhook is tried again (RETRIES in
the run, then on later runs with a growing pause) until MAX_ATTEMPTS. Every try is logged.
The job runs as the owner: it reads every robot's webhook, which staff read only for their own.
"""
from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

from gongzhi.notify import message
from gongzhi.clock import BEIJING

PER_MINUTE = 20
RETRIES = 3              # tries of one message within a run
MAX_ATTEMPTS = 5         # runs a notification is tried in before it is marked failed
TIMEOUT_S = 5
LOCK = 0x6e6f74696679      # the advisory lock of a run ("notify")

_ROBOTS = """with r as (
    select r.id, r.org_unit_id, r.department_id, r.events, r.created_at, o.terr as lo, o.terr_hi as hi
    from public.notify_robot r left join public.org_unit o on o.id = r.org_unit_id where r.active)"""
_EVENT = "e.id as event_id, e.title, g.name as place"
_CANDIDATES = f"""{_ROBOTS}
select 'whistle' as kind, 'whistle' as step, {_EVENT}, ed.report_deadline as deadline, r.id as robot_id,
       r.org_unit_id, r.department_id, 'whistle:' || e.id || ':' || ed.department_id || ':' || r.id as dedup_key
from r join public.event_department ed on ed.department_id = r.department_id and ed.summoned_at >= r.created_at
join public.event e on e.id = ed.event_id join public.org_unit g on g.id = e.org_unit_id
where 'whistle' = any (r.events) and e.closed_at is null
union all
select 'red', e.step, {_EVENT}, e.deadline, r.id, r.org_unit_id, r.department_id,
       'red:' || e.id || ':' || e.step || ':' || r.id
from public.event e join r on (e.terr between r.lo and r.hi or e.departments @> array[r.department_id])
join public.org_unit g on g.id = e.org_unit_id
where 'red' = any (r.events) and e.closed_at is null and e.deadline < %(now)s and e.deadline >= r.created_at
union all
select 'escalation', e.step, {_EVENT}, e.deadline, r.id, r.org_unit_id, r.department_id,
       'escalation:' || e.id || ':' || r.id
from public.event e join r on e.terr between r.lo and r.hi join public.org_unit g on g.id = e.org_unit_id
where 'escalation' = any (r.events) and e.closed_at is null and e.escalated_at >= r.created_at"""


def collect(conn, now: dt.datetime) -> int:
    """Queue a notification for everything that happened and has none yet; returns how many."""
    found = [c for c in conn.execute(_CANDIDATES, {"now": now}).fetchall()]
    if not found:
        return 0
    keys = [c["dedup_key"] for c in found]
    known = {r["dedup_key"] for r in conn.execute(
        "select dedup_key from public.notification where dedup_key = any(%s)", (keys,))}
    fresh = [c for c in found if c["dedup_key"] not in known]
    if not fresh:
        return 0
    bodies = [message.line(c["kind"], c["event_id"], c["title"], c["place"], c["step"],
                           c["deadline"].astimezone(BEIJING).strftime("%m-%d %H:%M") if c["deadline"] else "—")
              for c in fresh]
    return conn.execute("""
        insert into public.notification (dedup_key, robot_id, org_unit_id, department_id, kind, event_id, step, body)
        select * from unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::bigint[],
                             %s::text[], %s::text[])
        on conflict (dedup_key) do nothing""",
                        ([c["dedup_key"] for c in fresh], [c["robot_id"] for c in fresh],
                         [c["org_unit_id"] for c in fresh], [c["department_id"] for c in fresh],
                         [c["kind"] for c in fresh], [c["event_id"] for c in fresh],
                         [c["step"] for c in fresh], bodies)).rowcount


@dataclass
class Reply:
    ok: bool
    http_status: int | None = None
    errcode: int | None = None
    errmsg: str = ""


def post(url: str, body: dict) -> Reply:
    """POST `body` as JSON to a robot and read its answer."""
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        return Reply(False, exc.code, None, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        return Reply(False, None, None, str(getattr(exc, "reason", exc))[:200])
    try:
        answer = json.loads(raw)
        code = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError):
        return Reply(False, status, None, "not JSON")
    return Reply(code == 0, status, code, str(answer.get("errmsg", ""))[:200])


@dataclass
class Summary:
    queued: int = 0
    delivered: int = 0          # notifications whose message a robot accepted
    messages: int = 0           # messages accepted
    tries: int = 0
    rate_limited: list[int] = field(default_factory=list)   # robots that said "too fast"
    failed: int = 0             # notifications given up


def send(conn, *, sender: Callable[[str, dict], Reply] = post, pause: Callable[[float], None] = time.sleep,
         retry_pause_s: float = 0.5) -> Summary:
    """Send the pending notifications whose time has come, robot by robot."""
    summary = Summary()
    robots = conn.execute("""
        select r.id, r.kind, r.webhook_url, r.secret, r.org_unit_id, r.department_id,
               (select count(*) from public.notification_log l
                where l.robot_id = r.id and l.at > now() - interval '1 minute') as recent
        from public.notify_robot r
        where r.active and exists (select 1 from public.notification n where n.robot_id = r.id
                                   and n.status = 'pending' and n.next_attempt_at <= now())
        order by r.id""").fetchall()
    for robot in robots:
        _send_robot(conn, robot, PER_MINUTE - robot["recent"], summary, sender, pause, retry_pause_s)
    return summary


def _send_robot(conn, robot: dict, budget: int, summary: Summary, sender, pause, retry_pause_s: float) -> None:
    pending = conn.execute("""select id, body from public.notification
                              where robot_id = %s and status = 'pending' and next_attempt_at <= now()
                              order by id""", (robot["id"],)).fetchall()
    for items in message.digests([(n["id"], n["body"]) for n in pending]):
        ids = [i for i, _ in items]
        content = message.text(items)
        reply = None
        for attempt in range(1, RETRIES + 1):
            if budget <= 0:
                return
            budget -= 1
            url, body = message.request(robot["kind"], robot["webhook_url"], robot["secret"], content,
                                        int(time.time() * 1000))
            reply = sender(url, body)
            summary.tries += 1
            _log(conn, robot, len(ids), attempt, reply)
            if reply.ok:
                break
            if reply.errcode in message.RATE_LIMITED[robot["kind"]]:
                summary.rate_limited.append(robot["id"])
                conn.execute("""update public.notification set next_attempt_at = now() + interval '1 minute'
                                where id = any(%s)""", (ids,))
                return
            if attempt < RETRIES:
                pause(retry_pause_s * attempt)
        if reply.ok:
            conn.execute("update public.notification set status = 'sent', sent_at = now(), attempts = attempts + 1,"
                         " last_error = null where id = any(%s)", (ids,))
            summary.delivered += len(ids)
            summary.messages += 1
        else:
            failed = conn.execute("""
                update public.notification set attempts = attempts + 1, last_error = %(error)s,
                       status = case when attempts + 1 >= %(max)s then 'failed' else 'pending' end,
                       next_attempt_at = now() + make_interval(mins => 5 * power(2, attempts)::int)
                where id = any(%(ids)s) returning status""",
                                  {"error": _error(reply), "max": MAX_ATTEMPTS, "ids": ids}).fetchall()
            summary.failed += sum(1 for r in failed if r["status"] == "failed")


def _error(reply: Reply) -> str:
    return f"{reply.http_status or '-'} {reply.errcode if reply.errcode is not None else '-'} {reply.errmsg}"[:300]


def _log(conn, robot: dict, n: int, attempt: int, reply: Reply) -> None:
    conn.execute("""insert into public.notification_log (robot_id, org_unit_id, department_id, notifications,
                                                         attempt, ok, http_status, errcode, errmsg)
                    values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                 (robot["id"], robot["org_unit_id"], robot["department_id"], n, attempt, reply.ok,
                  reply.http_status, reply.errcode, reply.errmsg[:300]))


def run(now: dt.datetime | None = None, **options) -> Summary:
    """One run of the job on the configured database: queue, then send."""
    from gongzhi.db import owner
    now = now or dt.datetime.now(dt.timezone.utc)
    with owner() as conn:
        # One run at a time: a second cron start while one still sends would send twice.
        if not conn.execute("select pg_try_advisory_lock(%s) as got", (LOCK,)).fetchone()["got"]:
            return Summary()
        try:
            queued = collect(conn, now)
            summary = send(conn, **options)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (LOCK,))
    summary.queued = queued
    return summary

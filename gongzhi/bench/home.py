"""`bench home`: the 待办 home at 1M demands and 200k events, and the notify job's sending.

`<role>.home_ms`: the reads of the home page in one transaction as the user, under row-level
security — every card of the role (gongzhi.todo) with its "new since the last visit" count, the
district's red lights by street, and the three lists' counts (gongzhi.home.overview) — as the
page runs them (`one_transaction`). `<role>.home_owner_ms` is the same as the owner (no policies:
the baseline; department and grid see small slices, so their owner runs read wider data).
`baseline_ms`: a plain count of the open events as the owner, measured in the same run.
`notify_batch_s`: one `send` of 10,000 pending notifications spread over 200 robots on a loopback
WeCom / DingTalk server (50 each: one digest message per robot), counting notifications delivered.
"""
from __future__ import annotations

import datetime as dt
import time

import psycopg

from gongzhi import todo
from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids
from gongzhi.bench.whistle import EVENTS, seed_events

NAME = "home"
ROLES = ("district", "street", "community", "grid", "department")
NOTIFICATIONS = 10_000
ROBOTS = 200


def run(demands: int = 1_000_000, keep: bool = True, events: int = EVENTS) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.home import overview

    url = bench_url(demands=demands, keep=keep)
    seed_events(url, events)
    users = user_ids(url)
    now = dt.datetime.now(dt.timezone.utc)
    since = now - dt.timedelta(days=1)
    figures: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        figures["demands"] = conn.execute("select count(*) from public.demand").fetchone()[0]
        figures["events"] = conn.execute("select count(*) from public.event").fetchone()[0]
        # The baseline: one plain count of the open events as the owner, to read the figures against
        # (on a shared host the same query's time moves with the load).
        figures["baseline_ms"] = timed_ms(lambda: conn.execute(
            "select count(*), count(escalated_at) from public.event where closed_at is null").fetchone())
    with pointing_at(url):
        for role in ROLES:
            user = load_identity(users[role])

            def home(user=user) -> None:
                with user.one_transaction():
                    todo.home(user, now, since)
                    overview(user)
            figures[f"{role}.home_ms"] = timed_ms(home)
            found = todo.home(user, now, since)
            figures[f"{role}.cards"] = len(found["cards"])
            figures[f"{role}.items"] = sum(c.total for c in found["cards"])
        figures["notify_batch_s"], figures["notify_delivered"], figures["notify_messages"] = _notify(url)
    return figures


def _notify(url: str) -> tuple[float, int, int]:
    """Seconds for one send of NOTIFICATIONS pending notifications over ROBOTS loopback robots."""
    from gongzhi.notify import job
    from gongzhi.notify.loopback import RobotServer

    with RobotServer() as robots, psycopg.connect(url, autocommit=True,
                                                  row_factory=psycopg.rows.dict_row) as conn:
        unit = conn.execute("select id from public.org_unit where kind = 'district'").fetchone()["id"]
        ids = [conn.execute("""insert into public.notify_robot (org_unit_id, kind, webhook_url) values (%s, %s, %s)
                               returning id""",
                            (unit, "wecom" if i % 2 else "dingtalk",
                             robots.wecom_url(f"bench-{i:04d}") if i % 2 else robots.dingtalk_url(f"bench-{i:04d}"))
                            ).fetchone()["id"] for i in range(ROBOTS)]
        try:
            conn.execute("""insert into public.notification (dedup_key, robot_id, org_unit_id, kind, body)
                            select 'bench:' || n, (%(ids)s::bigint[])[1 + n %% %(robots)s], %(unit)s, 'red',
                                   '【红灯】#' || n || ' 楼道堆放杂物影响通行（丽水社区第一网格）· 报到环节已超时（时限 12-05 10:00）'
                            from generate_series(1, %(n)s) n""",
                         {"ids": ids, "robots": ROBOTS, "unit": unit, "n": NOTIFICATIONS})
            started = time.perf_counter()
            sent = job.send(conn)
            seconds = round(time.perf_counter() - started, 2)
            return seconds, sent.delivered, sent.messages
        finally:
            conn.execute("delete from public.notification_log where robot_id = any(%s)", (ids,))
            conn.execute("delete from public.notify_robot where id = any(%s)", (ids,))

"""`bench whistle`: the supervision board with 200k events.

The board (counts of red / yellow / green / escalated open events and the first page by lateness)
for the district and for a department, run as that user under row-level security, against the
same statements run as the owner with the territory written into the SQL (what the user may see,
without policies), in transactions of the same shape. Also the cost of the automatic escalation a
board load triggers.
"""
from __future__ import annotations

import datetime as dt

import psycopg
from psycopg.rows import dict_row

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, user_ids
from gongzhi.db.connection import set_identity
from gongzhi.whistle import demo as whistle_demo
from gongzhi.whistle.queries import _COUNTS_WHERE, board_on

NAME = "whistle"
EVENTS = 200_000


def seed_events(url: str, events: int) -> None:
    """The whistle's departments and routing, and at least `events` events (added set-based, then analysed)."""
    with psycopg.connect(url) as conn:
        if not conn.execute("select exists (select from public.department)").fetchone()[0]:
            whistle_demo.load(conn)
        have = conn.execute("select count(*) from public.event").fetchone()[0]
        if have < events:
            whistle_demo.add_events(conn, events - have)
        conn.commit()
        conn.autocommit = True
        if have < events:
            conn.execute("vacuum analyze public.event")
            conn.execute("vacuum analyze public.event_department")


def run(demands: int = 1_000_000, keep: bool = True, events: int = EVENTS) -> dict:
    url = bench_url(demands=demands, keep=keep)
    seed_events(url, events)
    users = user_ids(url)
    now = dt.datetime.now(dt.timezone.utc)
    figures: dict[str, float] = {"events": events}
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        figures["open_events"] = conn.execute("select count(*) as n from public.event where closed_at is null").fetchone()["n"]
        department = conn.execute("select department_id from public.staff where user_id = %s",
                                  (users["department"],)).fetchone()["department_id"]
        owner_where = {"district": "true", "department": f"e.departments @> array[{int(department)}::bigint]"}
        for role in ("district", "department"):
            uid = users[role]

            def as_role(uid=uid) -> None:
                with conn.transaction():
                    set_identity(conn, uid)
                    board_on(conn, now)

            def as_owner(where=owner_where[role], uid=uid) -> None:
                with conn.transaction():  # the same round trips as a request, without the role switch
                    conn.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{uid}"}}',))
                    board_on(conn, now, where=where)

            rls_ms, owner_ms = timed_ms(as_role), timed_ms(as_owner)
            figures[f"{role}.board_ms"] = rls_ms
            figures[f"{role}.board_owner_ms"] = owner_ms
            figures[f"{role}.board_ratio"] = round(rls_ms / owner_ms, 2) if owner_ms else 0.0

        # The department's four counts alone: from the tally (private.department_board_counts, as the
        # department) against counting its open events through the GIN index (as the owner).
        def counts_tally() -> None:
            with conn.transaction():
                set_identity(conn, users["department"])
                conn.execute("select * from private.department_board_counts(%s)", (now,)).fetchone()

        def counts_scan() -> None:
            with conn.transaction():  # the same round trips as above, without the role switch
                conn.execute("select set_config('request.jwt.claims', %s, true)",
                             (f'{{"sub": "{users["department"]}"}}',))
                conn.execute(_COUNTS_WHERE.format(where=owner_where["department"]), {"now": now}).fetchone()

        tally_ms, scan_ms = timed_ms(counts_tally), timed_ms(counts_scan)
        figures["department.counts_ms"] = tally_ms
        figures["department.counts_scan_ms"] = scan_ms
        figures["department.counts_ratio"] = round(tally_ms / scan_ms, 2) if scan_ms else 0.0

        def escalate() -> None:
            with conn.transaction():
                set_identity(conn, users["district"])
                conn.execute("select private.escalate_overdue(now())")
        figures["escalate_ms"] = timed_ms(escalate, repeat=3, warmup=1)

    return figures

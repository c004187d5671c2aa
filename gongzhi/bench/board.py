"""`bench board`: the public 晒 board and the fake-fix flags.

- `publish_s`: `python -m gongzhi publish` of the whole district into a temporary folder (every
  section's aggregates in one read-only snapshot as the owner, then every page, data file and the
  Vega bundle), against a baseline of one plain `count(*)` of all demands as the owner
  (`publish_ratio` = publish / count).
- `flags_ms`: the supervision board's flags view for the district and a street (counts of each kind
  and the first page, `gongzhi.whistle.flags.board_on`) as that user under row-level security,
  against the same statement run as the owner with the user's claims set and the user's territory
  passed as the scope (the helpers see the user, the policies are skipped): `flags_ratio`. The flags
  about single events are read from `public.event_flag`, refreshed once beforehand by the job's
  function (and settled as the job does); `flags_refresh_ms` is that refresh (the cron job's cost,
  paid by nobody's page). The two district-wide kinds come from the tallies kept by triggers.

Events: one for every five demands (200k at 1M demands, as `bench whistle`), seeded set-based.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, user_ids
from gongzhi.bench.whistle import seed_events
from gongzhi.db.connection import set_identity

NAME = "board"


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    from gongzhi import publish
    from gongzhi.publish import site
    from gongzhi.whistle.flags import board_on, refresh_on, settle_on

    url = bench_url(demands=demands, keep=keep)
    events = max(1_000, demands // 5)
    seed_events(url, events)
    users = user_ids(url)
    now = dt.datetime.now(dt.timezone.utc)
    figures: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        figures["demands"] = conn.execute("select count(*) as n from public.demand").fetchone()["n"]
        figures["events"] = conn.execute("select count(*) as n from public.event").fetchone()["n"]
        count_ms = timed_ms(lambda: conn.execute("select count(*) from public.demand").fetchone(), repeat=5)
        figures["count_ms"] = count_ms
        figures["flags_refresh_ms"] = timed_ms(lambda: refresh_on(conn, now), repeat=3)
        settle_on(conn)  # as the job does after its refresh
        figures["flags_stored"] = conn.execute("select count(*) as n from public.event_flag").fetchone()["n"]

        for role in ("district", "street"):
            uid = users[role]
            unit = conn.execute("select o.terr, o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id"
                                " where s.user_id = %s", (uid,)).fetchone()

            def as_role(uid=uid) -> None:
                with conn.transaction():
                    set_identity(conn, uid, {"aal": "aal2"})
                    board_on(conn, now)

            def as_owner(uid=uid, unit=unit) -> None:  # the territory written into the call instead
                with conn.transaction():
                    conn.execute("select set_config('request.jwt.claims', %s, true)",
                                 (f'{{"sub": "{uid}", "aal": "aal2"}}',))
                    board_on(conn, now, lo=unit["terr"], hi=unit["terr_hi"])

            rls_ms, owner_ms = timed_ms(as_role, repeat=5), timed_ms(as_owner, repeat=5)
            figures[f"{role}.flags_ms"] = rls_ms
            figures[f"{role}.flags_owner_ms"] = owner_ms
            figures[f"{role}.flags_ratio"] = round(rls_ms / owner_ms, 2) if owner_ms else 0.0
        figures["flags_ms"] = figures["district.flags_ms"]

    site.vega_bundle()  # built once per process; timed apart
    folder = Path(tempfile.mkdtemp(prefix="gongzhi-board-"))
    try:
        samples = []
        for _ in range(2):
            started = time.perf_counter()
            done = publish.publish(url, folder / "site")
            samples.append(time.perf_counter() - started)
        figures["publish_s"] = round(min(samples), 2)
        figures["publish_files"] = done.files
        figures["publish_ratio"] = round(figures["publish_s"] * 1000 / count_ms, 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return figures

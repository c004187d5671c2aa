"""`bench load`: many staff at once on one portal process, and on two behind the proxy.

Streamlit runs every session's script in one Python process (a thread per session, one GIL), so
the portal is started for real (`streamlit run app.py` against the benchmark database) and driven
by N concurrent sessions speaking Streamlit's websocket protocol (`gongzhi.bench._portal.Session`).
Each session signs in through the real sign-in form with its own demo account (grid workers
mostly, then community, street and district staff) and repeats what staff do: open the demand
list, filter by a category, go to another page, open a row, save its edit form, open the
dashboard — pausing between clicks as a person reading the page would (`THINK_S`). The time of an
action runs from sending the widget states to the server's `script_finished`.

Figures per level N: `users_N.p50_ms`, `users_N.p95_ms` (all actions), the p95 of each action,
`users_N.actions` and `users_N.errors`. The baseline is one user (`p95_ratio_50` = p95 at 50 /
p95 at 1). Memory: the portal's RSS with N idle signed-in sessions (each has opened the demand
list) against the same process before they connected, per session (`rss_mb_per_session`, at the
largest N). CPU: the portal's CPU milliseconds per click and its share of one core during the
timed phase (`users_N.portal_cpu_ms_per_action`, `users_N.portal_cpu_share`), and the driver's own
share (`client_cpu_share`), since both run on the same host. `replicas_2.users_50.p95_ms`: the same
50 users through the proxy in front of two portal processes (`gongzhi.replicas`).
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from gongzhi.bench._data import BENCH_DATABASE, bench_url
from gongzhi.bench._portal import ScriptError, Session, cpu_s, selection, start_portal
from gongzhi.demo_data import DEMO_PASSWORD

NAME = "load"
LEVELS = (1, 10, 50)
THINK_S = 5.0            # mean pause between two clicks of one person (uniform, half to one and a half)
DURATION_S = 60.0        # timed phase of each level
SINGLE_THINK_S = 0.3     # one user cannot contend with themselves: N = 1 clicks almost back to back
ROLE_MIX = ("grid", "grid", "community", "grid", "grid", "street", "grid", "community", "grid", "district")
ACTIONS = ("list", "filter", "page", "row", "save", "dashboard")
SIGN_IN_AT_ONCE = 4      # sessions signing in together while a level is set up


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def accounts(url: str, n: int) -> list[tuple[str, str]]:
    """`n` (email, role) demo staff accounts in ROLE_MIX proportions, each used once while it lasts."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("select u.email, s.role from auth.users u join public.staff s on s.user_id = u.id"
                            " where s.active and s.role <> 'department' order by u.email").fetchall()
    by_role: dict[str, list[str]] = {}
    for email, role in rows:
        by_role.setdefault(role, []).append(email)
    picked, used = [], {role: 0 for role in by_role}
    for i in range(n):
        role = ROLE_MIX[i % len(ROLE_MIX)]
        emails = by_role[role]
        picked.append((emails[used[role] % len(emails)], role))
        used[role] += 1
    return picked


@dataclass
class Tally:
    samples: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    errors: list[str] = field(default_factory=list)

    def all(self) -> list[float]:
        return [ms for values in self.samples.values() for ms in values]


async def signed_in(base_url: str, email: str, password: str = DEMO_PASSWORD) -> Session:
    """A new session signed in through the sign-in form; raises ScriptError if it did not work."""
    session = await Session(base_url).connect()
    await session.open()
    await session.sign_in(email, password)
    if session.widget(key="sign_out") is None:
        raise ScriptError(f"{email} is not signed in: {session.texts()[:3]}")
    return session


def shown_total(session: Session) -> int:
    """The list's total as its caption shows it (共 N 条, or 约 N 条 when estimated)."""
    for text in session.texts():
        found = re.fullmatch(r"[共约]\s*([\d,]+)\s*条", text.strip())
        if found:
            return int(found.group(1).replace(",", ""))
    return 0


async def act(session: Session, action: str, rng: random.Random) -> float:
    """One click of the mix; returns its milliseconds."""
    if action == "list":
        return await session.open("demands")
    if action == "filter":
        category = session.widget(key="demand_f_category")
        if category is None:
            raise ScriptError("no category filter")
        ms = await session.rerun([(category.id, "string_value", rng.choice(category.proto.options[1:]))])
        if shown_total(session) == 0:   # nothing of that category here: a person widens the filter again
            ms += await session.rerun([(category.id, "string_value", category.proto.options[0])])
        return ms
    if action == "page":
        pages = session.widget(key="demand_page")
        if pages is None or pages.proto.num_pages < 2:   # one page only: widen the filter instead
            category = session.widget(key="demand_f_category")
            return await session.rerun([(category.id, "string_value", category.proto.options[0])])
        return await session.rerun([(pages.id, "int_value", rng.randint(2, min(pages.proto.num_pages, 10)))])
    if action == "row":
        table = session.widget(key="demand_table")
        if table is None:
            raise ScriptError("no demand table")
        rows = min(shown_total(session), 5)
        return await session.rerun([(table.id, "string_value", selection([rng.randrange(max(rows, 1))]))])
    if action == "save":
        submit = session.widget(kind="button", form_prefix="demand_edit_")
        if submit is None:
            raise ScriptError("no edit form of an opened row")
        ms = await session.rerun([(submit.id, "trigger_value", True)])
        if not any(text == "已保存" for text in session.texts()):
            raise ScriptError("saving did not say 已保存: " + " / ".join(session.texts()[-3:]))
        return ms
    if action == "dashboard":
        return await session.open("dashboard")
    raise ValueError(action)


async def person(session: Session, rng: random.Random, until: float, think: float, tally: Tally,
                 rounds: int | None = None) -> None:
    """One member of staff going round the mix until `until`, or `rounds` times when given."""
    await asyncio.sleep(rng.uniform(0, think))   # people do not all click at the same moment
    done = 0
    while (time.monotonic() < until) if rounds is None else (done < rounds):
        for action in ACTIONS:
            if rounds is None and time.monotonic() >= until:
                return
            try:
                tally.samples[action].append(await act(session, action, rng))
            except ScriptError as exc:
                tally.errors.append(f"{action}: {exc}")
            await asyncio.sleep(rng.uniform(think / 2, think * 1.5))
        done += 1


async def connect_all(base_url: str, logins: list[tuple[str, str]]) -> list[Session]:
    """Sign every account in (a few at a time) and open its demand list once."""
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

    async def one(email: str) -> Session:
        async with gate:
            session = await signed_in(base_url, email)
            await session.open("demands")
            return session
    return list(await asyncio.gather(*(one(email) for email, _role in logins)))


async def drive(base_url: str, logins: list[tuple[str, str]], duration: float, think: float,
                seed: int = 17, rss=None, rounds: int | None = None, cpu=None) -> tuple[Tally, dict]:
    """Sign `logins` in, measure memory while they idle (`rss`: a callable giving MB), then run the
    mix for `duration` seconds (or exactly `rounds` times). Returns the tally and the memory figures
    (with `cpu`, a callable giving the portal's CPU seconds, also its CPU share of the timed phase)."""
    memory: dict[str, float] = {}
    if rss is not None:
        memory["rss_mb_before"] = rss()
    sessions = await connect_all(base_url, logins)
    try:
        if rss is not None:
            await asyncio.sleep(2)
            memory["rss_mb_idle"] = rss()
        tally = Tally()
        until = time.monotonic() + duration
        started, cpu_before, own_before = time.monotonic(), cpu() if cpu else 0.0, time.process_time()
        await asyncio.gather(*(person(s, random.Random(seed + i), until, think, tally, rounds)
                               for i, s in enumerate(sessions)))
        wall = time.monotonic() - started
        if cpu is not None:
            used = cpu() - cpu_before
            memory["portal_cpu_share"] = used / wall                 # 1.0 = one core busy all along
            memory["portal_cpu_ms_per_action"] = 1000 * used / max(len(tally.all()), 1)
            memory["client_cpu_share"] = (time.process_time() - own_before) / wall
        if rss is not None:
            memory["rss_mb_after"] = rss()
        return tally, memory
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)


async def warm_up(base_url: str, email: str) -> None:
    """One pass of the mix, so the first measured click does not pay for imports and first plans."""
    session = await signed_in(base_url, email)
    try:
        rng = random.Random(0)
        for action in ACTIONS:
            await act(session, action, rng)
    finally:
        await session.close()


def summarise(prefix: str, tally: Tally) -> dict:
    every = tally.all()
    figures = {f"{prefix}.p50_ms": round(percentile(every, 50), 1), f"{prefix}.p95_ms": round(percentile(every, 95), 1),
               f"{prefix}.actions": len(every), f"{prefix}.errors": len(tally.errors)}
    for action, values in tally.samples.items():
        figures[f"{prefix}.{action}.p95_ms"] = round(percentile(values, 95), 1)
    return figures


def run(demands: int = 1_000_000, keep: bool = True, levels: tuple[int, ...] = LEVELS,
        duration: float = DURATION_S, think: float = THINK_S, replicas: int = 2,
        database: str = BENCH_DATABASE) -> dict:
    url = bench_url(demands=demands, keep=keep, database=database)
    with psycopg.connect(url) as conn:
        figures: dict[str, float | int | str] = {"demands": conn.execute("select count(*) from public.demand").fetchone()[0]}
    figures["load_average_start"] = round(os.getloadavg()[0], 1)   # the host's other work, for context
    figures["think_s"] = think
    figures["duration_s"] = duration
    logs = Path(tempfile.mkdtemp(prefix="gongzhi-load-"))
    errors: list[str] = []
    for n in levels:
        logins = accounts(url, n)
        with start_portal(url, logs / f"portal-{n}.log") as portal:
            asyncio.run(warm_up(portal.url, logins[0][0]))
            tally, memory = asyncio.run(drive(portal.url, logins, duration, think if n > 1 else SINGLE_THINK_S,
                                              rss=portal.rss_mb, cpu=portal.cpu_s))
        figures.update(summarise(f"users_{n}", tally))
        figures[f"users_{n}.rss_mb_before"] = round(memory["rss_mb_before"], 1)
        figures[f"users_{n}.rss_mb_idle"] = round(memory["rss_mb_idle"], 1)
        figures[f"users_{n}.rss_mb_after"] = round(memory["rss_mb_after"], 1)
        for key in ("portal_cpu_share", "portal_cpu_ms_per_action", "client_cpu_share"):
            figures[f"users_{n}.{key}"] = round(memory[key], 2 if key.endswith("share") else 1)
        errors += tally.errors
    top = max(levels)
    if 1 in levels and figures["users_1.p95_ms"]:
        figures[f"p95_ratio_{top}"] = round(figures[f"users_{top}.p95_ms"] / figures["users_1.p95_ms"], 2)
    figures["rss_mb_per_session"] = round(
        (figures[f"users_{top}.rss_mb_idle"] - figures[f"users_{top}.rss_mb_before"]) / top, 2)
    if replicas > 1:
        from gongzhi import replicas as proxy
        logins = accounts(url, top)
        with proxy.running(replicas, database_url=url, folder=logs / "replicas") as front:
            asyncio.run(warm_up(front.url, logins[0][0]))
            tally, memory = asyncio.run(drive(front.url, logins, duration, think,
                                              cpu=lambda: cpu_s([p.pid for p in front.procs])))
        prefix = f"replicas_{replicas}.users_{top}"
        figures.update(summarise(prefix, tally))
        for key in ("portal_cpu_share", "portal_cpu_ms_per_action", "client_cpu_share"):
            figures[f"{prefix}.{key}"] = round(memory[key], 2 if key.endswith("share") else 1)
        if 1 in levels and figures["users_1.p95_ms"]:
            figures[f"replicas_{replicas}.p95_ratio_{top}"] = round(figures[f"{prefix}.p95_ms"] / figures["users_1.p95_ms"], 2)
        errors += tally.errors
    figures["load_average_end"] = round(os.getloadavg()[0], 1)
    if errors:
        figures["first_errors"] = " | ".join(sorted(set(errors))[:5])
    return figures

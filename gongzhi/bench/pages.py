"""`bench pages`: the list pages at scale.

For each list page and each staff level, the full script run of the real app.py under Streamlit's
AppTest (sign-in state set, page opened, median of reruns), and the same page's SQL alone
(`list_page`), so the Streamlit share is visible. `transactions_per_rerun.<page>`: the portal
connections one rerun of each page checks out, as the first of community, street and district
staff that has the page (goal: 1). Keyword search is timed on its own: a rare
two-character word through the bigram index (`search_ms`), a common one, and the plain ILIKE scan
the index replaces (`search_scan_ms`, the baseline).
"""
from __future__ import annotations

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench import _imports
from gongzhi.bench._data import admin_user_ids, bench_url, pointing_at, user_ids

NAME = "pages"
ROLES = ("district", "street", "community", "grid")
PAGES = {"demand": "pages/demands.py", "resource": "pages/resources.py", "project": "pages/projects.py"}
RARE, COMMON = "漏雨", "老人"


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    from streamlit.testing.v1 import AppTest

    from gongzhi.auth import load_identity
    from gongzhi.config import ROOT
    from gongzhi.lists import queries
    from gongzhi.lists.queries import ListFilters

    url = bench_url(demands=demands, keep=keep)
    users = user_ids(url)
    figures: dict[str, float] = {"demands": demands}
    with pointing_at(url):
        with psycopg.connect(url, autocommit=True) as conn:
            figures["demands"] = conn.execute("select count(*) from public.demand").fetchone()[0]
        identities = {role: load_identity(users[role]) for role in ROLES}
        for list_name, path in PAGES.items():
            for role in ROLES:
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                at.session_state["identity"] = identities[role]
                at.switch_page(path)

                def script(at=at) -> None:
                    at.run()
                    if at.exception:
                        raise RuntimeError(at.exception[0].message)
                figures[f"{list_name}.{role}.ms"] = timed_ms(script, repeat=5, warmup=1)
                figures[f"{list_name}.{role}.sql_ms"] = timed_ms(
                    lambda u=identities[role], n=list_name: queries.list_page(u, n, ListFilters()), repeat=5)
        admins = admin_user_ids(url)
        figures.update(transactions_per_rerun({**identities, **{a: load_identity(admins[a]) for a in RERUN_ADMINS}}))
        district = identities["district"]
        for role in ("district", "grid"):
            prefix = "" if role == "district" else "grid."
            figures[f"{prefix}search_ms"] = timed_ms(
                lambda u=identities[role]: queries.list_page(u, "demand", ListFilters(keyword=RARE)), repeat=5)
            figures[f"{prefix}search_common_ms"] = timed_ms(
                lambda u=identities[role]: queries.list_page(u, "demand", ListFilters(keyword=COMMON)), repeat=5)
        figures["search_rows"] = queries.list_page(district, "demand", ListFilters(keyword=RARE)).total

        def scan() -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("select count(*) from public.demand where (title || ' ' || description) ilike %s",
                             (f"%{RARE}%",)).fetchone()
        figures["search_scan_ms"] = timed_ms(scan, repeat=3, warmup=1)
        figures["search_ratio"] = round(figures["search_ms"] / figures["search_scan_ms"], 3)
        figures["export_grid_rows_per_s"] = _export_rate(identities["grid"])
    figures.update(_imports.run(demands=demands, keep=keep))
    return figures


RERUN_ROLES = ("community", "street", "district")   # whose account counts a page: the first that has it
RERUN_ADMINS = ("system", "security", "audit")      # then the administrators, for their own pages


def rerun_role(page: str) -> str:
    """The staff level (or administrator capability) whose account counts `page` (a key of
    gongzhi.auth.pages.PAGES)."""
    from gongzhi.auth.pages import ADMIN_PAGES, ROLE_PAGES
    return next(r for r in (*RERUN_ROLES, *RERUN_ADMINS) if page in {**ROLE_PAGES, **ADMIN_PAGES}[r])


def transactions_per_rerun(users: dict) -> dict[str, int]:
    """Connection checkouts of one rerun of every page (`users`: role or administrator capability →
    Identity, RERUN_ROLES and RERUN_ADMINS; each page as `rerun_role(page)`)."""
    from gongzhi.auth.pages import PAGES as ALL_PAGES
    return {f"transactions_per_rerun.{key}": checkouts_of_rerun(users[rerun_role(key)], page.path)
            for key, page in ALL_PAGES.items()}


def checkouts_of_rerun(user, path: str) -> int:
    """Portal connections one rerun of the page at `path` checks out, as `user`, inside the real app.py."""
    from streamlit.testing.v1 import AppTest

    from gongzhi import db
    from gongzhi.auth import sessions
    from gongzhi.config import ROOT
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["identity"] = user
    at.session_state["session_token"] = sessions.start(user.user_id)   # its check is part of the page's transaction
    at.run()                       # app.py first, so that the page runs inside it as in the portal
    at.switch_page(path).run()
    before = db.checkouts()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return db.checkouts() - before


def _export_rate(user) -> float:
    import time

    from gongzhi.lists import queries
    started = time.perf_counter()
    n = sum(1 for _ in queries.export_rows(user, "demand", queries.ListFilters()))
    return round(n / (time.perf_counter() - started), 0)

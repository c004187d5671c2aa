"""Reads of the 五议 page under row-level security: one page of items (paged in SQL) and one item's
detail — its stages so far, the vote count with quorum and result (private.deliberation_result),
the vote codes issued and used, and the project it became."""
from __future__ import annotations

from gongzhi.auth import Identity
from gongzhi.deliberation.commands import _translated

PER_PAGE = 20
STAGES = ("proposed", "accepted", "declined", "consulted", "voting", "approved", "rejected", "evaluated")
# Which of the five stages (提议 动议 商议 公议 评议) each status belongs to.
STAGE_OF = {"proposed": "proposal", "accepted": "motion", "declined": "motion", "consulted": "consultation",
            "voting": "public", "approved": "public", "rejected": "public", "evaluated": "evaluation"}


def page(user: Identity, status: str | None = None, page_no: int = 1, per_page: int = PER_PAGE) -> tuple[list[dict], int]:
    """Items `user` may read, newest first, filtered by `status`; and how many there are."""
    with _translated(), user.session() as conn:
        rows = conn.execute(
            """select d.id, d.title, d.status, d.proposer_kind, d.proposer, d.proposed_on, o.name as place,
                      d.project_id, count(*) over () as total
               from public.deliberation d join public.org_unit o on o.id = d.org_unit_id
               where %(status)s::text is null or d.status = %(status)s
               order by d.proposed_on desc, d.id desc limit %(limit)s offset %(offset)s""",
            {"status": status, "limit": per_page, "offset": (max(page_no, 1) - 1) * per_page}).fetchall()
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], (rows[0]["total"] if rows else 0)


def get(user: Identity, item_id: int) -> dict | None:
    """One item with its history, count and codes; None when `user` may not read it."""
    with _translated(), user.session() as conn:
        item = conn.execute(
            """select d.*, o.name as place, p.name as project_name, p.status as project_status
               from public.deliberation d join public.org_unit o on o.id = d.org_unit_id
               left join public.project p on p.id = d.project_id where d.id = %s""", (item_id,)).fetchone()
        if item is None:
            return None
        item["steps"] = conn.execute(
            "select status, at, note from public.deliberation_step where deliberation_id = %s order by at, id",
            (item_id,)).fetchall()
        item["count"] = conn.execute("select * from private.deliberation_result(%s)", (item_id,)).fetchone()
        # Community staff read the codes; others see none (row-level security), which reads as zero.
        item["codes"] = conn.execute(
            "select count(*) as issued, count(*) filter (where used) as used from public.deliberation_code"
            " where deliberation_id = %s", (item_id,)).fetchone()
    return item

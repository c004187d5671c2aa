"""五议 items made as the table owner, walked to a stage through the real triggers, for the RLS
matrices and the stage tests. Items sit at a community or below; at a street or the district a
maker returns the key of no row (id -1)."""
from __future__ import annotations

import secrets

from gongzhi.deliberation.commands import code_hash

NO_ROW = {"id": -1}
PATH = ("proposed", "accepted", "consulted", "voting")
# What entering each stage needs, as the owner sets it.
ENTER = {
    "accepted": "status = 'accepted'",
    "declined": "status = 'declined', decline_reason = '不属于社区议事范围'",
    "consulted": "status = 'consulted', meeting_on = current_date - 1, participants = '居委会、业主代表 8 人',"
                 " minutes = '同意进入公议'",
    "voting": "status = 'voting', notice_text = '方案公示', notice_from = current_date - 3,"
              " notice_until = current_date + 7, electorate = 20, quorum = 10",
}


def placeable(conn, unit: int) -> bool:
    return conn.execute("select kind in ('community', 'grid', 'building') as ok from public.org_unit where id = %s",
                        (unit,)).fetchone()["ok"]


def new_item(conn, unit: int, stage: str = "proposed", title: str = "加装电梯") -> int:
    item = conn.execute("insert into public.deliberation (org_unit_id, title, proposer_kind, proposer)"
                        " values (%s, %s, 'residents', '3栋居民') returning id", (unit, title)).fetchone()["id"]
    walk(conn, item, stage)
    return item


def walk(conn, item: int, stage: str) -> None:
    """Move `item` (as the current role) from where it is up to `stage` along the main path."""
    current = conn.execute("select status from public.deliberation where id = %s", (item,)).fetchone()["status"]
    if stage == "declined":
        conn.execute(f"update public.deliberation set {ENTER['declined']} where id = %s", (item,))
        return
    order = PATH + ("rejected" if stage == "rejected" else "approved", "evaluated")
    for step in order[order.index(current) + 1:order.index(stage) + 1]:
        if step in ENTER:
            conn.execute(f"update public.deliberation set {ENTER[step]} where id = %s", (item,))
        elif step in ("approved", "rejected"):
            conn.execute("update public.deliberation set meeting_yes = %s, meeting_no = 3,"
                         " notice_until = current_date - 1 where id = %s", (8 if step == "approved" else 2, item))
            conn.execute("update public.deliberation set status = %s where id = %s", (step, item))
        else:
            for status in ("in_progress", "done"):
                conn.execute("update public.project set status = %s where id ="
                             " (select project_id from public.deliberation where id = %s)", (status, item))
            conn.execute("update public.deliberation set status = 'evaluated', evaluation = '居民满意' where id = %s",
                         (item,))


def new_code(conn, item: int) -> str:
    code = secrets.token_hex(6).upper()
    conn.execute("insert into public.deliberation_code (deliberation_id, code_hash) values (%s, %s)",
                 (item, code_hash(code)))
    return code


def at(conn, unit: int, make) -> dict:
    """make(conn, unit) → {"id": …} where an item can exist; NO_ROW elsewhere."""
    return make(conn, unit) if placeable(conn, unit) else dict(NO_ROW)

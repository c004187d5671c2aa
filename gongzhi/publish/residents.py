"""The 晒 board's sections of the residents' loop and the leaders' levers: the suggestion box's
counts (民情意见箱), the 五议 items and their results, and the 书记项目 results published (晒).
Aggregates and staff-typed titles only (through `public_text`); no message text, no names."""
from __future__ import annotations

from gongzhi.publish.sections import (LIST_LIMIT, Block, Section, Table, Tree, by_unit, public_text, rate, register,
                                      rolled_up)

_DELIBERATION_DONE = ("approved", "rejected", "evaluated")


def _suggestions(conn, tree: Tree) -> dict[int, Block]:
    sums = rolled_up(tree, conn.execute("""
        select terr, count(*) as received,
               count(*) filter (where first_reply_at is not null
                                and (first_reply_at at time zone 'Asia/Shanghai')::date <= reply_due) as in_time,
               count(*) filter (where status in ('demand', 'event', 'deliberation')) as to_cases
        from public.suggestion group by terr"""))
    return {unit.id: Block(figures={"suggestions_received": int(s.get("received", 0)),
                                    "suggestions_in_time": rate(s.get("in_time"), s.get("received")),
                                    "suggestions_to_cases": int(s.get("to_cases", 0))},
                           percent=("suggestions_in_time",))
            for unit in tree.units if (s := sums.get(unit.id))}


def _deliberation(conn, tree: Tree) -> dict[int, Block]:
    sums = rolled_up(tree, conn.execute("""
        select terr, count(*) as items, count(*) filter (where status in ('approved', 'evaluated')) as approved,
               count(*) filter (where status = 'rejected') as rejected
        from public.deliberation group by terr"""))
    decided = conn.execute("""
        select terr, title, status from public.deliberation where status = any (%s)
        order by coalesce(updated_at, created_at) desc limit %s""", (list(_DELIBERATION_DONE), LIST_LIMIT * 10)).fetchall()
    decided = by_unit(tree, decided)
    blocks = {}
    for unit in tree.units:
        s = sums.get(unit.id)
        if not s:
            continue
        block = Block(figures={"deliberation_items": int(s.get("items", 0)),
                               "deliberation_approved": int(s.get("approved", 0)),
                               "deliberation_rejected": int(s.get("rejected", 0))})
        rows = [[public_text(r["title"]), r["status"]] for r in decided.get(unit.id, [])[:LIST_LIMIT]]
        if rows:
            block.tables["deliberation_results"] = Table(["item", "deliberation_status"], rows,
                                                         labels={"deliberation_status": "status.deliberation"})
        blocks[unit.id] = block
    return blocks


def _secretary(conn, tree: Tree) -> dict[int, Block]:
    done = conn.execute("""
        select s.terr, p.name, s.result, s.problems_solved, s.people_reached from public.secretary_project s
        join public.project p on p.id = s.project_id where s.status = 'published'
        order by s.published_on desc, s.id desc""").fetchall()
    done = by_unit(tree, done)
    blocks = {}
    for unit in tree.units:
        mine = done.get(unit.id, [])
        if not mine:
            continue
        blocks[unit.id] = Block(
            figures={"secretary_published": len(mine),
                     "secretary_problems_solved": sum(r["problems_solved"] for r in mine),
                     "secretary_people_reached": sum(r["people_reached"] for r in mine)},
            tables={"secretary_results": Table(["project", "result", "problems_solved", "people_reached"], [
                [public_text(r["name"]), public_text(r["result"]), r["problems_solved"], r["people_reached"]]
                for r in mine[:LIST_LIMIT]])})
    return blocks


SUGGESTIONS = register(Section("suggestions", _suggestions, requires="suggestion"))
DELIBERATION = register(Section("deliberation", _deliberation, requires="deliberation"))
SECRETARY = register(Section("secretary", _secretary, requires="secretary_project"))

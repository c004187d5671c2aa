"""Writes to the three lists, each one transaction as the signed-in user, so row-level security,
the status machine and the audit trigger decide and record every change.

Form values go through `gongzhi.lists.forms`, which uses `gongzhi.lists.fields.parse`: the same
rules as imports. A refused form raises `FormError` (every field problem); a refusal from the
database raises `DomainError` via `gongzhi.errors.from_db`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from psycopg import sql

from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.lists import forms
from gongzhi.lists.fields import URGENCY
from gongzhi.lists import queries
from gongzhi.lists.queries import STATUSES, spec
from gongzhi.personal import sealed_columns


class LikelyDuplicates(DomainError):
    """A new demand looks like demands already entered (`rows`); nothing was written."""

    def __init__(self, rows: list[dict]):
        super().__init__("lists.duplicate.warning", n=len(rows))
        self.rows = rows


def create(user: Identity, list_name: str, raw: Mapping[str, Any], check_duplicates: bool = False) -> int:
    """A new row of `list_name` from form or sheet values; returns its id. With `check_duplicates`
    (demands), refuses with LikelyDuplicates when it looks like demands already entered. Validation,
    the check and the insert are one transaction."""

    def work(conn):
        clean = forms.validate(user, list_name, raw)
        if check_duplicates:
            found = queries.duplicates(user, clean)
            if found:
                raise LikelyDuplicates(found)
        clean = sealed_columns(spec(list_name).table, clean)
        columns = list(clean)
        return conn.execute(
            sql.SQL("insert into public.{} ({}) values ({}) returning id").format(
                sql.Identifier(spec(list_name).table), sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder(c) for c in columns)), clean).fetchone()["id"]
    return user.write(work)


def update(user: Identity, list_name: str, row_id: int, raw: Mapping[str, Any]) -> None:
    """Change the fields present in `raw` of one row; fields left out keep their values. Validation
    and the update are one transaction."""

    def work(conn):
        clean = forms.validate(user, list_name, raw, partial=True)
        if not clean:
            return
        clean = sealed_columns(spec(list_name).table, clean)
        done = conn.execute(
            sql.SQL("update public.{} set {} where id = %(id)s").format(
                sql.Identifier(spec(list_name).table),
                sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in clean)),
            {**clean, "id": row_id}).rowcount
        if done != 1:
            raise DomainError("lists.not_found")
    user.write(work)


def change_status(user: Identity, list_name: str, ids: list[int], to_status: str) -> int:
    """Move every row in `ids` to `to_status`, all or nothing; returns how many changed.

    Rows the user cannot change, or whose status may not move to `to_status`, refuse the whole batch
    with a message naming them; the database's status machine has the last word.
    """
    ids = sorted({int(i) for i in ids})
    if not ids:
        raise DomainError("lists.nothing_selected")
    if to_status not in STATUSES[list_name]:
        raise DomainError("status.invalid_transition")
    table = sql.Identifier(spec(list_name).table)

    def work(conn):
        rows = conn.execute(sql.SQL("select id, status from public.{} where id = any(%s) for update").format(table),
                            (ids,)).fetchall()
        if len(rows) != len(ids):
            missing = sorted(set(ids) - {r["id"] for r in rows})
            raise DomainError("lists.bulk_missing", ids=_ids(missing))
        moving = [r for r in rows if r["status"] != to_status]
        allowed = {r["from_status"] for r in conn.execute(
            "select from_status from public.status_transition where entity = %s and to_status = %s",
            (spec(list_name).table, to_status))}
        refused = sorted(r["id"] for r in moving if r["status"] not in allowed)
        if refused:
            raise DomainError("lists.bulk_refused", ids=_ids(refused))
        changed = conn.execute(sql.SQL("update public.{} set status = %s where id = any(%s) and status <> %s").format(
            table), (to_status, [r["id"] for r in moving], to_status)).rowcount
        if changed != len(moving):
            raise DomainError("error.forbidden")
        return changed
    return user.write(work)


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:10])
    return shown + (" …" if len(ids) > 10 else "")


def link_duplicate(user: Identity, demand_id: int, raw: Mapping[str, Any]) -> None:
    """Record a re-reported demand on the existing one instead of entering it twice: a dated note
    in its description, and its urgency raised to the new report's if that is higher."""
    clean = forms.validate(user, "demand", raw)
    note = f"\n[{dt.date.today().isoformat()}] {clean['title']}"
    if clean.get("description"):
        note += f"：{clean['description']}"

    def work(conn):
        row = conn.execute("select urgency, description from public.demand where id = %s for update",
                           (demand_id,)).fetchone()
        if row is None:
            raise DomainError("lists.not_found")
        urgency = max(row["urgency"], clean.get("urgency") or "normal", key=URGENCY.index)
        description = (row["description"] + note)[:5000]
        if conn.execute("update public.demand set description = %s, urgency = %s where id = %s",
                        (description, urgency, demand_id)).rowcount != 1:
            raise DomainError("error.forbidden")
    user.write(work)


# ---------------------------------------------------------------- projects
def create_project(user: Identity, raw: Mapping[str, Any], demand_ids: list[int] = (),
                   resource_ids: list[int] = ()) -> int:
    """A project built from demands and resources the user can see: validation, the insert and the
    links in one transaction."""

    def work(conn):
        clean = forms.validate(user, "project", raw)
        columns = list(clean)
        project_id = conn.execute(
            sql.SQL("insert into public.project ({}) values ({}) returning id").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder(c) for c in columns)), clean).fetchone()["id"]
        _link(conn, project_id, demand_ids, resource_ids)
        return project_id
    return user.write(work)


def link_to_project(user: Identity, project_id: int, demand_ids: list[int] = (),
                    resource_ids: list[int] = ()) -> None:
    """Add demands and resources to an existing project."""
    user.write(lambda conn: _link(conn, project_id, demand_ids, resource_ids))


def _link(conn, project_id: int, demand_ids, resource_ids) -> None:
    demand_ids, resource_ids = sorted(set(demand_ids)), sorted(set(resource_ids))
    seen = conn.execute("select count(*) as n from public.demand where id = any(%s)", (demand_ids,)).fetchone()["n"]
    if seen != len(demand_ids):
        raise DomainError("error.forbidden")
    seen = conn.execute("select count(*) as n from public.resource where id = any(%s)", (resource_ids,)).fetchone()["n"]
    if seen != len(resource_ids):
        raise DomainError("error.forbidden")
    with conn.cursor() as cur:
        cur.executemany("insert into public.project_demand (project_id, demand_id) values (%s, %s)"
                        " on conflict do nothing", [(project_id, d) for d in demand_ids])
        cur.executemany("insert into public.project_resource (project_id, resource_id) values (%s, %s)"
                        " on conflict do nothing", [(project_id, r) for r in resource_ids])


def update_progress(user: Identity, project_id: int, raw: Mapping[str, Any]) -> None:
    """Record a project's progress (0–100 %) and spending."""
    def work(conn):
        clean = forms.validate(user, "project_progress", raw)
        if conn.execute("update public.project set progress = %(progress)s, spent = %(spent)s where id = %(id)s",
                        {**clean, "id": project_id}).rowcount != 1:
            raise DomainError("lists.not_found")
    user.write(work)


def add_milestone(user: Identity, project_id: int, raw: Mapping[str, Any]) -> int:
    """A new milestone at the end of a project's plan."""
    def work(conn):
        clean = forms.validate(user, "milestone", raw)
        if conn.execute("select 1 from public.project where id = %s", (project_id,)).fetchone() is None:
            raise DomainError("lists.not_found")
        return conn.execute(
            """insert into public.project_milestone (project_id, title, due_date, position)
               values (%(project)s, %(title)s, %(due_date)s,
                       (select coalesce(max(position), 0) + 1 from public.project_milestone where project_id = %(project)s))
               returning id""", {**clean, "project": project_id}).fetchone()["id"]
    return user.write(work)


def set_milestone_done(user: Identity, milestone_id: int, done: bool) -> None:
    def work(conn):
        if conn.execute("update public.project_milestone set done_at = case when %s then coalesce(done_at, now()) end"
                        " where id = %s", (done, milestone_id)).rowcount != 1:
            raise DomainError("lists.not_found")
    user.write(work)

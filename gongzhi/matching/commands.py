"""Writes of matching, each one transaction as the signed-in user: assign a resource to a demand,
move a match through its lifecycle, lapse old proposals, and make a project from matched demands.

The database decides who may do what (row-level security and the match triggers); these
functions turn its refusals into DomainErrors with catalogue keys.
"""
from __future__ import annotations

import json

import psycopg

from gongzhi import db
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.matching import queries

LAPSE_DAYS_SETTING = "GONGZHI_MATCH_LAPSE_DAYS"
DEFAULT_LAPSE_DAYS = 7
TRANSITIONS = ("accepted", "rejected", "done", "cancelled")
PROJECT_KINDS = ("joint", "secretary", "livelihood")


def lapse_days() -> int:
    """Days a proposal may wait for the provider's answer (setting GONGZHI_MATCH_LAPSE_DAYS)."""
    from gongzhi.config import setting
    value = setting(LAPSE_DAYS_SETTING)
    try:
        days = int(value) if value is not None else DEFAULT_LAPSE_DAYS
    except ValueError:
        raise DomainError("matching.lapse_days") from None
    if days < 1:
        raise DomainError("matching.lapse_days")
    return days


def assign(user: Identity, demand_id: int, resource_id: int, quantity: int | None = None) -> dict:
    """One click: a proposed match of the resource to the demand, scored with its reasons; the
    resource's capacity goes down in the same transaction. Quantity defaults to what the demand
    still needs, up to what the resource has left."""
    try:
        with user.session() as conn:
            rows = queries.suggest_in(conn, demand_id, limit=1, resource_id=resource_id)
            if not rows:
                raise DomainError("matching.not_a_candidate")
            row = rows[0]
            if quantity is None:
                quantity = min(row["want"], row["remaining"])
            if quantity < 1 or quantity > row["want"]:
                raise DomainError("matching.bad_quantity")
            return conn.execute(
                """insert into public.match (demand_id, resource_id, quantity, score, reasons)
                   values (%s, %s, %s, %s, %s) returning *""",
                (demand_id, resource_id, quantity, row["score"], json.dumps(row["reasons"], default=str))).fetchone()
    except psycopg.Error as exc:
        raise from_db(exc) from None


def set_status(user: Identity, match_id: int, status: str, rating: int | None = None) -> dict:
    """Move a match to `status` (accepted, rejected, done, cancelled); `rating` (1–5) goes with done."""
    if status not in TRANSITIONS:
        raise DomainError("status.invalid_transition")
    if rating is not None and (status != "done" or not 1 <= int(rating) <= 5):
        raise DomainError("matching.bad_rating")
    return _update(user, "update public.match set status = %s, rating = coalesce(%s, rating) where id = %s returning *",
                   (status, rating, match_id))


def rate(user: Identity, match_id: int, rating: int) -> dict:
    """The resident's rating (1–5) of a done match, recorded by the demand's side."""
    if not 1 <= int(rating) <= 5:
        raise DomainError("matching.bad_rating")
    return _update(user, "update public.match set rating = %s where id = %s returning *", (rating, match_id))


def _update(user: Identity, sql: str, params: tuple) -> dict:
    """One match changed by `sql` as `user`; the row as it is now, or a refusal when RLS hid it."""
    try:
        with user.session() as conn:
            row = conn.execute(sql, params).fetchone()
    except psycopg.Error as exc:
        raise from_db(exc) from None
    if row is None:
        raise DomainError("error.forbidden")
    return row


def lapse(days: int | None = None) -> int:
    """Lapse proposals older than `days` (default: the setting); their capacity returns. Runs as
    the owner, like any scheduled job; returns how many lapsed."""
    days = lapse_days() if days is None else days
    if days < 1:
        raise DomainError("matching.lapse_days")
    with db.owner() as conn, conn.transaction():
        return conn.execute("select private.lapse_matches(%s) as n", (days,)).fetchone()["n"]


def project_from_matches(user: Identity, match_ids: list[int], name: str, kind: str = "joint") -> int:
    """A project at the user's own unit holding the demands and resources of the given live
    matches, in one transaction; returns the project id."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise DomainError("matching.project_name")
    if kind not in PROJECT_KINDS:
        raise DomainError("error.invalid_value")
    ids = sorted({int(i) for i in match_ids})
    try:
        with user.session() as conn:
            chosen = conn.execute(
                f"""select m.demand_id, m.resource_id, m.quantity from public.match m
                   where m.id = any (%s) and m.status in {queries.LIVE}""", (ids,)).fetchall()
            if not ids or len(chosen) != len(ids):
                raise DomainError("matching.project_needs_matches")
            project = conn.execute(
                """insert into public.project (org_unit_id, kind, name, beneficiaries)
                   values (%s, %s, %s, %s) returning id""",
                (user.org_unit_id, kind, name, len({r["demand_id"] for r in chosen}))).fetchone()["id"]
            conn.execute("""insert into public.project_demand (project_id, demand_id)
                            select %s, x from unnest(%s::bigint[]) x group by x""",
                         (project, [r["demand_id"] for r in chosen]))
            conn.execute("""insert into public.project_resource (project_id, resource_id, quantity)
                            select %s, r, sum(q) from unnest(%s::bigint[], %s::int[]) as u(r, q) group by r""",
                         (project, [r["resource_id"] for r in chosen], [r["quantity"] for r in chosen]))
            return project
    except psycopg.Error as exc:
        raise from_db(exc) from None

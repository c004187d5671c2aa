"""Messages of the suggestion box made as the portal makes them: through public.submit_suggestion
(as the owner here, or as the public role), with a sender and optionally a sealed phone."""
from __future__ import annotations

import uuid

from gongzhi.personal import crypto

CALL = "select id, code from public.submit_suggestion(%s, %s, %s, %s, %s, %s, %s, %s)"


def community_code(conn, unit: int) -> str:
    """The code of the community that `unit` is or lies in."""
    return conn.execute("select c.code from public.org_unit o join public.org_unit c"
                        " on c.id = coalesce(o.community_id, o.id) where o.id = %s", (unit,)).fetchone()["code"]


def submit(conn, community: str, phone: str | None = None, sender: str | None = None, category: str = "repair",
           body: str = "3号楼东侧路灯坏了一个多星期，晚上看不清路。") -> dict:
    """Submit a message as whoever `conn` acts as now; returns {id, code}."""
    conn.execute("select set_config('gongzhi.client_ip', %s, true)", (sender or f"10.9.{uuid.uuid4().int % 250}.7",))
    s = crypto.seal("phone", phone) if phone else None
    return conn.execute(CALL, (community, category, "need", body, s.enc if s else None, s.bidx if s else None,
                               s.masked if s else None, "suggestion_v1")).fetchone()


def at(conn, unit: int) -> dict:
    """A message placed at `unit` itself, inserted by the owner past the public function (which
    places every message at a community), so that the matrix has a row at every place; the key."""
    row = conn.execute("insert into public.suggestion (org_unit_id, category_id, body, notice_version, tracking_hash)"
                       " values (%s, (select min(id) from public.category), '楼道里堆满杂物，存在消防隐患',"
                       " 'suggestion_v1', sha256(gen_random_uuid()::text::bytea)) returning id", (unit,)).fetchone()
    return {"id": row["id"], "unit": unit}

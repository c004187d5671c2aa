"""Reads of the 组织与账号 page, as the signed-in system administrator under row-level security."""
from __future__ import annotations

from dataclasses import dataclass

import psycopg

from gongzhi.auth import Identity
from gongzhi.errors import from_db

PER_PAGE = 50
CHILD = {"district": "street", "street": "community", "community": "grid"}


def can_manage(user: Identity) -> bool:
    """True for the system administrator (系统管理员): the only one RLS lets change the tree and accounts."""
    with user.session() as conn:
        return bool(conn.execute("select (select private.admin_capability()) = 'system' as ok").fetchone()["ok"])


def tree(user: Identity) -> list[dict]:
    """Streets, communities and grids under the district, in tree order, with staff counts."""
    with user.session() as conn:
        return conn.execute(
            """select o.id, o.parent_id, o.kind, o.name, o.code,
                      (select count(*) from public.staff s where s.org_unit_id = o.id and s.active) as staff
               from public.org_unit o where o.kind <> 'building'
               order by o.terr, array_position(array['district', 'street', 'community', 'grid'], o.kind), o.id"""
        ).fetchall()


def departments(user: Identity, lang: str = "zh") -> list[dict]:
    """The active departments (职能部门) department staff can belong to."""
    name = "name_en" if lang == "en" else "name_zh"
    with user.session() as conn:
        return conn.execute(f"select id, {name} as name from public.department where active order by position, id"
                            ).fetchall()


@dataclass(frozen=True)
class StaffPage:
    rows: list[dict]
    total: int
    page: int
    pages: int


def staff(user: Identity, search: str = "", page: int = 1, per_page: int = PER_PAGE) -> StaffPage:
    """One page of staff accounts (name, email, role, unit, active), filtered by `search` in SQL."""
    like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = """(%(q)s = '' or s.display_name ilike %(like)s or l.email ilike %(like)s or o.name ilike %(like)s)"""
    params = {"q": search.strip(), "like": like}
    try:
        return _staff(user, where, params, page, per_page)
    except psycopg.Error as exc:   # only district staff may read sign-in emails
        raise from_db(exc) from None


def _staff(user: Identity, where: str, params: dict, page: int, per_page: int) -> StaffPage:
    with user.session() as conn:
        base = f"""from public.staff s join public.org_unit o on o.id = s.org_unit_id
                   left join private.staff_logins() l on l.user_id = s.user_id where {where}"""
        total = conn.execute(f"select count(*) as n {base}", params).fetchone()["n"]
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        rows = conn.execute(
            f"""select s.user_id::text as user_id, s.display_name, l.email, s.role, o.id as org_unit_id,
                       o.name as org_unit, s.phone, s.active, l.last_sign_in_at
                {base} order by o.terr, s.role, s.display_name, s.user_id limit %(limit)s offset %(offset)s""",
            {**params, "limit": per_page, "offset": (page - 1) * per_page}).fetchall()
    return StaffPage(rows, total, page, pages)

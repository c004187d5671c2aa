"""Who may unmask personal data (安全管理员): `public.unmask_grant`, kept by the security administrator.

The unmasking itself (the encryption work) asks the database `private.may_unmask()`, which is true
for an active staff member with a grant; it still applies the territory and logs every unmasking
with its reason. Administrators cannot hold a grant (they see no personal data). Each grant and
withdrawal is a `capability` entry in the security log.
"""
from __future__ import annotations

import psycopg

from gongzhi import security_log
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db

MAX_REASON = 200


def grants(user: Identity) -> list[dict]:
    """The current grants: who, where, why, granted by whom and when."""
    try:
        with user.session() as conn:
            return conn.execute(
                """select g.user_id, s.display_name, o.name as org_unit_name, g.reason, g.granted_at,
                          b.display_name as granted_by_name
                   from public.unmask_grant g join public.staff s on s.user_id = g.user_id
                   join public.org_unit o on o.id = s.org_unit_id
                   left join public.staff b on b.user_id = g.granted_by
                   order by g.granted_at desc, g.user_id""").fetchall()
    except psycopg.Error as exc:
        raise from_db(exc) from None


def candidates(user: Identity) -> list[dict]:
    """Active staff who could be granted unmasking: everyone without a grant or a capability."""
    try:
        with user.session() as conn:
            return conn.execute(
                """select s.user_id, s.display_name, o.name as org_unit_name, s.role
                   from public.staff s join public.org_unit o on o.id = s.org_unit_id
                   where s.active and s.role <> 'department'
                     and not exists (select from public.unmask_grant g where g.user_id = s.user_id)
                     and s.user_id not in (select g.user_id from public.admin_grant g)
                   order by o.terr, s.display_name limit 2000""").fetchall()
    except psycopg.Error as exc:
        raise from_db(exc) from None


def grant(user: Identity, staff_id: str, reason: str) -> None:
    """Allow `staff_id` to unmask personal data, for `reason` (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("admin.unmask.reason_required")
    if len(reason) > MAX_REASON:
        raise DomainError("admin.unmask.reason_too_long", max=MAX_REASON)
    try:
        with user.session() as conn:
            conn.execute("insert into public.unmask_grant (user_id, reason) values (%s, %s)", (staff_id, reason))
            security_log.append(conn, "capability", object=f"user:{staff_id}", details={"action": "unmask_grant"})
    except psycopg.Error as exc:
        raise from_db(exc) from None


def withdraw(user: Identity, staff_id: str) -> None:
    """Take the grant of `staff_id` back."""
    try:
        with user.session() as conn:
            if conn.execute("delete from public.unmask_grant where user_id = %s", (staff_id,)).rowcount != 1:
                raise DomainError("error.forbidden")
            security_log.append(conn, "capability", object=f"user:{staff_id}",
                                details={"action": "unmask_withdraw"})
    except psycopg.Error as exc:
        raise from_db(exc) from None

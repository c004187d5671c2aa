"""Giving and taking administrator capabilities, and the access-control summary.

No API role may write `public.admin_grant`: a capability is the deployer's decision, made from the
command line on an owner connection with dict rows (`python -m gongzhi user add --admin …`,
`python -m gongzhi admin grant|revoke`). Each change is a `capability` entry in the security log, in the same
transaction. The database refuses a second capability for one account (`admin.one_capability`) and
capabilities for anyone but district-level staff.
"""
from __future__ import annotations

import psycopg

from gongzhi import security_log, security_settings
from gongzhi.errors import DomainError, from_db

CAPABILITIES = ("system", "security", "audit")


def _account(conn, who: str) -> str:
    """The user id of the staff account with email or id `who`."""
    row = conn.execute("select s.user_id from public.staff s join auth.users u on u.id = s.user_id"
                       " where u.email = lower(btrim(%s)) or s.user_id::text = %s", (who, who)).fetchone()
    if row is None:
        raise DomainError("org.account.not_found")
    return str(row["user_id"])


def grant(conn, who: str, capability: str) -> str:
    """Give the account `who` (email or id) the capability, on an owner connection; returns its id."""
    if capability not in CAPABILITIES:
        raise DomainError("admin.unknown_capability", capability=capability)
    try:
        with conn.transaction():
            user_id = _account(conn, who)
            conn.execute("insert into public.admin_grant (user_id, capability) values (%s, %s)",
                         (user_id, capability))
            security_log.append(conn, "capability", object=f"user:{user_id}",
                                details={"action": "grant", "capability": capability})
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return user_id


def revoke(conn, who: str) -> str:
    """Take the capability of the account `who` away, on an owner connection; returns which it was."""
    try:
        with conn.transaction():
            user_id = _account(conn, who)
            row = conn.execute("delete from public.admin_grant where user_id = %s returning capability",
                               (user_id,)).fetchone()
            if row is None:
                raise DomainError("admin.no_capability")
            capability = row["capability"]
            security_log.append(conn, "capability", object=f"user:{user_id}",
                                details={"action": "revoke", "capability": capability})
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return capability


def holders(conn) -> list[dict]:
    """Every capability holder: capability, email, name, whether the account is active."""
    return conn.execute(
        """select g.capability, u.email::text as email, s.display_name, s.active
           from public.admin_grant g join public.staff s on s.user_id = g.user_id
           join auth.users u on u.id = g.user_id
           order by array_position(array['system', 'security', 'audit'], g.capability), u.email""").fetchall()


def summary(conn) -> dict:
    """访问控制 for the compliance report, on an owner connection: active holders per capability,
    accounts holding two (the database refuses it, so 0 unless its constraint was removed), dormant
    accounts (no sign-in for `accounts.dormant_days`) and dormant administrators."""
    days = security_settings.get(conn, "accounts.dormant_days")
    row = conn.execute(
        """select
             (select count(*) from public.admin_grant g join public.staff s on s.user_id = g.user_id
              where s.active and g.capability = 'system') as system,
             (select count(*) from public.admin_grant g join public.staff s on s.user_id = g.user_id
              where s.active and g.capability = 'security') as security,
             (select count(*) from public.admin_grant g join public.staff s on s.user_id = g.user_id
              where s.active and g.capability = 'audit') as audit,
             (select count(*) from (select user_id from public.admin_grant group by user_id
                                    having count(*) > 1) x) as holding_two,
             (select count(*) from public.staff s join auth.users u on u.id = s.user_id
              where s.active and coalesce(u.last_sign_in_at, s.created_at) < now() - make_interval(days => %(d)s)
                and not exists (select from public.admin_grant g where g.user_id = s.user_id)) as dormant,
             (select count(*) from public.staff s join auth.users u on u.id = s.user_id
              join public.admin_grant g on g.user_id = s.user_id
              where s.active and coalesce(u.last_sign_in_at, s.created_at) < now() - make_interval(days => %(d)s))
               as dormant_admins""", {"d": int(days)}).fetchone()
    counts = {c: int(row[c]) for c in CAPABILITIES}
    return {"holders": counts, "holding_two": int(row["holding_two"]),
            "dormant_days": int(days), "dormant": int(row["dormant"]),
            "dormant_admins": int(row["dormant_admins"]),
            "separated": all(n >= 1 for n in counts.values()) and row["holding_two"] == 0}

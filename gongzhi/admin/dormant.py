"""Dormant accounts: active staff without a sign-in for `accounts.dormant_days` (default 90), listed
for the system administrator and disabled in one step.

`private.dormant_accounts(days)` lists them (the system administrator only; administrators'
accounts are the deployer's and are left out). `disable` turns every chosen account off in one
transaction under row-level security, with one `account` entry per account in the security log;
disabling an account also ends its sessions (the database's trigger).
"""
from __future__ import annotations

import psycopg

from gongzhi import security_log, security_settings
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db


def days(user: Identity) -> int:
    with user.session() as conn:
        return int(security_settings.get(conn, "accounts.dormant_days"))


def accounts(user: Identity, dormant_days: int | None = None) -> list[dict]:
    """The dormant accounts, longest silent first."""
    try:
        with user.session() as conn:
            n = dormant_days or int(security_settings.get(conn, "accounts.dormant_days"))
            return conn.execute("select * from private.dormant_accounts(%s)", (n,)).fetchall()
    except psycopg.Error as exc:
        raise from_db(exc) from None


def disable(user: Identity, user_ids: list[str], dormant_days: int | None = None) -> int:
    """Disable the chosen accounts, each of which must still be dormant, all or none; returns how many."""
    chosen = sorted({str(u) for u in user_ids})
    if not chosen:
        raise DomainError("admin.dormant.none_chosen")
    try:
        with user.session() as conn:
            n = dormant_days or int(security_settings.get(conn, "accounts.dormant_days"))
            dormant = {str(r["user_id"]) for r in
                       conn.execute("select user_id from private.dormant_accounts(%s)", (n,))}
            if not set(chosen) <= dormant:
                raise DomainError("admin.dormant.not_dormant")
            done = conn.execute("update public.staff set active = false where user_id = any(%s::uuid[])",
                                (chosen,)).rowcount
            if done != len(chosen):
                raise DomainError("error.forbidden")
            for user_id in chosen:
                security_log.append(conn, "account", object=f"user:{user_id}",
                                    details={"action": "disable", "reason": "dormant", "days": n})
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return done

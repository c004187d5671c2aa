"""Demo mode (演示模式): the one state in which accounts may keep the published demo password.

It is the security setting `demo_mode`. Only the demo loader (`make run`'s first start, `seed
--demo`) turns it on; while it is on, every page says so in a banner. It goes off — for good — when
a district turns it off (the security settings page, `python -m gongzhi demo-mode off`) or loads
its own org tree; the database then makes every account still on the demo password change it at
its next sign-in (private.demo_mode_ended), the demo accounts included.
"""
from __future__ import annotations

from gongzhi import db, security_log, security_settings

KEY = "demo_mode"


def is_on(conn) -> bool:
    """Whether demo mode is on; `conn` may be any role that reads the security settings."""
    return bool(security_settings.get(conn, KEY))


def turn_off(conn) -> bool:
    """Demo mode off, logged, in the caller's transaction (district staff, or the owner for the
    command line); True when it was on."""
    if not is_on(conn):
        return False
    conn.execute("update public.security_setting set value = 'false' where key = %s", (KEY,))
    security_log.append(conn, "setting", object=f"setting:{KEY}", details={"from": True, "to": False})
    return True


def on() -> bool:
    """Whether demo mode is on, for a page with nobody signed in (as the sign-in role)."""
    with db.as_auth() as conn:
        return is_on(conn)


def turn_off_by(user) -> bool:
    """Demo mode off as `user` (district staff; row-level security decides), logged."""
    with user.session() as conn:
        return turn_off(conn)

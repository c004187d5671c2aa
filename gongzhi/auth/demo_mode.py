"""Demo mode (演示模式): the one state in which accounts may keep the published demo password.

It is the security setting `demo_mode`. Only the demo loader (`make run`'s first start, `seed
--demo`) turns it on; while it is on, every page says so in a banner. It goes off — for good — when
the security administrator turns it off (the security settings page, `python -m gongzhi demo-mode
off`) or the system administrator loads the district's own org tree; the database then makes every
account still on the demo password change it at its next sign-in (private.demo_mode_ended), the
demo accounts and the administrators included.
"""
from __future__ import annotations

from gongzhi import db, security_log, security_settings

KEY = "demo_mode"


def is_on(conn) -> bool:
    """Whether demo mode is on; `conn` may be any role that reads the security settings."""
    return bool(security_settings.get(conn, KEY))


def turn_off(conn) -> bool:
    """Demo mode off, logged, in the caller's transaction (the system or the security administrator,
    or the owner for the command line; private.end_demo_mode refuses anyone else); True when it
    was on."""
    row = conn.execute("select private.end_demo_mode() as ended").fetchone()
    if not (row["ended"] if isinstance(row, dict) else row[0]):
        return False
    security_log.append(conn, "setting", object=f"setting:{KEY}", details={"from": True, "to": False})
    return True


def on() -> bool:
    """Whether demo mode is on, for a page with nobody signed in (as the sign-in role)."""
    with db.as_auth() as conn:
        return is_on(conn)


def turn_off_by(user) -> bool:
    """Demo mode off as `user` (the system or the security administrator), logged."""
    with user.session() as conn:
        return turn_off(conn)

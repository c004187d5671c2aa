"""The signed-in staff member as the domain package sees them, with the state of their password
(must it be changed first, when it expires) and whether the deployment runs as the demo."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gongzhi import db, security_settings
from gongzhi.errors import DomainError, translated


@dataclass(frozen=True)
class Identity:
    user_id: str
    email: str
    display_name: str
    role: str
    org_unit_id: int
    org_unit_name: str
    org_unit_kind: str
    claims: dict = field(default_factory=dict, compare=False)
    admin: str | None = None   # the administrator capability (system / security / audit), if any
    # Why the password must be changed before anything else ('first', 'reset', 'expired', 'demo'),
    # or "" when it need not; the database refuses such an account everything meanwhile.
    must_change: str = ""
    password_expires_at: datetime | None = field(default=None, compare=False)
    password_warn_days: int = field(default=7, compare=False)
    demo_mode: bool = field(default=False, compare=False)

    def session(self):
        """One transaction as this user, under row-level security."""
        return db.as_user(self.user_id, self.claims)

    def one_transaction(self, keep_on: tuple[type[BaseException], ...] = ()):
        """Every `session()` of this user inside joins one transaction (see db.one_transaction)."""
        return db.one_transaction(self.user_id, self.claims, keep_on)

    def write(self, work, constraints: dict[str, str] | None = None):
        """`work(conn)` in one transaction as this user (what it reads through other `session()`
        calls joins it); database refusals become DomainErrors, a constraint named in
        `constraints` as its i18n key (`errors.translated`)."""
        with translated(constraints), self.one_transaction(), self.session() as conn:
            return work(conn)

    def password_days_left(self, now: datetime) -> int | None:
        """Whole days until the password expires, when that is within the warning period; else None."""
        if self.password_expires_at is None or self.must_change:
            return None
        left = self.password_expires_at - now
        return max(left.days, 0) if left <= timedelta(days=self.password_warn_days) else None


def load_identity(user_id: str, claims: dict | None = None) -> Identity:
    """The staff record of `user_id`; refuses users who are not active staff. A password older than
    the district's expiry is marked here as one that must be changed."""
    with db.as_auth() as conn:
        row = conn.execute("select * from private.staff_identity(%s)", (user_id,)).fetchone()
        if row is None:
            raise DomainError("auth.not_staff")
        if not row["active"]:
            raise DomainError("auth.disabled")
        admin = conn.execute("select private.admin_capability_of(%s) as c", (user_id,)).fetchone()["c"]
        settings = security_settings.current(conn)
        state = conn.execute("select * from private.password_status(%s, %s)",
                             (user_id, settings["password.expiry_days"])).fetchone()
    expires = None
    if state["changed_at"] is not None and not state["demo"]:
        expires = state["changed_at"] + timedelta(days=settings["password.expiry_days"])
    return Identity(user_id=str(user_id), email=row["email"], display_name=row["display_name"],
                    role=row["role"], org_unit_id=row["org_unit_id"], org_unit_name=row["org_unit_name"],
                    org_unit_kind=row["org_unit_kind"], claims=dict(claims or {}), admin=admin,
                    must_change=state["reason"] or "", password_expires_at=expires,
                    password_warn_days=settings["password.warn_days"], demo_mode=bool(settings["demo_mode"]))

"""The signed-in staff member as the domain package sees them."""
from __future__ import annotations

from dataclasses import dataclass, field

from gongzhi import db
from gongzhi.errors import DomainError


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

    def session(self):
        """One transaction as this user, under row-level security."""
        return db.as_user(self.user_id, self.claims)

    def one_transaction(self, keep_on: tuple[type[BaseException], ...] = ()):
        """Every `session()` of this user inside joins one transaction (see db.one_transaction)."""
        return db.one_transaction(self.user_id, self.claims, keep_on)


def load_identity(user_id: str, claims: dict | None = None) -> Identity:
    """The staff record of `user_id`; refuses users who are not active staff."""
    with db.as_auth() as conn:
        row = conn.execute("select * from private.staff_identity(%s)", (user_id,)).fetchone()
        admin = conn.execute("select private.admin_capability_of(%s) as c", (user_id,)).fetchone()["c"] if row else None
    if row is None:
        raise DomainError("auth.not_staff")
    if not row["active"]:
        raise DomainError("auth.disabled")
    return Identity(user_id=str(user_id), email=row["email"], display_name=row["display_name"],
                    role=row["role"], org_unit_id=row["org_unit_id"], org_unit_name=row["org_unit_name"],
                    org_unit_kind=row["org_unit_kind"], claims=dict(claims or {}), admin=admin)

"""Validation of the 组织与账号 forms; each check returns i18n keys, the database checks again."""
from __future__ import annotations

import re
from dataclasses import dataclass

from gongzhi.auth import passwords
from gongzhi.lists.fields import PHONE

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    return passwords.problems(password, email=email, name=name)


@dataclass(frozen=True)
class AccountForm:
    email: str
    password: str
    display_name: str
    org_unit_id: int | None
    role: str | None = None          # only for the district unit: district or department
    phone: str = ""
    department_id: int | None = None  # department staff only

    def validate(self) -> list[str]:
        problems = []
        if not EMAIL.match(self.email.strip()) or len(self.email) > 255:
            problems.append("org.account.bad_email")
        problems += password_problems(self.password, self.email, self.display_name)
        if not 1 <= len(self.display_name.strip()) <= 50:
            problems.append("org.account.bad_name")
        if self.phone.strip() and not PHONE.match(self.phone.strip()):
            problems.append("field.error.phone")
        if self.org_unit_id is None:
            problems.append("org.account.no_unit")
        if self.role == "department" and self.department_id is None:
            problems.append("staff.department_required")
        return problems


@dataclass(frozen=True)
class UnitForm:
    parent_id: int | None
    name: str
    code: str = ""

    def validate(self) -> list[str]:
        problems = []
        if self.parent_id is None:
            problems.append("org.unit.no_parent")
        if not 1 <= len(self.name.strip()) <= 100:
            problems.append("org.unit.bad_name")
        if self.code.strip() and not CODE.match(self.code.strip()):
            problems.append("org.unit.bad_code")
        return problems

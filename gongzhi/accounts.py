"""Staff accounts: creating the auth user and the staff row together. The password is the
administrator's choice, so the new account must change it at its first sign-in.

This is the deployer's path (CLI, first set-up: also the first administrators, `admin=`); in the
portal the system administrator manages accounts through the same tables under row-level security.
"""
from __future__ import annotations

import psycopg

from gongzhi import db
from gongzhi.auth import passwords
from gongzhi.auth.local import create_user
from gongzhi.errors import DomainError, from_db
from gongzhi.personal.crypto import BadValue, columns_of, seal_optional


def create_staff(*, email: str, password: str, role: str, org: str, display_name: str,
                 phone: str | None = None, department: str | None = None, admin: str | None = None) -> str:
    """Create an account for a staff member at the org unit with code or name `org`; department
    staff also name their department (code or name). `admin` (system / security / audit) makes the
    account an administrator in the same transaction (district-level accounts only)."""
    try:
        with db.owner() as conn, conn.transaction():
            passwords.check(conn, password, email=email, name=display_name)
            units = conn.execute("select id from public.org_unit where code = %s or name = %s",
                                 (org, org)).fetchall()
            if len(units) != 1:
                raise DomainError("account.org_not_found", org=org)
            department_id = None
            if department:
                found = conn.execute("select id from public.department where code = %s or name_zh = %s"
                                     " or name_en = %s", (department, department, department)).fetchall()
                if len(found) != 1:
                    raise DomainError("account.department_not_found", department=department)
                department_id = found[0]["id"]
            user_id = create_user(conn, email, password)
            try:
                sealed = seal_optional("phone", phone)
            except BadValue as exc:
                raise DomainError(exc.key) from None
            conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name, phone_enc, phone_bidx, phone_masked,"
                         " department_id) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                         (user_id, units[0]["id"], role, display_name, *columns_of(sealed), department_id))
            if admin:
                from gongzhi.admin import grants
                grants.grant(conn, user_id, admin)
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return user_id

"""Writes of the 组织与账号 page: org units and staff accounts. Each runs in one transaction as the
signed-in user, so row-level security (district staff only) and the database's triggers decide;
passwords are hashed here and reach the database only hashed."""
from __future__ import annotations


import psycopg

from gongzhi import config, security_log, security_settings
from gongzhi.auth import Identity, passwords, supabase_auth
from gongzhi.auth.local import hash_password
from gongzhi.errors import DomainError, from_db
from gongzhi.org.forms import AccountForm, UnitForm, password_problems
from gongzhi.org.queries import CHILD
from gongzhi.personal.crypto import columns_of, seal_optional


def _refuse(problems: list[str]) -> None:
    if problems:
        raise DomainError(problems[0])


def add_unit(user: Identity, form: UnitForm) -> int:
    """A new street, community or grid under `form.parent_id`; returns its id. Without a code, the
    next free `<parent code>NNN` is used."""
    _refuse(form.validate())
    try:
        with user.session() as conn:
            parent = conn.execute("select id, kind, code from public.org_unit where id = %s",
                                  (form.parent_id,)).fetchone()
            if parent is None or parent["kind"] not in CHILD:
                raise DomainError("org_unit.bad_parent")
            code = form.code.strip() or next_code(conn, parent)
            return conn.execute("insert into public.org_unit (parent_id, kind, name, code) values (%s, %s, %s, %s)"
                                " returning id", (parent["id"], CHILD[parent["kind"]], form.name.strip(), code)
                                ).fetchone()["id"]
    except psycopg.errors.UniqueViolation:
        raise DomainError("org.unit.code_taken") from None
    except psycopg.Error as exc:
        raise from_db(exc) from None


def next_code(conn, parent: dict) -> str:
    taken = {r["code"] for r in conn.execute("select code from public.org_unit where code like %s",
                                             (parent["code"] + "%",))}
    n = 1
    while f"{parent['code']}{n:03d}" in taken:
        n += 1
    return f"{parent['code']}{n:03d}"


def rename_unit(user: Identity, unit_id: int, name: str) -> None:
    if not 1 <= len(name.strip()) <= 100:
        raise DomainError("org.unit.bad_name")
    _write(user, "update public.org_unit set name = %s where id = %s", (name.strip(), unit_id))


def create_account(user: Identity, form: AccountForm) -> str:
    """A sign-in account and its staff row, in one transaction; returns the new user id. The role
    follows the unit (district staff or department staff at the district). On hosted Supabase the
    account is an invitation by e-mail through Supabase Auth (the new member sets the password)."""
    _refuse(form.validate())
    try:
        with user.session() as conn:
            role = _role_for(conn, form)
            if config.backend() != "supabase":
                passwords.check(conn, form.password, email=form.email, name=form.display_name)
                new_id = conn.execute("select private.create_login(%s, %s) as id",
                                      (form.email.strip().lower(), hash_password(form.password))).fetchone()["id"]
                conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name, phone_enc, phone_bidx,"
                             " phone_masked, department_id) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                             (new_id, form.org_unit_id, role, form.display_name.strip(),
                              *columns_of(seal_optional("phone", form.phone)),
                              form.department_id if role == "department" else None))
                security_log.append(conn, "account", object=f"user:{new_id}",
                                    details={"action": "create", "role": role, "org_unit_id": form.org_unit_id})
                return str(new_id)
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return supabase_auth.invite_staff(user, email=form.email, role=role, org_unit_id=form.org_unit_id,
                                      display_name=form.display_name.strip(), phone=form.phone.strip() or None,
                                      department_id=form.department_id if role == "department" else None)


def _role_for(conn, form: AccountForm) -> str:
    """The role an account at the form's unit gets; refuses a unit that takes no staff."""
    unit = conn.execute("select kind from public.org_unit where id = %s", (form.org_unit_id,)).fetchone()
    if unit is None or unit["kind"] == "building":
        raise DomainError("org.account.no_unit")
    if unit["kind"] == "district":
        return form.role if form.role in ("district", "department") else "district"
    return unit["kind"]


def set_active(user: Identity, staff_id: str, active: bool) -> None:
    """Disable (or enable again) an account: a disabled one can neither sign in nor read anything."""
    _write(user, "update public.staff set active = %s where user_id = %s", (active, staff_id),
           log=(staff_id, {"action": "enable" if active else "disable"}))


def move(user: Identity, staff_id: str, org_unit_id: int) -> None:
    """Move a staff member to another unit; their role follows the unit's level (department staff
    stay at the district)."""
    _write(user, """update public.staff s
                    set org_unit_id = o.id,
                        role = case when s.role in ('department', 'district') and o.kind = 'district' then s.role
                                    else o.kind end,
                        department_id = case when s.role = 'department' and o.kind = 'district'
                                             then s.department_id end
                    from public.org_unit o where o.id = %s and s.user_id = %s""", (org_unit_id, staff_id),
           log=(staff_id, {"action": "move", "org_unit_id": org_unit_id}))


def reset_password(user: Identity, staff_id: str, password: str = "") -> str:
    """Set a new password (a random one when blank) and lift any lockout; returns the password.
    The account must change it at its next sign-in (its sessions end now)."""
    _refuse(password_problems(password) if password else [])
    try:
        with user.session() as conn:
            password = password or passwords.generate(security_settings.get(conn, "password.min_length"))
            passwords.check(conn, password)
            conn.execute("select private.set_login_password(%s, %s)", (staff_id, hash_password(password)))
            security_log.append(conn, "password_reset", object=f"user:{staff_id}")
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return password


def _write(user: Identity, sql: str, params: tuple, log: tuple[str, dict] | None = None) -> None:
    """One statement as `user`; a row RLS hides or refuses is an error, not a silent no-op. With
    `log` (the account, the details), the same transaction appends an `account` entry."""
    try:
        with user.session() as conn:
            if conn.execute(sql, params).rowcount != 1:
                raise DomainError("error.forbidden")
            if log:
                security_log.append(conn, "account", object=f"user:{log[0]}", details=log[1])
    except psycopg.Error as exc:
        raise from_db(exc) from None

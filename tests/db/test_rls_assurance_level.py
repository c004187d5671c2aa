"""The assurance level (aal) in the database: one restrictive policy on every table in public
refuses an `aal1` request of an account that must present the second factor, and lets `aal2`
through to what the account's other policies allow. Collected on the Supabase-flavoured database
too (tests/supabase/test_rls_on_supabase.py), where the claim comes from Supabase Auth's token."""
import pytest
from psycopg import errors as pgerr

from gongzhi.db import connection
from tests.conftest import act_as, act_as_owner, require_second_factor, user_id

POLICY = "staff present the second factor where the district requires it"


def _tables(conn) -> list[str]:
    return [r["relname"] for r in conn.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')"
        " order by relname")]


def _visible(conn, role: str, aal: str | None) -> dict[str, int]:
    """How many rows of each table `role` sees with a request at `aal` (None: no aal claim), over
    the tables its request role may read at all (the administration tables are not the district's)."""
    if aal is None:
        conn.execute("reset role")
        connection.set_identity(conn, user_id(conn, role))
    else:
        act_as(conn, role, aal)
    counts = {t: conn.execute(f"select count(*) as n from public.{t}").fetchone()["n"] for t in _tables(conn)
              if conn.execute("select has_table_privilege(%s, 'select') as ok", (f"public.{t}",)).fetchone()["ok"]}
    act_as_owner(conn)
    return counts


def test_every_table_in_public_has_the_restrictive_policy(conn):
    rows = conn.execute("""
        select c.relname, p.polname is not null as has,
               coalesce(not p.polpermissive, false) as restrictive, p.polcmd,
               coalesce(pg_get_expr(p.polqual, p.polrelid), '') as expr,
               coalesce((select array_agg(r.rolname order by r.rolname) from pg_roles r where r.oid = any (p.polroles)), '{}') as roles
        from pg_class c left join pg_policy p on p.polrelid = c.oid and p.polname = %s
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')""", (POLICY,)).fetchall()
    assert rows
    assert [r["relname"] for r in rows if not r["has"]] == []
    for r in rows:
        assert r["restrictive"] and r["polcmd"] == "*", r["relname"]
        assert r["roles"] == ["authenticated", "gongzhi_admin", "gongzhi_district"], r["relname"]
        assert "private.aal_ok()" in r["expr"], r["relname"]


def test_an_aal1_district_session_is_refused_everywhere_and_aal2_is_allowed(conn):
    require_second_factor(conn)
    full = _visible(conn, "district", "aal2")
    assert sum(1 for n in full.values() if n) >= 20, full   # the district reads the demo's rows
    for aal in ("aal1", None):
        assert _visible(conn, "district", aal) == {t: 0 for t in full}, aal


@pytest.mark.parametrize("admin", ["system", "security", "audit"])
def test_an_aal1_administrator_is_refused_on_the_administration_tables_and_aal2_is_allowed(conn, admin):
    require_second_factor(conn)
    conn.execute("update public.security_setting set value = 'false'::jsonb where key = 'mfa.required_for_district'")
    full = _visible(conn, admin, "aal2")
    assert full["admin_grant"] >= 3 and "unmask_grant" in full, full
    for aal in ("aal1", None):
        assert _visible(conn, admin, aal) == {t: 0 for t in full}, aal


def test_administrators_need_the_second_factor_except_in_demo_mode(conn):
    require_second_factor(conn)
    conn.execute("update public.security_setting set value = 'false'::jsonb where key = 'mfa.required_for_district'")
    rule = "select private.requires_aal2_of(%s) as r"
    assert conn.execute(rule, (user_id(conn, "system"),)).fetchone()["r"] is True
    assert conn.execute(rule, (user_id(conn, "district"),)).fetchone()["r"] is False
    conn.execute("update public.security_setting set value = 'true'::jsonb where key = 'demo_mode'")
    assert conn.execute(rule, (user_id(conn, "system"),)).fetchone()["r"] is False


def test_an_aal1_district_session_cannot_write(conn):
    require_second_factor(conn)
    insert = "insert into public.category (code, name_zh, name_en) values ('aal_test', '测试', 'Test') returning id"
    act_as(conn, "district", "aal1")
    with pytest.raises(pgerr.InsufficientPrivilege):
        with conn.transaction():
            conn.execute(insert)
    act_as(conn, "district", "aal2")
    with conn.transaction():
        assert conn.execute(insert).fetchone()["id"]
    act_as_owner(conn)


def test_other_staff_keep_aal1_unless_every_account_must(conn):
    require_second_factor(conn)
    assert sum(_visible(conn, "grid", "aal1").values()) > 0
    require_second_factor(conn, everyone=True)
    assert sum(_visible(conn, "grid", "aal1").values()) == 0
    assert sum(_visible(conn, "grid", "aal2").values()) > 0


@pytest.mark.parametrize("setting", [("mfa.required_for_district", "false"), ("demo_mode", "true")])
def test_the_district_turning_it_off_or_demo_mode_lets_aal1_through(conn, setting):
    require_second_factor(conn)
    conn.execute("update public.security_setting set value = %s::jsonb where key = %s", (setting[1], setting[0]))
    assert sum(_visible(conn, "district", "aal1").values()) > 0


def test_the_rule_is_one_function_for_python_and_policies(conn):
    require_second_factor(conn)
    district, grid = user_id(conn, "district"), user_id(conn, "grid")
    row = conn.execute("select private.requires_aal2_of(%s) as d, private.requires_aal2_of(%s) as g",
                       (district, grid)).fetchone()
    assert (row["d"], row["g"]) == (True, False)
    act_as(conn, "district", "aal1")
    assert conn.execute("select private.requires_aal2() as r, private.aal_ok() as ok").fetchone() == {"r": True, "ok": False}
    act_as_owner(conn)

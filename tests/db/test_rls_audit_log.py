"""RLS matrix: staff read the audit trail of their territory, district staff that of the district's records,
the audit administrator all of it; nobody writes, changes or deletes it."""
import pytest

from tests.db.rls import ALL, INSIDE, NONE, Spec, admin_cell_test, cell_test, new_demand


def _make(conn, unit):
    demand = new_demand(conn, unit)
    row = conn.execute("select id from public.audit_log where table_name = 'demand' and row_id = %s",
                       (str(demand),)).fetchone()
    return {"id": row["id"]}


SPEC = Spec(
    table="audit_log",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"terr": conn.execute("select terr from public.org_unit where id = %s",
                                                     (unit,)).fetchone()["terr"]},
    insert="insert into public.audit_log (table_name, row_id, action, terr) values ('demand', '0', 'insert', %(terr)s)",
    update_set="row_id = '0'",
)
NO_WRITE = dict(insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, **NO_WRITE),
    "street": dict(select=INSIDE, **NO_WRITE),
    "community": dict(select=INSIDE, **NO_WRITE),
    "grid": dict(select=INSIDE, **NO_WRITE),
    "department": dict(select=NONE, **NO_WRITE),
    "anon": dict(select=NONE, **NO_WRITE),
}


ADMIN_MATRIX = {"audit": dict(select=ALL, **NO_WRITE), "system": dict(select=NONE, **NO_WRITE),
                "security": dict(select=NONE, **NO_WRITE)}


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)


def test_district_staff_no_longer_read_the_audit_of_accounts_and_settings(conn):
    from tests.conftest import act_as, act_as_owner, user_id
    conn.execute("update public.staff set display_name = display_name || '改' where user_id = %s",
                 (user_id(conn, "grid"),))
    counts = {}
    for who in ("district", "audit"):
        act_as(conn, who)
        counts[who] = conn.execute("select count(*) as n from public.audit_log where table_name = 'staff'"
                                   ).fetchone()["n"]
    act_as_owner(conn)
    assert counts["district"] == 0 and counts["audit"] >= 1


def test_even_the_owner_cannot_change_the_audit_trail(conn):
    from psycopg import errors
    from tests.conftest import unit_id
    key = _make(conn, unit_id(conn, "丽水社区第一网格"))
    with pytest.raises(errors.InsufficientPrivilege, match="audit.append_only"), conn.transaction():
        with conn.transaction():
            conn.execute("delete from public.audit_log where id = %(id)s", key)


def test_a_change_records_who_when_and_the_old_and_new_values(conn):
    from tests.conftest import act_as, act_as_owner, unit_id, user_id
    demand = new_demand(conn, unit_id(conn, "丽水社区第一网格"))
    act_as(conn, "grid")
    conn.execute("update public.demand set urgency = 'urgent' where id = %s", (demand,))
    act_as_owner(conn)
    row = conn.execute("select actor, action, old_row ->> 'urgency' as old, new_row ->> 'urgency' as new"
                       " from public.audit_log where table_name = 'demand' and row_id = %s and action = 'update'",
                       (str(demand),)).fetchone()
    assert row == {"actor": __import__("uuid").UUID(user_id(conn, "grid")), "action": "update",
                   "old": "normal", "new": "urgent"}


def test_the_audit_trail_holds_no_personal_data(conn):
    from tests.conftest import act_as, act_as_owner, unit_id
    from tests.personal import sealed
    demand = new_demand(conn, unit_id(conn, "丽水社区第一网格"))
    act_as(conn, "grid")
    phone = sealed("13912345678", "beneficiary_phone")
    conn.execute("update public.demand set beneficiary_name = '王秀英', beneficiary_phone_enc = %(beneficiary_phone_enc)s,"
                 " beneficiary_phone_bidx = %(beneficiary_phone_bidx)s,"
                 " beneficiary_phone_masked = %(beneficiary_phone_masked)s where id = %(id)s", {**phone, "id": demand})
    act_as(conn, "community")
    rows = conn.execute("select coalesce(old_row::text, '') || coalesce(new_row::text, '') as body from public.audit_log"
                        " where table_name = 'demand' and row_id = %s", (str(demand),)).fetchall()
    act_as_owner(conn)
    assert rows and not any("13912345678" in r["body"] or "王秀英" in r["body"] for r in rows)
    # neither the ciphertext nor the blind index: the trail holds no personal field in any form
    assert not any(k in r["body"] for r in rows for k in ("beneficiary_phone_enc", "beneficiary_phone_bidx",
                                                           "beneficiary_phone_masked", phone["beneficiary_phone_enc"].hex()[:16]))

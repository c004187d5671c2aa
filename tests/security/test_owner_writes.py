"""Guard triggers trust the owner's connection only, never a security definer function.

`private.owner_writes()` is the one rule for "this write comes from the owner's own connection
(migrations, jobs, the demo loader, the key-holding CLI), not from an API role". Inside a security
definer function `current_user` is the owner, so a guard that asked `current_user` let every write
made through such a function keep the values its caller passed. Each guard is attacked here through
a definer function called as an API role: a probe made in the test's transaction, standing for any
definer function that passes a caller's values on, and the schema's own definer functions and
triggers that write guarded tables (`department_reported`, `consult_written`, `event_written`,
`escalate_overdue`, `book_capacity`), which must keep working.
"""
from __future__ import annotations

import re
import uuid

import pytest
from psycopg import errors as pgerr

from tests.conftest import act_as, act_as_owner, unit_id, user_id
from tests.levers.makers import secretary_project
from tests.matching import helpers as matching
from tests.whistle.helpers import HOME_GRID, department_id, event_row, new_event, report_all

# Every role a request can run as: the portal's login role and each role it may become, and
# Supabase's API roles.
API_ROLES = ("anon", "authenticated", "gongzhi_district", "gongzhi_admin", "gongzhi_public", "gongzhi_auth",
             "gongzhi_portal", "service_role")


def definer(conn, body: str, returns: str = "void", declare: str = "") -> str:
    """As the owner, inside the test's transaction: a security definer function running `body`, as a
    definer function of the schema would, executable by every API role. Returns the call."""
    name = f"public.probe_{uuid.uuid4().hex[:10]}"
    conn.execute(f"create function {name}() returns {returns} language plpgsql security definer"
                 f" set search_path = '' as $$ declare {declare} begin {body} end $$")
    conn.execute(f"grant execute on function {name}() to {', '.join(API_ROLES)}")
    return f"{name}()"


def refusal(conn, sql: str, params=None) -> str | None:
    """The gongzhi key a statement is refused with, or None when it passes."""
    try:
        with conn.transaction():
            conn.execute(sql, params)
    except (pgerr.RaiseException, pgerr.InsufficientPrivilege, pgerr.CheckViolation) as exc:
        return str(exc).split("\n")[0]
    return None


def one(conn, sql: str, params=None) -> dict:
    return conn.execute(sql, params).fetchone()


def home_event(conn) -> int:
    return new_event(conn, unit_id(conn, HOME_GRID))


# ---------------------------------------------------------------- the rule


def test_the_owner_connection_is_the_owner_also_inside_a_definer_function(conn):
    act_as_owner(conn)
    probe = definer(conn, "return private.owner_writes();", "boolean")
    assert one(conn, "select private.owner_writes() as w")["w"] is True
    assert one(conn, f"select {probe} as w")["w"] is True


@pytest.mark.parametrize("role", API_ROLES)
def test_no_api_role_writes_as_the_owner_even_through_a_definer_function(conn, role):
    probe = definer(conn, "return private.owner_writes();", "boolean")
    conn.execute(f"set local role {role}")
    assert one(conn, f"select {probe} as w")["w"] is False


def test_a_signed_in_request_is_no_owner_through_a_definer_function(conn):
    probe = definer(conn, "return private.owner_writes();", "boolean")
    for account in ("district", "street", "grid", "department", "system"):
        act_as(conn, account)
        assert one(conn, f"select {probe} as w")["w"] is False, account
    act_as(conn, None)
    assert one(conn, f"select {probe} as w")["w"] is False


def test_one_rule_and_no_other_spelling_of_it(conn):
    """No function body asks `current_user` (or the session's user) who writes, restates a list of
    API roles against the request's role, takes "no signed-in user" or "no request claims" for the
    owner, or calls the retired `private.is_system()`."""
    rows = conn.execute("""
        select n.nspname || '.' || p.proname as name, p.prosrc from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
    """).fetchall()
    forbidden = re.compile(r"\b(current_user|current_role|session_user|user\s*::)\b|\bis_system\s*\("
                           r"|current_setting\s*\(\s*'role'[^)]*\)\s*[^;]{0,40}?\b(not\s+in|<>|!=)"
                           r"|\b(auth|private)\.uid\(\)\s+is\s+(not\s+)?null"
                           r"|'request\.jwt\.claims'\s*,\s*true\s*\)\s*,\s*''\s*\)\s*=\s*''", re.I)
    offenders = sorted(r["name"] for r in rows if r["name"] != "private.owner_writes" and forbidden.search(r["prosrc"]))
    assert offenders == []
    assert one(conn, "select to_regprocedure('private.is_system()') as f")["f"] is None


# ---------------------------------------------------------------- a definer function passing a caller's values on


def test_an_event_whistled_through_a_definer_function_is_stamped(conn):
    row = event_row(conn, unit_id(conn, HOME_GRID))
    other = user_id(conn, "district")
    probe = definer(conn, f"""
        insert into public.event (org_unit_id, category_id, title, address, departments,
                                  created_by, created_at, escalated_at, reopen_count)
        values ({row['unit']}, {row['category']}, '消防通道被占用', '测试小区1号楼',
                array[{row['departments'][0]}]::bigint[], '{other}', '2020-01-01', now(), 3)
        returning id into made; return made;""", "bigint", "made bigint;")
    act_as(conn, "grid")
    event = one(conn, f"select {probe} as id")["id"]
    act_as_owner(conn)
    e = one(conn, "select created_by, created_at = now() as fresh, escalated_at, reopen_count"
                  " from public.event where id = %s", (event,))
    assert (str(e["created_by"]), e["fresh"], e["escalated_at"], e["reopen_count"]) == \
        (user_id(conn, "grid"), True, None, 0)


def test_a_department_cannot_whistle_through_a_definer_function(conn):
    row = event_row(conn, unit_id(conn, HOME_GRID))
    probe = definer(conn, f"""
        insert into public.event (org_unit_id, category_id, title, address, departments)
        values ({row['unit']}, {row['category']}, '占道经营', '测试小区2号楼', array[{row['departments'][0]}]::bigint[]);""")
    act_as(conn, "department")
    assert refusal(conn, f"select {probe}") == "gongzhi:whistle.not_entitled"


def test_what_nobody_changes_stays_unchanged_through_a_definer_function(conn):
    event = home_event(conn)
    probe = definer(conn, f"update public.event set title = '改写的标题', created_by = null where id = {event};")
    act_as(conn, "grid")
    assert refusal(conn, f"select {probe}") == "gongzhi:whistle.immutable"


def test_a_step_by_the_wrong_actor_is_refused_through_a_definer_function(conn):
    event = home_event(conn)
    probe = definer(conn, f"update public.event set step = 'report' where id = {event};")
    act_as(conn, "grid")   # only a summoned department reports
    assert refusal(conn, f"select {probe}") == "gongzhi:whistle.not_entitled"


def test_a_consult_written_through_a_definer_function_is_stamped(conn):
    event = home_event(conn)
    report_all(conn, event)
    stranger = department_id(conn, "shuiwu")
    other = user_id(conn, "district")
    probe = definer(conn, f"""
        insert into public.event_consult (event_id, attendees, decision, department_id, created_by, created_at)
        values ({event}, '各方', '整改', {stranger}, '{other}', '2020-01-01') returning id into made; return made;""",
                    "bigint", "made bigint;")
    act_as(conn, "department")
    consult = one(conn, f"select {probe} as id")["id"]
    act_as_owner(conn)
    c = one(conn, "select department_id, created_by, created_at = now() as fresh from public.event_consult"
                  " where id = %s", (consult,))
    assert (c["department_id"], str(c["created_by"]), c["fresh"]) == \
        (department_id(conn, "chengguan"), user_id(conn, "department"), True)


def test_a_summons_changes_only_by_its_report_through_a_definer_function(conn):
    event = home_event(conn)
    probe = definer(conn, f"update public.event_department set report_deadline = now() + interval '30 days'"
                          f" where event_id = {event};")
    act_as(conn, "department")
    assert refusal(conn, f"select {probe}") == "gongzhi:whistle.not_entitled"


def test_allocated_is_not_written_through_a_definer_function(conn):
    resource = one(conn, "select id from public.resource order by id limit 1")["id"]
    probe = definer(conn, f"update public.resource set allocated = allocated + 1 where id = {resource};")
    act_as(conn, "district")
    assert refusal(conn, f"select {probe}") == "gongzhi:resource.allocated_by_matches"


def test_a_claim_made_through_a_definer_function_starts_claimed(conn):
    community = unit_id(conn, "丽水社区")
    project = one(conn, "insert into public.project (org_unit_id, kind, name) values (%s, 'secretary', '测试')"
                        " returning id", (community,))["id"]
    probe = definer(conn, f"""
        insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline, status)
        values ({project}, {community}, '测试书记', '目标', '指标', current_date + 30, 'approved')
        returning id into made; return made;""", "bigint", "made bigint;")
    act_as(conn, "community")
    claim = one(conn, f"select {probe} as id")["id"]
    act_as_owner(conn)
    assert one(conn, "select status from public.secretary_project where id = %s", (claim,))["status"] == "claimed"


def test_a_supervision_note_on_ones_own_claim_is_refused_through_a_definer_function(conn):
    claim = secretary_project(conn, unit_id(conn, "丽水社区"), "approved")
    probe = definer(conn, f"insert into public.secretary_update (secretary_project_id, kind, body)"
                          f" values ({claim}, 'note', '自己督自己');")
    act_as(conn, "community")   # the level above (the street) supervises
    assert refusal(conn, f"select {probe}") == "gongzhi:secretary.level_above_only"


# ---------------------------------------------------------------- the schema's own definer writers


def test_a_reported_summons_moves_the_event_at_the_time_of_the_move(conn):
    """District staff may correct a summons, but a report time they type does not become the event's
    step time through `private.department_reported` (the deadlines run from it)."""
    event = home_event(conn)
    act_as(conn, "district")
    conn.execute("update public.event_department set reported_at = '2020-01-01' where event_id = %s", (event,))
    act_as_owner(conn)
    e = one(conn, "select step, step_at = now() as fresh, deadline > now() as ahead from public.event where id = %s",
            (event,))
    assert (e["step"], e["fresh"], e["ahead"]) == ("report", True, True)


def test_a_department_reporting_still_moves_the_event(conn):
    event = home_event(conn)
    act_as(conn, "department")
    conn.execute("update public.event_department set reported_at = now(), report_note = '已到场' where event_id = %s",
                 (event,))
    act_as_owner(conn)
    assert one(conn, "select step from public.event where id = %s", (event,))["step"] == "report"


@pytest.mark.parametrize("account", ["community", "department"])
def test_a_consult_still_moves_the_event_at_the_time_of_the_move(conn, account):
    event = home_event(conn)
    report_all(conn, event)
    act_as(conn, account)
    conn.execute("insert into public.event_consult (event_id, attendees, decision, created_at)"
                 " values (%s, '社区、城管', '限期整改', '2020-01-01')", (event,))
    act_as_owner(conn)
    e = one(conn, "select step, step_at = now() as fresh from public.event where id = %s", (event,))
    assert (e["step"], e["fresh"]) == ("consult", True)


def test_a_reopening_is_still_counted_on_the_lead_department(conn):
    event = home_event(conn)
    report_all(conn, event)
    conn.execute("insert into public.event_consult (event_id, attendees, decision) values (%s, '各方', '整改')", (event,))
    for step in ("implement", "feedback"):
        conn.execute("update public.event set step = %s, implement_note = '已整改', feedback_note = '已告知'"
                     " where id = %s", (step, event))
    act_as(conn, "grid")
    conn.execute("update public.event set step = 'consult', evaluate_note = '没有修好' where id = %s", (event,))
    act_as_owner(conn)
    counts = one(conn, "select e.reopen_count, d.not_fixed from public.event e join public.event_department d"
                       " on d.event_id = e.id and d.department_id = e.lead_department_id where e.id = %s", (event,))
    assert (counts["reopen_count"], counts["not_fixed"]) == (1, 1)


def test_a_department_cannot_reset_its_not_fixed_count(conn):
    event = home_event(conn)
    conn.execute("update public.event_department set not_fixed = 2 where event_id = %s", (event,))
    act_as(conn, "department")
    assert refusal(conn, "update public.event_department set not_fixed = 0 where event_id = %s",
                   (event,)) == "gongzhi:whistle.not_entitled"


def test_staff_escalate_overdue_events_only_and_never_ahead_of_time(conn):
    overdue, not_yet = home_event(conn), home_event(conn)
    conn.execute("update public.event set deadline = now() - interval '1 hour' where id = %s", (overdue,))
    act_as(conn, "street")
    conn.execute("select private.escalate_overdue(now() + interval '1 year')")
    assert refusal(conn, "update public.event set escalated_at = now() + interval '1 day' where id = %s",
                   (not_yet,)) == "gongzhi:whistle.immutable"
    assert refusal(conn, "update public.event set escalated_at = now() where id = %s",
                   (not_yet,)) == "gongzhi:whistle.immutable"
    act_as_owner(conn)
    rows = conn.execute("select id, escalated_at = now() as now_ from public.event where id in (%s, %s)",
                        (overdue, not_yet)).fetchall()
    assert {r["id"]: r["now_"] for r in rows} == {overdue: True, not_yet: None}


def test_a_match_still_books_capacity(conn):
    """`private.book_capacity`, a definer function the match triggers call, writes `allocated`."""
    category = matching.new_category(conn)
    grid = unit_id(conn, HOME_GRID)
    demand, resource = matching.demand(conn, grid, category, quantity=2), matching.resource(conn, grid, category)
    act_as(conn, "grid")
    conn.execute("insert into public.match (demand_id, resource_id, quantity) values (%s, %s, 2)", (demand, resource))
    act_as_owner(conn)
    assert matching.allocated(conn, resource) == 2


# ---------------------------------------------------------------- a request without a signed-in user

NO_USER_ROLES = ("gongzhi_auth", "gongzhi_public", "anon")


def as_no_user(conn, role: str) -> None:
    """A request as `role` that carries no user: the sign-in role has no claims, the public forms and
    anon the anon claims."""
    conn.execute("select set_config('request.jwt.claims', %s, true)", ("" if role == "gongzhi_auth" else '{"role":"anon"}',))
    conn.execute(f"set local role {role}")


@pytest.mark.parametrize("role", NO_USER_ROLES)
def test_created_by_is_not_kept_for_a_request_without_a_user(conn, role):
    grid = unit_id(conn, HOME_GRID)
    other = user_id(conn, "district")
    probe = definer(conn, f"""
        insert into public.demand (org_unit_id, category_id, title, created_by)
        values ({grid}, (select min(id) from public.category), '测试需求', '{other}') returning id into made;
        return made;""", "bigint", "made bigint;")
    as_no_user(conn, role)
    demand = one(conn, f"select {probe} as id")["id"]
    act_as_owner(conn)
    assert one(conn, "select created_by from public.demand where id = %s", (demand,))["created_by"] is None


@pytest.mark.parametrize("role", NO_USER_ROLES)
def test_demo_mode_is_not_turned_on_by_a_request_without_a_user(conn, role):
    probe = definer(conn, """
        insert into public.security_setting (key, value) values ('demo_mode', 'true')
        on conflict (key) do update set value = excluded.value;""")
    conn.execute("update public.security_setting set value = 'false' where key = 'demo_mode'")
    as_no_user(conn, role)
    assert refusal(conn, f"select {probe}") == "gongzhi:security_setting.demo_on"


@pytest.mark.parametrize("role", NO_USER_ROLES)
def test_demo_mode_is_not_ended_by_a_request_without_a_user(conn, role):
    probe = definer(conn, "return private.end_demo_mode();", "boolean")
    as_no_user(conn, role)
    assert refusal(conn, f"select {probe}") == "gongzhi:error.forbidden"


@pytest.mark.parametrize("role", NO_USER_ROLES)
def test_an_administrators_account_is_not_changed_by_a_request_without_a_user(conn, role):
    admin = user_id(conn, "system")
    probe = definer(conn, f"update public.staff set display_name = '冒名' where user_id = '{admin}';")
    as_no_user(conn, role)
    assert refusal(conn, f"select {probe}") == "gongzhi:admin.account_protected"


@pytest.mark.parametrize("role", NO_USER_ROLES)
def test_a_request_without_a_user_escalates_nothing_ahead_of_time(conn, role):
    event = home_event(conn)
    probe = definer(conn, "perform private.escalate_overdue(now() + interval '1 year');")
    as_no_user(conn, role)
    conn.execute(f"select {probe}")
    act_as_owner(conn)
    assert one(conn, "select escalated_at from public.event where id = %s", (event,))["escalated_at"] is None


def test_the_owner_still_escalates_at_the_clock_it_passes(conn):
    event = home_event(conn)
    act_as_owner(conn)
    conn.execute("select private.escalate_overdue(now() + interval '1 year')")
    assert one(conn, "select escalated_at > now() as later from public.event where id = %s", (event,))["later"] is True


def test_a_write_from_another_trigger_is_asked_of_one_function(conn):
    """`private.written_by_trigger()` is the one place that reads the trigger depth: a guard that
    spelled it out itself (`pg_trigger_depth() < 2`, `= 1`, `> 1`) could drift from the rule."""
    rows = conn.execute("""
        select n.nspname || '.' || p.proname as name from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and p.prosrc ~* 'pg_trigger_depth'
    """).fetchall()
    assert [r["name"] for r in rows] == ["private.written_by_trigger"]

"""The public application: the portal's public role inserts a pending application and nothing else; duplicates and
floods are refused with a clear message; approval creates the volunteer or unit and its resources."""
import psycopg
import pytest
from psycopg import errors

from gongzhi import db
from gongzhi.errors import DomainError
from gongzhi.i18n import t
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import ApplicationForm
from tests.conftest import act_as, act_as_owner, unit_id
from gongzhi.personal.crypto import blind_index, mask, normalise
from tests.pages.conftest import identity_of
from tests.personal import act_as_public, columns, sealed, values
from tests.volunteers.makers import new_application, new_volunteer, phone


def _form(**over):
    values = dict(kind="volunteer", org_unit_id="丽水社区", name="王建国", phone=phone(), workplace="区人民医院",
                  skills=["health"], pledged_hours=20)
    values.update(over)
    return ApplicationForm(**values)


def _denied(conn, sql, params=()):
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute(sql, params)


def test_the_public_role_inserts_an_application_and_nothing_else(conn):
    community = unit_id(conn, "丽水社区")
    existing = new_application(conn, community)
    act_as(conn, None)   # the public key alone writes nothing at all
    _denied(conn, f"insert into public.application (kind, org_unit_id, name, {columns()})"
                  f" values ('volunteer', %(c)s, '李梅', {values()})", {"c": community, **sealed("13912345678")})
    act_as_public(conn)   # the portal's public form
    conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()}, fingerprint, notice_version)"
                 f" values ('volunteer', %(c)s, '李梅', {values()}, 'fp-anon', 'application_v1')", {"c": community, **sealed("13912345678")})
    _denied(conn, "select * from public.application")
    _denied(conn, "select count(*) from public.application")
    _denied(conn, f"insert into public.application (kind, org_unit_id, name, {columns()}) values ('volunteer', %(c)s,"
                  f" '李梅', {values()}) returning id", {"c": community, **sealed("13912345679")})
    _denied(conn, "update public.application set status = 'approved' where id = %s", (existing,))
    _denied(conn, "delete from public.application where id = %s", (existing,))
    _denied(conn, f"insert into public.application (kind, org_unit_id, name, {columns()}, status)"
                  f" values ('volunteer', %(c)s, '李梅', {values()}, 'approved')", {"c": community, **sealed("13912345670")})
    _denied(conn, f"insert into public.volunteer (org_unit_id, name, {columns()}) values (%(c)s, '李梅', {values()})",
            {"c": community, **sealed("13912345671")})
    _denied(conn, f"insert into public.unit (org_unit_id, name, unit_type, {columns()})"
                  f" values (%(c)s, '某公司', 'enterprise', {values()})", {"c": community, **sealed("13912345672")})
    for table in ("volunteer", "unit", "signup", "service_log", "assessment", "assessment_weight",
                  "resource", "org_unit", "staff"):
        _denied(conn, f"select count(*) from public.{table}")
    act_as_owner(conn)
    row = conn.execute("select status, decided_by from public.application where phone_bidx = %s",
                       (blind_index("phone", "13912345678"),)).fetchone()
    assert row == {"status": "pending", "decided_by": None}


def _mine(rows, form):
    """The application of `form` among a staff page's rows (which show the phone masked)."""
    return next(r for r in rows if r["phone"] == mask("phone", normalise("phone", form.phone)) and r["name"] == form.name)


def test_submit_flags_duplicates_for_staff_and_refuses_floods(fresh_db):
    lookups = queries.public_lookups()
    first = _form()
    commands.submit_application(first, lookups, "fp-1", True)
    commands.submit_application(_form(phone=first.phone, name="别人"), lookups, "fp-other", True)   # answered as any other
    with db.owner() as conn:
        assert [r["duplicate"] for r in conn.execute(
            "select duplicate from public.application where phone_bidx = %s order by id",
            (blind_index("phone", first.phone),))] == [False, True]
    commands.submit_application(_form(), lookups, "fp-1", True)
    commands.submit_application(_form(), lookups, "fp-1", True)
    with pytest.raises(DomainError) as flood:
        commands.submit_application(_form(), lookups, "fp-1", True)
    assert flood.value.key == "application.too_many"
    assert t(flood.value.key) == "提交过于频繁，请稍后再试"
    commands.submit_application(_form(), lookups, "fp-2", True)   # another sender is not held up
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.application where fingerprint like 'fp-%'").fetchone()["n"] == 5


def test_bad_form_reports_every_field_and_writes_nothing(fresh_db):
    lookups = queries.public_lookups()
    with pytest.raises(commands.FormError) as bad:
        commands.submit_application(_form(name="", phone="abc", org_unit_id="火星社区", skills=["nope"]), lookups, "fp", True)
    assert {e.field for e in bad.value.errors} == {"name", "phone", "org_unit_id", "skills"}
    with pytest.raises(commands.FormError) as unit:
        commands.submit_application(_form(kind="unit", unit_type=""), lookups, "fp", True)
    assert [e.field for e in unit.value.errors] == ["unit_type"]
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.application where fingerprint = 'fp'").fetchone()["n"] == 0


def test_approval_creates_the_volunteer_its_resources_and_a_working_code(fresh_db):
    lookups = queries.public_lookups()
    form = _form(skills=["health", "elderly"])
    commands.submit_application(form, lookups, "fp", True)
    staff = identity_of("shequ@demo.gongzhi.cn")
    rows, total = queries.applications(staff)
    mine = _mine(rows, form)
    assert mine["name"] == "王建国" and total == len(rows)
    code = commands.decide_application(staff, mine["id"], approve=True)
    assert len(code) == commands.CODE_LENGTH
    with db.owner() as conn:
        volunteer = conn.execute("select * from public.volunteer where phone_bidx = %s", (blind_index("phone", form.phone),)).fetchone()
        resources = conn.execute("select kind, provider_kind, terr from public.resource where id = any(%s)",
                                 (volunteer["resource_ids"],)).fetchall()
    assert volunteer["code_hash"] == commands.code_hash(volunteer["id"], code)
    assert len(resources) == 2 and {r["provider_kind"] for r in resources} == {"volunteer"}
    assert {r["terr"] for r in resources} == {volunteer["terr"]}
    with pytest.raises(DomainError) as again:
        commands.decide_application(staff, mine["id"], approve=False)
    assert again.value.key == "application.decided"
    commands.submit_application(_form(phone=form.phone), lookups, "fp-x", True)   # registered now: flagged for staff
    rows, _ = queries.applications(staff)
    again = next(r for r in rows if r["phone"] == mine["phone"] and r["id"] != mine["id"])
    assert again["duplicate"] is True
    again_id = again["id"]
    with pytest.raises(DomainError) as dup:   # and approving it again is refused
        commands.decide_application(staff, again_id, approve=True)
    assert dup.value.key == "application.duplicate"


def test_approval_of_a_unit_creates_its_offered_resources(fresh_db):
    lookups = queries.public_lookups()
    form = _form(kind="unit", name="滨江供电公司", unit_type="enterprise", skills=[], contact_name="赵磊",
                 offers=[{"kind": "venue", "category": "culture", "name": "职工活动中心", "capacity": 50},
                         {"kind": "", "category": "", "name": ""}])
    commands.submit_application(form, lookups, "fp", True)
    staff = identity_of("shequ@demo.gongzhi.cn")
    rows, _ = queries.applications(staff)
    mine = _mine(rows, form)
    assert commands.decide_application(staff, mine["id"], approve=True) is None
    with db.owner() as conn:
        unit = conn.execute("select * from public.unit where phone_bidx = %s", (blind_index("phone", form.phone),)).fetchone()
        res = conn.execute("select name, kind, capacity from public.resource where id = any(%s)",
                           (unit["resource_ids"],)).fetchall()
    assert res == [{"name": "职工活动中心", "kind": "venue", "capacity": 50}]


def test_staff_outside_the_territory_cannot_decide(fresh_db):
    form = _form()
    commands.submit_application(form, queries.public_lookups(), "fp", True)
    with db.owner() as conn:
        app_id = conn.execute("select id from public.application where phone_bidx = %s", (blind_index("phone", form.phone),)).fetchone()["id"]
    other = identity_of("community-330100001002@demo.gongzhi.cn")   # 江滩社区
    with pytest.raises(DomainError) as refused:
        commands.decide_application(other, app_id, approve=True)
    assert refused.value.key == "application.decided"
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.volunteer where phone_bidx = %s",
                            (blind_index("phone", form.phone),)).fetchone()["n"] == 0

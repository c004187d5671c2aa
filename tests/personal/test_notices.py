"""告知 on the public forms: a submission stores the notice version its resident was shown, and
neither the command nor the database takes a public submission without it."""
import pytest
from psycopg import errors

from gongzhi import db
from gongzhi.errors import DomainError
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import ApplicationForm
from tests.conftest import act_as, unit_id
from tests.pages.conftest import identity_of
from gongzhi.personal import blind_index
from tests.personal import act_as_public, columns, sealed, values
from tests.volunteers.makers import new_post, new_volunteer, phone


def _anon_apply(conn, community, number, version):
    act_as_public(conn)
    with conn.transaction():
        conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()}, notice_version)"
                     f" values ('volunteer', %(c)s, '李梅', {values()}, %(v)s)",
                     {"c": community, "v": version, **sealed(number)})


def test_the_database_refuses_a_public_application_without_its_notice(conn):
    community = unit_id(conn, "丽水社区")
    for version in (None, "claim_v1", "application_v9"):   # none, another form's, an unknown one
        with pytest.raises(errors.CheckViolation) as refused:
            _anon_apply(conn, community, phone(), version)
        assert refused.value.diag.message_primary == "gongzhi:privacy.notice_required"
    number = phone()
    _anon_apply(conn, community, number, "application_v1")
    act_as(conn, "community")   # staff entering an application at the counter need no stored notice
    conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()})"
                 f" values ('volunteer', %(c)s, '王芳', {values()})", {"c": community, **sealed(phone())})
    conn.execute("reset role")
    assert conn.execute("select notice_version from public.application where phone_bidx = %s",
                        (blind_index("phone", number),)).fetchone()["notice_version"] == "application_v1"


def test_the_database_refuses_a_public_sign_up_without_its_notice(conn):
    community = unit_id(conn, "丽水社区")
    post = new_post(conn, community)
    act_as_public(conn)
    for version in (None, "application_v1"):
        with pytest.raises(errors.CheckViolation) as refused, conn.transaction():
            conn.execute("insert into public.signup (post_id, via, claim_phone_bidx, claim_code, notice_version)"
                         " values (%s, 'public', %s, 'ABCDEFGH', %s)", (post, blind_index("phone", "13900001111"), version))
        assert refused.value.diag.message_primary == "gongzhi:privacy.notice_required"


def _form(number):
    return ApplicationForm(kind="volunteer", org_unit_id="丽水社区", name="孙丽", phone=number, workplace="区医院",
                           skills=[], availability="", pledged_hours=10)


def test_the_public_forms_store_the_notice_version_and_refuse_an_unread_notice(fresh_db):
    number = phone()
    with pytest.raises(DomainError) as unread:
        commands.submit_application(_form(number), queries.public_lookups(), "fp-n", False)
    assert unread.value.key == "privacy.notice_unread"
    commands.submit_application(_form(number), queries.public_lookups(), "fp-n", True)
    with db.owner() as conn:
        assert conn.execute("select count(*) as n, min(notice_version) as v from public.application"
                            " where phone_bidx = %s", (blind_index("phone", number),)).fetchone() == {
                                "n": 1, "v": "application_v1"}
        community = unit_id(conn, "丽水社区")
        post = new_post(conn, community)
        claim = phone()
        volunteer = new_volunteer(conn, community, phone_number=claim)
    code = commands.reset_code(identity_of("shequ@demo.gongzhi.cn"), volunteer)
    with pytest.raises(DomainError) as unread:
        commands.public_sign_up(post, claim, code, False)
    assert unread.value.key == "privacy.notice_unread"
    commands.public_sign_up(post, claim, code, True)
    with db.owner() as conn:
        assert conn.execute("select notice_version from public.signup where post_id = %s",
                            (post,)).fetchone()["notice_version"] == "claim_v1"

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
from tests.volunteers.makers import new_post, new_volunteer, phone


def _anon_apply(conn, community, number, version):
    act_as(conn, None)
    with conn.transaction():
        conn.execute("insert into public.application (kind, org_unit_id, name, phone, notice_version)"
                     " values ('volunteer', %s, '李梅', %s, %s)", (community, number, version))


def test_the_database_refuses_a_public_application_without_its_notice(conn):
    community = unit_id(conn, "丽水社区")
    for version in (None, "claim_v1", "application_v9"):   # none, another form's, an unknown one
        with pytest.raises(errors.CheckViolation) as refused:
            _anon_apply(conn, community, phone(), version)
        assert refused.value.diag.message_primary == "gongzhi:privacy.notice_required"
    number = phone()
    _anon_apply(conn, community, number, "application_v1")
    act_as(conn, "community")   # staff entering an application at the counter need no stored notice
    conn.execute("insert into public.application (kind, org_unit_id, name, phone) values ('volunteer', %s, '王芳', %s)",
                 (community, phone()))
    conn.execute("reset role")
    assert conn.execute("select notice_version from public.application where phone = %s",
                        (number,)).fetchone()["notice_version"] == "application_v1"


def test_the_database_refuses_a_public_sign_up_without_its_notice(conn):
    community = unit_id(conn, "丽水社区")
    post = new_post(conn, community)
    act_as(conn, None)
    for version in (None, "application_v1"):
        with pytest.raises(errors.CheckViolation) as refused, conn.transaction():
            conn.execute("insert into public.signup (post_id, via, claim_phone, claim_code, notice_version)"
                         " values (%s, 'public', '13900001111', 'ABCDEFGH', %s)", (post, version))
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
        assert conn.execute("select count(*) as n, min(notice_version) as v from public.application where phone = %s",
                            (number,)).fetchone() == {"n": 1, "v": "application_v1"}
        community = unit_id(conn, "丽水社区")
        post = new_post(conn, community)
        volunteer = new_volunteer(conn, community)
        claim = conn.execute("select phone from public.volunteer where id = %s", (volunteer,)).fetchone()["phone"]
    code = commands.reset_code(identity_of("shequ@demo.gongzhi.cn"), volunteer)
    with pytest.raises(DomainError) as unread:
        commands.public_sign_up(post, claim, code, False)
    assert unread.value.key == "privacy.notice_unread"
    commands.public_sign_up(post, claim, code, True)
    with db.owner() as conn:
        assert conn.execute("select notice_version from public.signup where post_id = %s",
                            (post,)).fetchone()["notice_version"] == "claim_v1"

"""Posts and sign-ups: capacity holds under simultaneous sign-ups from real concurrent connections,
the waitlist moves up, overlapping activities are refused, and the public page signs up by code."""
import datetime as dt
import threading

import psycopg
import pytest
from psycopg import errors

from gongzhi import db
from gongzhi.db.connection import set_identity
from gongzhi.errors import DomainError
from gongzhi.volunteers import commands, queries
from tests.conftest import act_as, act_as_owner, unit_id, user_id
from tests.pages.conftest import identity_of
from tests.volunteers.makers import new_post, new_volunteer
from gongzhi.personal.crypto import decrypt
from tests.personal import act_as_public

COMMUNITY = "shequ@demo.gongzhi.cn"


def _status(conn, post):
    row = conn.execute("select taken, capacity from public.post where id = %s", (post,)).fetchone()
    statuses = [r["status"] for r in conn.execute(
        "select status from public.signup where post_id = %s order by created_at, id", (post,))]
    return row, statuses


def test_capacity_holds_under_simultaneous_signups(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        community = unit_id(conn, "丽水社区")
        post = new_post(conn, community, capacity=3)
        volunteers = [new_volunteer(conn, community, name=f"志愿者{i}") for i in range(12)]
        staff = user_id(conn, "community")
    barrier = threading.Barrier(len(volunteers))
    outcomes, failures = [], []

    def sign(volunteer):
        try:
            with psycopg.connect(fresh_db, autocommit=True) as c, c.transaction():
                set_identity(c, staff)
                barrier.wait(timeout=20)
                c.execute("insert into public.signup (post_id, volunteer_id) values (%s, %s)", (post, volunteer))
                outcomes.append(c.execute("select status from public.signup where post_id = %s and volunteer_id = %s",
                                          (post, volunteer)).fetchone()[0])
        except Exception as exc:   # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=sign, args=(v,)) for v in volunteers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
    assert sorted(outcomes) == ["confirmed"] * 3 + ["waitlisted"] * 9
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        (row, statuses) = _status(conn, post)
    assert row == {"taken": 3, "capacity": 3} and statuses.count("confirmed") == 3


def test_waitlist_moves_up_on_withdrawal_and_on_more_capacity(fresh_db):
    staff = identity_of(COMMUNITY)
    with db.owner() as conn:
        community = unit_id(conn, "丽水社区")
        post = new_post(conn, community, capacity=2)
        vols = [new_volunteer(conn, community, name=n) for n in ("甲", "乙", "丙", "丁")]
    assert [commands.sign_up(staff, post, v) for v in vols] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    first = next(s for s in queries.signups(staff, post) if s["name"] == "甲")
    commands.withdraw(staff, first["id"])
    by_name = {s["name"]: s["status"] for s in queries.signups(staff, post)}
    assert by_name == {"甲": "withdrawn", "乙": "confirmed", "丙": "confirmed", "丁": "waitlisted"}
    commands.change_post(staff, post, capacity=3)
    assert {s["name"]: s["status"] for s in queries.signups(staff, post)}["丁"] == "confirmed"
    with pytest.raises(DomainError) as below:
        commands.change_post(staff, post, capacity=2)
    assert below.value.key == "post.capacity_below_taken"
    with db.owner() as conn:
        assert conn.execute("select taken from public.post where id = %s", (post,)).fetchone()["taken"] == 3


def test_overlapping_activities_are_refused_and_warned_about(fresh_db):
    staff = identity_of(COMMUNITY)
    with db.owner() as conn:
        community = unit_id(conn, "丽水社区")
        morning = new_post(conn, community, starts_in_days=5, hours=3)
        overlapping = new_post(conn, community, starts_in_days=5 + 2 / 24, hours=2)
        later = new_post(conn, community, starts_in_days=6, hours=2)
        standing = new_post(conn, community, starts_in_days=1, hours=0, kind="post")
        volunteer = new_volunteer(conn, community)
    commands.sign_up(staff, morning, volunteer)
    assert [o["id"] for o in queries.overlaps(staff, volunteer, overlapping)] == [morning]
    assert queries.overlaps(staff, volunteer, later) == []
    with pytest.raises(DomainError) as refused:
        commands.sign_up(staff, overlapping, volunteer)
    assert refused.value.key == "signup.overlap"
    assert commands.sign_up(staff, later, volunteer) == "confirmed"
    assert commands.sign_up(staff, standing, volunteer) == "confirmed"   # a standing post has no time slot
    with pytest.raises(DomainError) as twice:
        commands.sign_up(staff, later, volunteer)
    assert twice.value.key == "signup.already"


def test_the_exclusion_constraint_holds_without_the_trigger_check(conn):
    """Even a row written past the trigger (as the owner, triggers off) cannot overlap."""
    community = unit_id(conn, "丽水社区")
    a, b = new_post(conn, community, hours=3), new_post(conn, community, starts_in_days=3 + 1 / 24)
    volunteer = new_volunteer(conn, community)
    conn.execute("insert into public.signup (post_id, volunteer_id) values (%s, %s)", (a, volunteer))
    conn.execute("alter table public.signup disable trigger signup_seat")
    with pytest.raises(errors.ExclusionViolation), conn.transaction():
        conn.execute("insert into public.signup (post_id, volunteer_id, during)"
                     " select %s, %s, during from public.post where id = %s", (b, volunteer, b))


def test_public_signup_with_phone_and_code(fresh_db):
    staff = identity_of(COMMUNITY)
    with db.owner() as conn:
        community = unit_id(conn, "丽水社区")
        other_community = unit_id(conn, "江滩社区")
        post = new_post(conn, community, capacity=1)
        foreign_post = new_post(conn, other_community)
        volunteer = new_volunteer(conn, community)
        phone = decrypt("phone", conn.execute("select phone_enc from public.volunteer where id = %s",
                                              (volunteer,)).fetchone()["phone_enc"])
    code = commands.reset_code(staff, volunteer)
    assert [p["id"] for p in queries.public_posts(community)].count(post) == 1
    for bad_phone, bad_code in ((phone, "WRONG123"), ("13000000000", code), ("", "")):
        with pytest.raises(DomainError) as refused:
            commands.public_sign_up(post, bad_phone, bad_code, True)
        assert refused.value.key == "signup.bad_code"
    with pytest.raises(DomainError) as elsewhere:   # the code opens only the volunteer's own community
        commands.public_sign_up(foreign_post, phone, code, True)
    assert elsewhere.value.key == "signup.bad_code"
    commands.public_sign_up(post, phone, code.lower(), True)
    with db.owner() as conn:
        row = conn.execute("select volunteer_id, status, via, claim_code from public.signup where post_id = %s",
                           (post,)).fetchone()
    assert row == {"volunteer_id": volunteer, "status": "confirmed", "via": "public", "claim_code": None}


def test_anon_cannot_sign_up_a_volunteer_by_id(conn):
    community = unit_id(conn, "丽水社区")
    post, volunteer = new_post(conn, community), new_volunteer(conn, community)
    act_as(conn, None)   # the public key alone writes nothing
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.signup (post_id, via) values (%s, 'public')", (post,))
    act_as_public(conn)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.signup (post_id, volunteer_id) values (%s, %s)", (post, volunteer))
    with pytest.raises(errors.RaiseException, match="signup.bad_code"), conn.transaction():
        conn.execute("insert into public.signup (post_id, via) values (%s, 'staff')", (post,))
    act_as_owner(conn)


def test_signups_close_for_past_or_closed_activities(fresh_db):
    staff = identity_of(COMMUNITY)
    with db.owner() as conn:
        community = unit_id(conn, "丽水社区")
        past = new_post(conn, community, starts_in_days=-1)
        post = new_post(conn, community)
        volunteer = new_volunteer(conn, community)
    commands.change_post(staff, post, status="closed")
    for target in (past, post):
        with pytest.raises(DomainError) as closed:
            commands.sign_up(staff, target, volunteer)
        assert closed.value.key == "signup.closed"
    with pytest.raises(DomainError) as taken:
        with staff.session() as c:
            try:
                c.execute("update public.post set taken = 5 where id = %s", (post,))
            except psycopg.Error as exc:
                from gongzhi.errors import from_db
                raise from_db(exc) from None
    assert taken.value.key == "post.taken_is_counted"

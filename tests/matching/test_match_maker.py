"""A match's maker (`created_by`) is kept by per-statement triggers instead of a foreign key
(migration 20261205122000): every rule the key held still holds — an unknown maker is refused on
insert and update, a deleted account's matches keep no maker, a maker's id cannot change, and a
write racing the account's deletion waits for it or is refused."""
import uuid

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import dict_row

from tests.conftest import act_as, act_as_owner
from tests.matching import helpers as h

GRID = "丽水社区第一网格"


@pytest.fixture
def pair(conn):
    cat = h.new_category(conn)
    grid = h.unit(conn, GRID)
    return h.demand(conn, grid, cat, quantity=3), h.resource(conn, grid, cat, capacity=3)


def _account(conn) -> str:
    return str(conn.execute("insert into auth.users (email) values (%s) returning id",
                            (f"maker-{uuid.uuid4().hex[:8]}@test.gongzhi.cn",)).fetchone()["id"])


def _maker(conn, match_id: int):
    return conn.execute("select created_by from public.match where id = %s", (match_id,)).fetchone()["created_by"]


def test_a_match_by_an_unknown_maker_is_refused(conn, pair):
    d, r = pair
    with pytest.raises(errors.ForeignKeyViolation) as refused, conn.transaction():
        conn.execute("insert into public.match (demand_id, resource_id, created_by) values (%s, %s, %s)",
                     (d, r, uuid.uuid4()))
    assert refused.value.diag.constraint_name == "match_created_by_fkey"


def test_one_unknown_maker_refuses_the_whole_statement(conn, pair):
    d, r = pair
    other = h.resource(conn, h.unit(conn, GRID), h.category_of(conn, d), capacity=3)
    known = _account(conn)
    with pytest.raises(errors.ForeignKeyViolation), conn.transaction():
        conn.execute("insert into public.match (demand_id, resource_id, created_by)"
                     " values (%s, %s, %s), (%s, %s, %s)", (d, r, known, d, other, uuid.uuid4()))
    assert conn.execute("select count(*) as n from public.match where demand_id = %s", (d,)).fetchone()["n"] == 0


def test_known_makers_and_no_maker_are_accepted(conn, pair):
    d, r = pair
    known = _account(conn)
    m = h.match(conn, d, r)
    conn.execute("update public.match set created_by = %s where id = %s", (known, m))
    assert str(_maker(conn, m)) == known
    conn.execute("update public.match set created_by = null where id = %s", (m,))
    assert _maker(conn, m) is None


def test_changing_the_maker_to_an_unknown_account_is_refused(conn, pair):
    d, r = pair
    m = h.match(conn, d, r)
    with pytest.raises(errors.ForeignKeyViolation), conn.transaction():
        conn.execute("update public.match set created_by = %s where id = %s", (uuid.uuid4(), m))


def test_staff_making_a_match_are_its_maker(conn, pair):
    d, r = pair
    act_as(conn, "community")
    m = h.match(conn, d, r)
    act_as_owner(conn)
    assert _maker(conn, m) is not None


def test_a_deleted_account_leaves_its_matches_without_a_maker(conn, pair):
    d, r = pair
    gone, stays = _account(conn), _account(conn)
    m1, m2 = h.match(conn, d, r), h.match(conn, h.demand(conn, h.unit(conn, GRID), h.category_of(conn, d)), r)
    conn.execute("update public.match set created_by = %s where id = %s", (gone, m1))
    conn.execute("update public.match set created_by = %s where id = %s", (stays, m2))
    conn.execute("delete from auth.users where id = %s", (gone,))
    assert _maker(conn, m1) is None
    assert str(_maker(conn, m2)) == stays


def test_a_makers_id_cannot_change(conn, pair):
    d, r = pair
    maker, idle = _account(conn), _account(conn)
    m = h.match(conn, d, r)
    conn.execute("update public.match set created_by = %s where id = %s", (maker, m))
    with pytest.raises(errors.ForeignKeyViolation) as refused, conn.transaction():
        conn.execute("update auth.users set id = gen_random_uuid() where id = %s", (maker,))
    assert refused.value.diag.constraint_name == "match_created_by_fkey"
    # An account that made no match may (once its own sign-in state, keyed by the id, is gone).
    conn.execute("delete from private.password_state where user_id = %s", (idle,))
    conn.execute("update auth.users set id = gen_random_uuid() where id = %s", (idle,))


def test_a_write_racing_the_makers_deletion_waits_and_then_is_refused(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        cat = h.new_category(conn)
        grid = h.unit(conn, GRID)
        d, r = h.demand(conn, grid, cat, quantity=3), h.resource(conn, grid, cat, capacity=3)
        maker = _account(conn)
        conn.commit()
    with psycopg.connect(fresh_db, row_factory=dict_row) as writer, \
            psycopg.connect(fresh_db, row_factory=dict_row) as deleter:
        writer.execute("insert into public.match (demand_id, resource_id, created_by) values (%s, %s, %s)",
                       (d, r, maker))
        deleter.execute("set lock_timeout = '300ms'")
        with pytest.raises(errors.LockNotAvailable):  # the maker is held until the writer ends
            deleter.execute("delete from auth.users where id = %s", (maker,))
        deleter.rollback()
        writer.rollback()
        deleter.execute("delete from auth.users where id = %s", (maker,))
        deleter.commit()
        with pytest.raises(errors.ForeignKeyViolation):
            writer.execute("insert into public.match (demand_id, resource_id, created_by) values (%s, %s, %s)",
                           (d, r, maker))



def test_the_accounts_cannot_be_truncated_under_the_makers(fresh_db):
    """`truncate … cascade` (a plain one is refused by the other keys on the accounts first)."""
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        cat = h.new_category(conn)
        grid = h.unit(conn, GRID)
        m = h.match(conn, h.demand(conn, grid, cat), h.resource(conn, grid, cat))
        conn.execute("update public.match set created_by = %s where id = %s", (_account(conn), m))
        with pytest.raises(errors.FeatureNotSupported), conn.transaction():
            conn.execute("truncate auth.users cascade")
        assert _maker(conn, m) is not None

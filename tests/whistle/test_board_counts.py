"""The supervision board's counts: a department's come from private.department_board_counts (its open
events found by index), everyone else's from the events their policies let them read; both give
exactly what row-level security gives, and the function tells nothing to anyone but a department."""
import datetime as dt

import pytest

from gongzhi.whistle import demo
from gongzhi.whistle.queries import _COUNTS, _COUNTS_WHERE, board_on
from tests.conftest import act_as, act_as_owner, require_second_factor

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def events(conn):
    act_as_owner(conn)
    demo.add_events(conn, 600)
    open_events = conn.execute("select count(*) as n from public.event where closed_at is null").fetchone()["n"]
    assert open_events > 20
    return open_events


def _under_rls(conn) -> dict:
    return dict(conn.execute(_COUNTS_WHERE.format(where="true"), {"now": NOW}).fetchone())


@pytest.mark.parametrize("role", ["department", "district", "street", "community", "grid"])
def test_every_role_counts_what_its_policies_let_it_read(conn, events, role):
    act_as(conn, role)
    expected = _under_rls(conn)
    assert dict(conn.execute(_COUNTS, {"now": NOW}).fetchone()) == expected
    assert board_on(conn, NOW)["counts"] == expected
    if role in ("department", "district"):
        assert sum(expected[k] for k in ("red", "yellow", "green")) > 0


def test_the_department_sees_its_own_open_events_not_all(conn, events):
    act_as(conn, "department")
    mine = conn.execute("select * from private.department_board_counts(%s)", (NOW,)).fetchone()
    assert 0 < mine["red"] + mine["yellow"] + mine["green"] < events


@pytest.mark.parametrize("role", ["district", "street", "grid"])
def test_the_function_tells_other_roles_nothing(conn, events, role):
    act_as(conn, role)
    assert conn.execute("select * from private.department_board_counts(%s)", (NOW,)).fetchall() == []


def test_without_the_second_factor_a_department_counts_nothing(conn, events):
    require_second_factor(conn, everyone=True)
    act_as(conn, "department", aal="aal1")
    assert conn.execute("select * from private.department_board_counts(%s)", (NOW,)).fetchall() == []
    assert board_on(conn, NOW)["counts"] == {"red": 0, "yellow": 0, "green": 0, "escalated": 0}


def test_anon_may_not_call_it(conn):
    act_as(conn, None)
    with pytest.raises(Exception, match="permission denied"):
        conn.execute("select * from private.department_board_counts(%s)", (NOW,))

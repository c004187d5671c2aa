"""KPIs of the whistle and volunteer modules on the dashboard equal independent counts under the role."""
import pytest

from gongzhi.dashboard import queries
from gongzhi.dashboard.periods import period_for
from tests.conftest import act_as
from tests.dashboard.test_figures import LEADERS, identity, today


@pytest.mark.parametrize("role", LEADERS)
def test_overdue_events_and_volunteer_hours_equal_counts_under_the_role(conn, role):
    user = identity(conn, role)
    act_as(conn, role)
    period = period_for("year", today(conn))
    figures = {f.key: f for f in queries.load_in(conn, user, None, period).figures}
    overdue = conn.execute("select count(*) as n from public.event where closed_at is null and deadline < now()"
                           ).fetchone()["n"]
    hours = conn.execute("select coalesce(sum(hours), 0) as h from public.service_log where verified_at is not null"
                         " and served_on between %s and %s", (period.start, period.end)).fetchone()["h"]
    assert figures["events_overdue"].value == overdue
    assert figures["volunteer_hours"].value == float(hours)


def test_the_demo_district_has_overdue_events_and_hours(conn):
    act_as(conn, "district")
    assert conn.execute("select count(*) as n from public.event where closed_at is null and deadline < now()"
                        ).fetchone()["n"] > 0
    assert conn.execute("select coalesce(sum(hours), 0) as h from public.service_log where verified_at is not null"
                        ).fetchone()["h"] > 0


@pytest.mark.parametrize("role", LEADERS)
def test_the_median_time_to_close_equals_an_independent_median(conn, role):
    import statistics
    user = identity(conn, role)
    act_as(conn, role)
    for period in (period_for("year", today(conn)), period_for("quarter", today(conn))):
        def median(p):
            days = [r["d"] for r in conn.execute(
                "select (closed_at at time zone 'Asia/Shanghai')::date - (created_at at time zone 'Asia/Shanghai')::date"
                " as d from public.demand where status = 'done'"
                " and (closed_at at time zone 'Asia/Shanghai')::date between %s and %s", (p.start, p.end))]
            return round(float(statistics.median(days)), 1) if days else None
        figure = {f.key: f for f in queries.load_in(conn, user, None, period).figures}["median_days_to_close"]
        assert (figure.value, figure.previous) == (median(period), median(period.previous()))

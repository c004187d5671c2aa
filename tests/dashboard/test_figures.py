"""Every dashboard figure equals an independent SQL count over the list tables, run as the same
role under row-level security; drill-down narrows the scope; a scope outside the territory shows
nothing; the tally stays exact under writes."""
from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.auth import Identity
from gongzhi.dashboard import queries
from gongzhi.dashboard.periods import Period, period_for
from gongzhi.errors import DomainError
from tests.conftest import DEMO_EMAILS, act_as, act_as_owner, unit_id

LEADERS = ("district", "street", "community", "grid")
TZ = "Asia/Shanghai"


def identity(conn, role: str) -> Identity:
    row = conn.execute("""select u.id, u.email, s.display_name, s.role, o.id as unit, o.name, o.kind
                          from auth.users u join public.staff s on s.user_id = u.id
                          join public.org_unit o on o.id = s.org_unit_id where u.email = %s""",
                       (DEMO_EMAILS[role],)).fetchone()
    return Identity(str(row["id"]), row["email"], row["display_name"], row["role"], row["unit"], row["name"], row["kind"])


def today(conn) -> dt.date:
    return conn.execute(f"select (now() at time zone '{TZ}')::date as d").fetchone()["d"]


def periods(conn) -> list[Period]:
    now = today(conn)
    return [period_for("month", now), period_for("quarter", now), period_for("year", now),
            period_for("custom", now, now - dt.timedelta(days=200), now - dt.timedelta(days=20))]


IN_PERIOD = f"(({{col}} at time zone '{TZ}')::date between %(s)s and %(e)s)"


def truth(conn, period: Period, where: str = "true", p: dict | None = None) -> dict:
    """The figures counted straight from the list tables, as the current role (RLS decides)."""
    p = {"s": period.start, "e": period.end, **(p or {})}
    created, closed = IN_PERIOD.format(col="created_at"), IN_PERIOD.format(col="closed_at")
    d = conn.execute(f"""
        select count(*) filter (where status in ('new', 'matched', 'in_progress')) as open_demands,
               count(*) filter (where {created}) as new_demands,
               count(*) filter (where {created} and status = 'done') as created_done,
               count(*) filter (where {closed} and status = 'done') as closed_demands,
               avg((closed_at at time zone '{TZ}')::date - (created_at at time zone '{TZ}')::date)
                 filter (where {closed} and status = 'done') as avg_days
        from public.demand where {where}""", p).fetchone()
    return {"open_demands": d["open_demands"], "new_demands": d["new_demands"], "closed_demands": d["closed_demands"],
            "closure_rate": round(d["created_done"] / d["new_demands"], 4) if d["new_demands"] else None,
            "avg_days_to_close": round(float(d["avg_days"]), 1) if d["avg_days"] is not None else None}


def test_the_demo_has_something_to_count(conn):
    act_as(conn, "grid")
    assert conn.execute("select count(*) as n from public.demand").fetchone()["n"] > 0


@pytest.mark.parametrize("role", LEADERS)
def test_each_figure_equals_an_independent_count_under_the_role(conn, role):
    user = identity(conn, role)
    act_as(conn, role)
    for period in periods(conn):
        board = queries.load_in(conn, user, None, period)
        figures = {f.key: f.value for f in board.figures}
        expected = truth(conn, period)
        assert {k: figures[k] for k in expected} == expected, (role, period)
        s, e = period.start, period.end + dt.timedelta(days=1)
        assert figures["matches_made"] == conn.execute(
            f"select count(*) as n from public.match where created_at >= %s::timestamp at time zone '{TZ}'"
            f" and created_at < %s::timestamp at time zone '{TZ}'", (s, e)).fetchone()["n"]
        r = conn.execute("select count(*) filter (where allocated > 0) as in_use,"
                         " count(*) filter (where allocated = 0 and status = 'available') as idle"
                         " from public.resource").fetchone()
        assert (figures["resources_in_use"], figures["resources_idle"]) == (r["in_use"], r["idle"])
        pr = conn.execute(f"""
            select count(*) filter (where late) as late, count(*) filter (where not late) as on_track from (
              select p.end_date < (now() at time zone '{TZ}')::date
                     or exists (select from public.project_milestone m where m.project_id = p.id
                                and m.done_at is null and m.due_date < (now() at time zone '{TZ}')::date) as late
              from public.project p where p.status in ('planning', 'in_progress')) x""").fetchone()
        assert (figures["projects_late"], figures["projects_on_track"]) == (pr["late"], pr["on_track"])
        # previous period: the same counts over the period before
        prev = truth(conn, period.previous())
        previous = {f.key: f.previous for f in board.figures}
        assert {k: previous[k] for k in ("new_demands", "closed_demands", "closure_rate")} == \
               {k: prev[k] for k in ("new_demands", "closed_demands", "closure_rate")}


@pytest.mark.parametrize("role", LEADERS)
def test_charts_data_equals_independent_counts(conn, role):
    user = identity(conn, role)
    act_as(conn, role)
    period = periods(conn)[1]
    board = queries.load_in(conn, user, None, period)
    created = IN_PERIOD.format(col="created_at")
    p = {"s": period.start, "e": period.end}
    by_cat = {r["category_id"]: r["n"] for r in conn.execute(
        f"select category_id, count(*) as n from public.demand where {created} group by 1", p)}
    assert {r["category_id"]: r["new"] for r in board.categories if r["new"]} == by_cat
    weeks = {r["w"]: r["n"] for r in conn.execute(f"""
        select date_trunc('week', (created_at at time zone '{TZ}')::date)::date as w, count(*) as n
        from public.demand where (created_at at time zone '{TZ}')::date between %(s)s and %(e)s group by 1""",
        {"s": period.trend_start(), "e": period.end})}
    assert {r["week"]: r["new"] for r in board.trend if r["new"]} == weeks
    kinds = {r["kind"]: (r["n"], r["allocated"], r["capacity"]) for r in conn.execute(
        "select kind, count(*) as n, sum(allocated) as allocated, sum(capacity) as capacity from public.resource group by 1")}
    assert {r["kind"]: (r["n"], r["allocated"], r["capacity"]) for r in board.resources} == kinds
    column = {"district": "street_id", "street": "community_id", "community": "grid_id"}.get(role)
    if column is None:
        assert board.units == [] and board.scope.children == ()
        return
    by_unit = {r["u"]: r["n"] for r in conn.execute(
        f"select {column} as u, count(*) as n from public.demand where {created} group by 1", p)}
    assert {r["unit_id"]: r["new"] for r in board.units if r["new"]} == by_unit
    open_by_unit = {r["u"]: r["n"] for r in conn.execute(
        f"select {column} as u, count(*) as n from public.demand"
        f" where status in ('new', 'matched', 'in_progress') group by 1")}
    assert {r["unit_id"]: r["open"] for r in board.units if r["open"]} == open_by_unit


@pytest.mark.parametrize("role,child", [("district", "长江路街道"), ("street", "丽水社区"),
                                        ("community", "丽水社区第二网格")])
def test_drill_down_narrows_the_figures_to_the_sub_unit(conn, role, child):
    user = identity(conn, role)
    target = unit_id(conn, child)
    column = {"district": "street_id", "street": "community_id", "community": "grid_id"}[role]
    act_as(conn, role)
    period = periods(conn)[2]
    whole = queries.load_in(conn, user, None, period)
    board = queries.load_in(conn, user, target, period)
    assert board.scope.unit.id == target
    assert [u.id for u in board.scope.path][0] == user.org_unit_id and board.scope.path[-1].id == target
    figures = {f.key: f.value for f in board.figures}
    expected = truth(conn, period, f"{column} = %(u)s", {"u": target})
    assert {k: figures[k] for k in expected} == expected
    assert 0 < figures["new_demands"] < whole.figure("new_demands").value
    assert next(r["new"] for r in whole.units if r["unit_id"] == target) == figures["new_demands"]


@pytest.mark.parametrize("role,outside", [("street", "新华街道"), ("street", "新华里社区"),
                                          ("community", "江滩社区"), ("grid", "丽水社区第二网格"),
                                          ("grid", "丽水社区"), ("community", "滨江区")])
def test_a_crafted_scope_outside_the_territory_shows_nothing(conn, role, outside):
    user = identity(conn, role)
    target = unit_id(conn, outside)
    act_as(conn, role)
    period = periods(conn)[2]
    with pytest.raises(DomainError) as refused:
        queries.load_in(conn, user, target, period)
    assert refused.value.key == "dashboard.scope_outside"
    # Even a hand-made scope that skips the check counts nothing: row-level security decides.
    act_as_owner(conn)
    row = conn.execute("select id, name, kind, terr, terr_hi from public.org_unit where id = %s", (target,)).fetchone()
    unit = queries.Unit(row["id"], row["name"], row["kind"], row["terr"], row["terr_hi"])
    act_as(conn, role)
    if unit.terr <= conn.execute("select private.terr_lo() as lo").fetchone()["lo"] <= unit.terr_hi:
        return  # a unit above the viewer: its range contains the viewer's own, which they may see
    figures = queries.core_figures(conn, queries.Scope(unit, (unit,), ()), period, period.previous())
    for key in ("open_demands", "new_demands", "closed_demands", "matches_made"):
        assert figures[key][0] == 0, key


@pytest.mark.parametrize("bad", ["abc", "1 or 1=1", -1, 10**12])
def test_garbage_scopes_are_refused(conn, bad):
    user = identity(conn, "street")
    act_as(conn, "street")
    with pytest.raises(DomainError):
        queries.load_in(conn, user, bad, periods(conn)[0])


def test_department_staff_have_no_dashboard_scope(conn):
    user = identity(conn, "department")
    act_as(conn, "department")
    with pytest.raises(DomainError):
        queries.load_in(conn, user, None, periods(conn)[0])


def test_figures_follow_writes_through_the_tally(conn):
    """Inserts, status changes, moves and deletes by a grid worker show up in every level's figures."""
    grid = identity(conn, "grid")
    act_as(conn, "grid")
    period = periods(conn)[0]
    before = queries.load_in(conn, grid, None, period).figure("new_demands").value
    cat = conn.execute("select id from public.category order by id limit 1").fetchone()["id"]
    ids = [conn.execute("insert into public.demand (org_unit_id, category_id, title) values (%s, %s, '测试')"
                        " returning id", (grid.org_unit_id, cat)).fetchone()["id"] for _ in range(3)]
    conn.execute("update public.demand set status = 'in_progress' where id = any(%s)", (ids,))
    conn.execute("update public.demand set status = 'done' where id = %s", (ids[0],))
    conn.execute("delete from public.demand where id = %s", (ids[2],))
    board = queries.load_in(conn, grid, None, period)
    assert board.figure("new_demands").value == before + 2
    assert {k: board.figure(k).value for k in truth(conn, period)} == truth(conn, period)
    act_as_owner(conn)
    district_user = identity(conn, "district")
    act_as(conn, "district")
    district = queries.load_in(conn, district_user, None, period)
    assert {k: district.figure(k).value for k in truth(conn, period)} == truth(conn, period)


def test_bulletin_command_writes_the_workbook_and_refuses_a_bad_month(fresh_db, tmp_path):
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from gongzhi.cli import main
    out = tmp_path / "b.xlsx"
    ok = CliRunner().invoke(main, ["bulletin", "--email", DEMO_EMAILS["community"], "--month", "2026-10",
                                   "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "丽水社区2026年10月" in ok.output
    assert load_workbook(out).sheetnames[:2] == ["通报", "图表"]
    bad = CliRunner().invoke(main, ["bulletin", "--email", DEMO_EMAILS["community"], "--month", "2026-13",
                                    "--out", str(tmp_path / "c.xlsx")])
    assert bad.exit_code != 0 and "月份不正确" in bad.output and not (tmp_path / "c.xlsx").exists()
    dept = CliRunner().invoke(main, ["bulletin", "--email", DEMO_EMAILS["department"], "--month", "2026-10",
                                     "--out", str(tmp_path / "d.xlsx")])
    assert dept.exit_code != 0 and "辖区" in dept.output


@pytest.mark.parametrize("role", LEADERS)
def test_every_chart_is_a_valid_vega_lite_spec_in_both_languages(conn, role):
    from gongzhi import charts
    user = identity(conn, role)
    act_as(conn, role)
    board = queries.load_in(conn, user, None, periods(conn)[2])
    for lang in ("zh", "en"):
        built = charts.dashboard_charts(board, lang)
        assert {"by_category", "trend"} <= set(built)
        for chart in built.values():
            assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # validates
            assert charts.spec(chart) == chart.to_dict()


def test_compaction_folds_deltas_and_keeps_every_figure(fresh_db):
    from click.testing import CliRunner

    from gongzhi.auth import load_identity
    from gongzhi.cli import main
    from gongzhi.db import owner
    with owner() as conn:
        uid = conn.execute("select id from auth.users where email = %s", (DEMO_EMAILS["street"],)).fetchone()["id"]
        conn.execute("update public.demand set status = 'in_progress' where status = 'new' and id % 2 = 0")
        conn.execute("update public.resource set status = 'paused' where status = 'available' and id % 3 = 0")
    user = load_identity(str(uid))
    period = period_for("year", dt.date.today())
    before = queries.load(user, None, period)
    result = CliRunner().invoke(main, ["dashboard", "compact"])
    assert result.exit_code == 0, result.output
    rows_before, rows_after = (int(x) for x in result.output.split(":")[1].split("->"))
    assert rows_after < rows_before
    after = queries.load(user, None, period)
    assert [(f.key, f.value) for f in after.figures] == [(f.key, f.value) for f in before.figures]
    assert after.units == before.units and after.resources == before.resources

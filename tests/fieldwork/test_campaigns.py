"""重点整治 campaigns run by a street: the form's checks, target grids held inside the territory by
the database, progress per target grid (rounds done against due so far, findings), only open
campaigns of the worker's grid offered on 今日走访, and closing that freezes a campaign."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import clock
from gongzhi.auth import load_identity
from gongzhi.errors import DomainError
from gongzhi.fieldwork import campaigns, commands, queries
from gongzhi.fieldwork.campaigns import CampaignForm
from gongzhi.fieldwork.forms import FindingForm, RoundForm
from gongzhi.lists.forms import FormError
from tests.conftest import DEMO_EMAILS, unit_id, user_id

GRID, OTHER_GRID = "丽水社区第一网格", "丽水社区第二网格"


@pytest.fixture
def db(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row, autocommit=True) as c:
        yield c, {role: load_identity(user_id(c, role)) for role in DEMO_EMAILS}


def test_due_so_far_and_lights():
    start, end = dt.date(2026, 12, 1), dt.date(2026, 12, 10)
    assert campaigns.due_so_far(4, start, end, dt.date(2026, 11, 30)) == 0
    assert campaigns.due_so_far(4, start, end, dt.date(2026, 12, 1)) == 1      # ceil(4 × 1/10)
    assert campaigns.due_so_far(4, start, end, dt.date(2026, 12, 5)) == 2
    assert campaigns.due_so_far(4, start, end, dt.date(2026, 12, 31)) == 4
    assert [campaigns.light(d, 3) for d in (3, 4, 2, 1)] == ["green", "green", "yellow", "red"]


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(db):
    c, users = db
    before = c.execute("select count(*) as n from public.campaign").fetchone()["n"]
    today = clock.today()
    with pytest.raises(FormError) as refused:
        campaigns.create(users["street"], CampaignForm(org_unit_id=unit_id(c, "长江路街道"), name=" ", items="\n",
                                                       starts_on=today, ends_on=today - dt.timedelta(days=1),
                                                       rounds_per_grid=0))
    assert {(e.field, e.key) for e in refused.value.errors} == {
        ("name", "field.error.required"), ("items", "fieldwork.error.items"), ("ends_on", "fieldwork.error.period"),
        ("rounds_per_grid", "campaigns.error.rounds")}
    with pytest.raises(DomainError) as outside:      # a target grid of another street
        campaigns.create(users["street"], CampaignForm(
            org_unit_id=unit_id(c, "长江路街道"), name="飞线充电", items="飞线充电", starts_on=today, ends_on=today,
            grids=[unit_id(c, "新华里社区第一网格")]))
    assert outside.value.key == "fieldwork.campaign_grid_outside"
    with pytest.raises(DomainError):                 # community staff do not set campaigns
        campaigns.create(users["community"], CampaignForm(org_unit_id=unit_id(c, "长江路街道"), name="x", items="x",
                                                          starts_on=today, ends_on=today))
    assert c.execute("select count(*) as n from public.campaign").fetchone()["n"] == before


def test_a_street_creates_follows_and_closes_a_campaign(db):
    c, users = db
    today = clock.today()
    grid, other = unit_id(c, GRID), unit_id(c, OTHER_GRID)
    campaign = campaigns.create(users["street"], CampaignForm(
        org_unit_id=unit_id(c, "长江路街道"), name="楼道杂物清理（测试）", items="楼道杂物\n飞线充电\n楼道杂物",
        starts_on=today - dt.timedelta(days=4), ends_on=today + dt.timedelta(days=5), grids=[grid, other],
        rounds_per_grid=10))
    assert c.execute("select items from public.campaign where id = %s", (campaign,)).fetchone()["items"] == \
        ["楼道杂物", "飞线充电"]
    # the grid worker sees it on 今日走访 and logs two rounds; a grid not targeted may not
    assert campaign in [x["id"] for x in queries.today(users["grid"])["campaigns"]]
    safety = c.execute("select id from public.category where code = 'safety'").fetchone()["id"]
    for findings in ([FindingForm("3号楼楼道纸箱", "on_spot", campaign_item="楼道杂物")],
                     [FindingForm("车棚飞线", "demand", campaign_item="飞线充电", category_id=safety),
                      FindingForm("5号楼杂物", "on_spot", campaign_item="楼道杂物")]):
        commands.log_round(users["grid"], RoundForm(kind="campaign", org_unit_id=grid, campaign_id=campaign,
                                                    place="丽水小区", findings=findings))
    data = campaigns.progress(users["street"], campaign, today)
    by_grid = {g["name"]: g for g in data["grids"]}
    assert set(by_grid) == {GRID, OTHER_GRID}
    assert (by_grid[GRID]["rounds"], by_grid[GRID]["on_spot"], by_grid[GRID]["reported"]) == (2, 2, 1)
    assert by_grid[GRID]["due"] == by_grid[OTHER_GRID]["due"] == 5            # 10 rounds × 5 of 10 days
    assert (by_grid[GRID]["light"], by_grid[OTHER_GRID]["light"]) == ("red", "red")
    assert data["totals"] == {"rounds": 2, "on_spot": 2, "reported": 1, "due": 10}
    mine = campaigns.progress(users["grid"], campaign, today)            # a grid sees its own row only
    assert [g["name"] for g in mine["grids"]] == [GRID]
    rows, total = campaigns.listing(users["street"])
    assert total >= 1 and rows[0]["id"] == campaign and rows[0]["grid_n"] == 2

    with pytest.raises(DomainError):                 # the grid worker does not close it
        campaigns.close(users["grid"], campaign)
    assert campaigns.close(users["street"], campaign) == campaign
    with pytest.raises(DomainError) as again:
        campaigns.close(users["street"], campaign)
    assert again.value.key == "campaigns.cannot_close"
    assert campaign not in [x["id"] for x in queries.today(users["grid"])["campaigns"]]
    with pytest.raises(DomainError) as closed:
        commands.log_round(users["grid"], RoundForm(kind="campaign", org_unit_id=grid, campaign_id=campaign,
                                                    place="丽水小区"))
    assert closed.value.key == "fieldwork.campaign_closed"
    with pytest.raises(DomainError) as frozen:
        with users["street"].session() as conn:
            try:
                conn.execute("update public.campaign set name = '改名' where id = %s", (campaign,))
            except psycopg.Error as exc:
                from gongzhi.errors import from_db
                raise from_db(exc) from None
    assert frozen.value.key == "fieldwork.campaign_closed"
    assert campaigns.progress(users["street"], campaign, today)["totals"]["rounds"] == 2


def test_a_round_outside_the_target_grids_is_refused(db):
    c, users = db
    today = clock.today()
    campaign = campaigns.create(users["street"], CampaignForm(
        org_unit_id=unit_id(c, "长江路街道"), name="只查二网格", items="消防通道", starts_on=today, ends_on=today,
        grids=[unit_id(c, OTHER_GRID)]))
    assert campaign not in [x["id"] for x in queries.today(users["grid"])["campaigns"]]
    with pytest.raises(DomainError) as refused:
        commands.log_round(users["grid"], RoundForm(kind="campaign", org_unit_id=unit_id(c, GRID),
                                                    campaign_id=campaign, place="东门"))
    assert refused.value.key == "fieldwork.campaign_elsewhere"

"""Editing a 重点整治 campaign while it is open: title, dates, target grids and rounds per grid
change; bad input is refused field by field, target grids outside the territory and any change to
a closed campaign are refused by the database, and staff who may not change it are told so —
each refusal leaves the campaign as it was."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import clock
from gongzhi.auth import load_identity
from gongzhi.errors import DomainError
from gongzhi.fieldwork import campaigns
from gongzhi.fieldwork.campaigns import CampaignEdit, CampaignForm
from gongzhi.lists.forms import FormError
from tests.conftest import DEMO_EMAILS, unit_id, user_id

COLUMNS = "name, starts_on, ends_on, grids, rounds_per_grid, closed_at"


@pytest.fixture
def db(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row, autocommit=True) as c:
        yield c, {role: load_identity(user_id(c, role)) for role in DEMO_EMAILS}


def _campaign(c, users) -> int:
    today = clock.today()
    return campaigns.create(users["street"], CampaignForm(
        org_unit_id=unit_id(c, "长江路街道"), name="飞线充电专项整治", items="电动车飞线充电",
        starts_on=today, ends_on=today + dt.timedelta(days=30), grids=[unit_id(c, "丽水社区第一网格")],
        rounds_per_grid=4))


def _row(c, campaign: int) -> dict:
    return c.execute(f"select {COLUMNS} from public.campaign where id = %s", (campaign,)).fetchone()


def test_a_street_edits_an_open_campaign(db):
    c, users = db
    campaign = _campaign(c, users)
    today = clock.today()
    grids = sorted([unit_id(c, "丽水社区第一网格"), unit_id(c, "丽水社区第二网格")])
    assert campaigns.edit(users["street"], campaign, CampaignEdit(
        name="  飞线充电和楼道杂物整治 ", starts_on=today - dt.timedelta(days=2), ends_on=today + dt.timedelta(days=12),
        grids=[grids[1], grids[0], grids[1]], rounds_per_grid="6")) == campaign
    row = _row(c, campaign)
    assert (row["name"], row["starts_on"], row["ends_on"], row["grids"], row["rounds_per_grid"]) == (
        "飞线充电和楼道杂物整治", today - dt.timedelta(days=2), today + dt.timedelta(days=12), grids, 6)
    progress = campaigns.progress(users["street"], campaign, today)
    assert {g["name"] for g in progress["grids"]} == {"丽水社区第一网格", "丽水社区第二网格"}
    # no target grid chosen: every grid of the territory
    campaigns.edit(users["district"], campaign, CampaignEdit(name="飞线充电", starts_on=today, ends_on=today,
                                                             grids=[], rounds_per_grid=1))
    assert _row(c, campaign)["grids"] == []


def test_bad_input_and_refusals_change_nothing(db):
    c, users = db
    campaign = _campaign(c, users)
    before = _row(c, campaign)
    today = clock.today()
    with pytest.raises(FormError) as refused:
        campaigns.edit(users["street"], campaign, CampaignEdit(
            name=" ", starts_on=today, ends_on=today - dt.timedelta(days=1), rounds_per_grid=0))
    assert {(e.field, e.key) for e in refused.value.errors} == {
        ("name", "field.error.required"), ("ends_on", "fieldwork.error.period"),
        ("rounds_per_grid", "campaigns.error.rounds")}
    with pytest.raises(FormError) as refused:
        campaigns.edit(users["street"], campaign, CampaignEdit(name="x", starts_on=None, ends_on=None,
                                                               rounds_per_grid=None))
    assert {e.field for e in refused.value.errors} == {"starts_on", "ends_on", "rounds_per_grid"}

    good = dict(name="改个名字", starts_on=today, ends_on=today, rounds_per_grid=2)
    with pytest.raises(DomainError) as outside:        # a grid of another street
        campaigns.edit(users["street"], campaign, CampaignEdit(**good, grids=[unit_id(c, "新华里社区第一网格")]))
    assert outside.value.key == "fieldwork.campaign_grid_outside"
    for who in ("community", "grid", "department"):     # they read campaigns or none, but change none
        with pytest.raises(DomainError) as refused_key:
            campaigns.edit(users[who], campaign, CampaignEdit(**good))
        assert refused_key.value.key == "campaigns.cannot_edit", who
    assert _row(c, campaign) == before


def test_a_closed_campaign_refuses_every_change(db):
    c, users = db
    campaign = _campaign(c, users)
    campaigns.close(users["street"], campaign)
    before = _row(c, campaign)
    today = clock.today()
    for who in ("street", "district"):
        with pytest.raises(DomainError) as refused:
            campaigns.edit(users[who], campaign, CampaignEdit(name="结束后再改", starts_on=today, ends_on=today,
                                                              rounds_per_grid=1))
        assert refused.value.key == "fieldwork.campaign_closed"
    assert _row(c, campaign) == before

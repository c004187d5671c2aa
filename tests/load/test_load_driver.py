"""The load driver (`bench load`) against the real portal: its sessions really sign in through the
sign-in form, the server really runs the page scripts as that account, and the mix of clicks
(list, filter, page, row, save, dashboard) works for two users at once."""
from __future__ import annotations

import asyncio
import random

import psycopg
import pytest

from gongzhi.bench import load
from gongzhi.bench._portal import ScriptError, Session, start_portal


@pytest.fixture(scope="module")
def portal(load_db, tmp_path_factory):
    with start_portal(load_db, tmp_path_factory.mktemp("portal") / "streamlit.log") as p:
        yield p


def _sessions(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from private.staff_session").fetchone()[0]


def test_sessions_sign_in_through_the_form_and_see_their_own_pages(portal, load_db):
    async def scenario():
        anon = await Session(portal.url).connect()
        await anon.open()
        assert "共治 · 基层治理平台" in anon.texts()
        await anon.sign_in("wangge@demo.gongzhi.cn", "wrong-password")
        assert anon.widget(key="sign_out") is None and anon.widget(key="login_email") is not None
        await anon.close()

        grid, community = await asyncio.gather(load.signed_in(portal.url, "wangge@demo.gongzhi.cn"),
                                               load.signed_in(portal.url, "shequ@demo.gongzhi.cn"))
        assert "今日走访" in grid.texts() and "**刘洋（网格）**" in grid.texts()   # the grid worker lands on the day's page
        assert "您好，张伟" in community.texts() and "**张伟（社区）**" in community.texts()
        assert "whistle" in grid.pages and "org" not in grid.pages

        token = grid.token
        await grid.open("demands")
        assert "需求清单" in grid.texts() and load.shown_total(grid) > 0
        # the browser's session cookie alone signs a new tab in as the same account
        again = Session(portal.url, cookies={"gongzhi_session": token})
        await again.connect()
        await again.open()
        assert "**刘洋（网格）**" in again.texts()
        for s in (grid, community, again):
            await s.close()
        return token

    before = _sessions(load_db)
    token = asyncio.run(scenario())
    assert token and _sessions(load_db) == before + 2


def test_two_users_go_round_the_mix(portal, load_db):
    logins = load.accounts(load_db, 2)
    assert [role for _email, role in logins] == ["grid", "grid"] and logins[0][0] != logins[1][0]
    tally, memory = asyncio.run(load.drive(portal.url, logins, duration=0, think=0.1, rss=portal.rss_mb, rounds=1))
    assert tally.errors == []
    assert {action: len(v) for action, v in tally.samples.items()} == {action: 2 for action in load.ACTIONS}
    assert memory["rss_mb_idle"] > 0
    figures = load.summarise("users_2", tally)
    assert figures["users_2.actions"] == len(tally.all()) and figures["users_2.errors"] == 0


def test_a_script_error_is_reported_not_swallowed(portal):
    async def scenario():
        s = await load.signed_in(portal.url, "wangge@demo.gongzhi.cn")
        try:
            with pytest.raises(ScriptError):
                await load.act(s, "save", random.Random(0))   # no row is open
        finally:
            await s.close()
    asyncio.run(scenario())


def test_percentile():
    assert load.percentile([], 95) == 0
    assert load.percentile([1, 2, 3, 4, 5], 50) == 3
    assert load.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)

"""Two portal processes behind HAProxy (`gongzhi.replicas`, deploy/haproxy.cfg.in): a browser stays
on one process (its session state lives there), and different browsers spread over the processes."""
from __future__ import annotations

import asyncio
import urllib.request

import pytest

from gongzhi import replicas
from gongzhi.bench import load
from gongzhi.bench._portal import Session


@pytest.fixture(scope="module")
def front(load_db, tmp_path_factory):
    with replicas.running(2, database_url=load_db, folder=tmp_path_factory.mktemp("replicas")) as f:
        yield f


def test_the_rendered_config_names_every_portal():
    text = replicas.render("127.0.0.1:8501", [9001, 9002])
    assert "bind 127.0.0.1:8501" in text
    assert "server r1 127.0.0.1:9001 check inter 2s cookie r1" in text
    assert "server r2 127.0.0.1:9002 check inter 2s cookie r2" in text
    assert "cookie GONGZHI_REPLICA insert" in text and "@" not in text


def _get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.headers["X-Gongzhi-Replica"], r.headers.get("Set-Cookie")


def test_a_browser_sticks_to_its_process_and_browsers_spread(front):
    first, cookie = _get(front.url + "/")
    assert cookie and cookie.startswith(f"{replicas.COOKIE}={first};")
    sticky = cookie.split(";", 1)[0]
    assert {_get(front.url + "/", sticky)[0] for _ in range(6)} == {first}
    assert len({_get(front.url + "/")[0] for _ in range(4)}) == 2   # without the cookie: round robin


def test_a_session_lives_in_one_process_and_reconnects_to_it(front):
    async def scenario():
        tab = await load.signed_in(front.url, "wangge@demo.gongzhi.cn")
        home, session_id, cookies = tab.replica, tab.session_id, dict(tab.cookies)
        assert home in ("r1", "r2") and cookies == {replicas.COOKIE: home}   # the portal's own cookie is not sent
        await tab.close()

        # the same tab reconnecting (a network hiccup): the proxy sends it to the same process,
        # which still holds its session state, so it is still signed in without the form
        for _ in range(3):
            again = Session(front.url, cookies=dict(cookies))
            await again.connect(existing_session_id=session_id)
            await again.open()
            assert again.replica == home and again.session_id == session_id
            assert "**刘洋（网格）**" in again.texts()
            await again.close()

        # in the other process that session does not exist: it would be signed out
        other = "r2" if home == "r1" else "r1"
        elsewhere = Session(front.url, cookies={replicas.COOKIE: other})
        await elsewhere.connect(existing_session_id=session_id)
        await elsewhere.open()
        assert elsewhere.replica == other and elsewhere.widget(key="login_email") is not None
        await elsewhere.close()

        # new browsers land on both processes and each works there
        tabs = [await load.signed_in(front.url, email) for email in ("shequ@demo.gongzhi.cn", "jiedao@demo.gongzhi.cn")]
        assert {t.replica for t in tabs} == {"r1", "r2"}
        for t in tabs:
            await t.open("demands")
            assert "需求清单" in t.texts()
            await t.close()
    asyncio.run(scenario())

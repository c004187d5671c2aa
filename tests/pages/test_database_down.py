"""With the database stopped, every page shows one message in the user's language instead of a
traceback, and the same session works again once the database is back, without a restart."""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import demo, i18n
from gongzhi.db import close_pool, embedded, migrate
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import APP, TIMEOUT, identity_of


@pytest.fixture
def own_server(monkeypatch):
    """A server of the test's own, which the test stops and starts."""
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-down-"))
    try:
        admin = embedded.start(data_dir, fast_unsafe=True)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("create database gongzhi")
        url = embedded.url(data_dir, "gongzhi")
        migrate.migrate(url)
        demo.load_demo(url, demands=200, resources=50, projects=5)
        monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
        yield data_dir
    finally:
        close_pool()
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _texts(at: AppTest) -> str:
    return " ".join(e.value for e in at.error) + " ".join(m.value for m in at.markdown)


def test_the_portal_says_the_database_is_unreachable_and_recovers(own_server):
    """Through app.py, which runs every page of a signed-in user (st.navigation); AppTest's
    switch_page would run a page script without it, so the home page stands for all."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["identity"] = identity_of(DEMO_EMAILS["grid"])
    at.run()
    assert not at.exception and not at.error

    embedded.stop(own_server)
    started = time.monotonic()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [i18n.t("error.unavailable")]
    assert time.monotonic() - started < 15

    at.session_state["lang"] = "en"
    at.run()
    assert [e.value for e in at.error] == [i18n.t("error.unavailable", "en")]

    embedded.start(own_server, fast_unsafe=True)
    at.run()
    assert not at.exception and not at.error
    assert i18n.t("error.unavailable", "en") not in _texts(at)

"""Every page of every role, and the public page, render with the owner's connection taken away:
the portal works through gongzhi_portal alone."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from gongzhi.auth.pages import PAGES, PUBLIC_PAGES, ROLE_PAGES
from gongzhi.db import connection
from tests.pages.conftest import APP, TIMEOUT


def _take_the_owner_away(monkeypatch) -> None:
    def refuse():
        raise AssertionError("a page asked for the owner's connection")
    monkeypatch.setattr(connection, "owner_pool", refuse)


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_every_page_of_the_role_renders_without_the_owner(app_as, monkeypatch, role):
    apps = {key: app_as(role, PAGES[key].path) for key in ROLE_PAGES[role]}  # the test's own look-ups first
    _take_the_owner_away(monkeypatch)
    for key, at in apps.items():
        assert not at.run().exception, (role, key, at.exception)


def test_the_public_page_renders_without_the_owner(fresh_db, monkeypatch):
    _take_the_owner_away(monkeypatch)
    for key in PUBLIC_PAGES:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.switch_page(PAGES[key].path)
        assert not at.run().exception

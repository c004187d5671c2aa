"""The public 晒 board in a real browser, as a resident on a phone opens it from a static host: opened
from the files alone with every network request refused, its charts are drawn, nothing scrolls
sideways at 390 px, the English twin is a tap away, and a street leads to its communities."""
import pytest
from playwright.sync_api import expect

from gongzhi import publish
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e]


def test_the_board_works_offline_on_a_phone_in_both_languages(shared_url, tmp_path, new_page):
    out = tmp_path / "site"
    publish.publish(shared_url, out)
    page = new_page("board", viewport=PHONE, has_touch=True, is_mobile=True)
    fetched = []

    def offline(route):
        fetched.append(route.request.url)
        route.abort()
    page.context.route("http*://**/*", offline)
    page.goto((out / "index.html").as_uri())
    expect(page.locator("h1")).to_contain_text("共治成果晾晒")
    expect(page.locator("#demands .vis svg")).to_have_count(2)
    expect(page.locator("#whistle .vis svg")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert fetched == []
    page.get_by_role("link", name="English").tap()
    expect(page.locator("h1")).to_contain_text("Results in public")
    expect(page.locator("#demands h2")).to_have_text("Demands received and resolved")
    page.locator("nav.children a").first.tap()
    expect(page.locator("nav.children h2")).to_have_text("Communities")
    page.locator("nav.children a").first.tap()
    expect(page.locator("#volunteers")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert fetched == []

"""End-to-end fixtures: the real portal (`streamlit run app.py`), started once per test session on a
free loopback port against a copy of the demo database of its own, and a real headless Chromium
(Debian's) driven by Playwright. The flows share that portal and database, so each makes its own
data (unique titles, names and phones) and no flow depends on another having run.

When a test fails, every page it opened leaves a screenshot and its HTML in the test's temporary
folder (`<page>-failed.png`, `<page>-failed.html`)."""
from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import expect
from psycopg.rows import dict_row

from gongzhi import serve
from gongzhi.auth.sessions import COOKIE as SESSION_COOKIE
from gongzhi.config import ROOT
from gongzhi.demo_data import DEMO_PASSWORD
from tests.conftest import clone_database, drop_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
START_TIMEOUT = 60
WAIT_MS = 20_000   # for actions and for expect(): a script run of a loaded CI machine can take seconds
expect.set_options(timeout=WAIT_MS)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
ROW_PX = 35   # height of a row of st.dataframe, the header's too


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test at teardown."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def portal_db(pg_admin_url, template_url):
    """The portal's database: a copy of the demo district for this test session."""
    name, url = clone_database(pg_admin_url, template_url, "gz_e2e")
    yield url
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def portal(portal_db, tmp_path_factory):
    """The base URL of the running portal (one per test session)."""
    port = serve.free_port()
    env = {**os.environ, "GONGZHI_DATABASE_URL": portal_db, "PYTHONPATH": str(ROOT)}
    log_path = tmp_path_factory.mktemp("portal") / "streamlit.log"
    proc = serve.spawn_portal(port, env, log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        serve.wait_healthy(url, proc, timeout=START_TIMEOUT, log=log_path)
        yield url
    finally:
        serve.stop(proc)


@pytest.fixture
def sql(portal_db):
    """Run one statement against the portal's database as its owner; returns the rows as dicts."""
    def run(query: str, params=()) -> list[dict]:
        with psycopg.connect(portal_db, row_factory=dict_row, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []
    return run


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; each test opens its own contexts (own cookies)."""
    from playwright.sync_api import sync_playwright
    p = sync_playwright().start()
    b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()
        p.stop()


@pytest.fixture
def new_page(browser, request, tmp_path):
    """`new_page(name, viewport=...)`: a page in a fresh browser context (its own cookies, so its
    own signed-in user), Chinese locale. On failure each page is saved as a screenshot and HTML."""
    opened = []

    def make(name: str = "page", viewport: dict | None = None, **options):
        context = browser.new_context(locale="zh-CN", viewport=viewport or DESKTOP, accept_downloads=True,
                                      **options)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        opened.append((name, context, page))
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    failed = report is None or report.failed
    for name, context, page in opened:
        if failed:
            save_page(page, tmp_path, f"{name}-failed")
        context.close()


def save_page(page, folder: Path, stem: str) -> None:
    """A screenshot and the HTML of `page` as `<stem>.png` and `<stem>.html` in `folder`."""
    try:
        page.screenshot(path=str(folder / f"{stem}.png"), full_page=True, timeout=10_000)
    except Exception as exc:   # a crashed page still leaves its HTML, and the reason
        (folder / f"{stem}.png.txt").write_text(f"no screenshot: {exc}")
    try:
        (folder / f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:
        (folder / f"{stem}.html.txt").write_text(f"no HTML: {exc}")


@pytest.fixture
def browser_page(new_page):
    """A single desktop page."""
    return new_page("page")


def unique(prefix: str) -> str:
    """A name no other flow (or earlier run against the same database) uses."""
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def sign_in(page, portal: str, email: str, password: str = DEMO_PASSWORD, name: str | None = None) -> None:
    """Sign in on the portal's front page; waits for the landing page's heading (and `name`)."""
    page.goto(portal)
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    # Most roles land on home (您好，…); the grid worker on the day's page (今日走访), named in the sidebar.
    welcome = re.escape(f"您好，{name}" if name else "您好，")
    expect(page.get_by_role("heading", level=1, name=re.compile(f"^({welcome}|今日走访)"))).to_be_visible()
    if name:
        expect(page.get_by_test_id("stSidebar").get_by_text(name, exact=False).first).to_be_attached()
    # The session cookie is set by a script frame drawn with the page; a reload before it ran would
    # start signed out.
    deadline = time.monotonic() + 10
    while not any(c["name"] == SESSION_COOKIE for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the session cookie was never set"
        page.wait_for_timeout(100)


def settle(page, rerun: bool = False) -> None:
    """Wait until the portal's script run has finished (Streamlit redraws widgets while it runs);
    with `rerun`, first give the run that the last action requested a moment to start."""
    app = page.locator('[data-testid="stApp"]')
    if rerun:
        try:
            expect(app).to_have_attribute("data-test-script-state", "running", timeout=1500)
        except AssertionError:   # that run was quicker than we could look
            pass
    expect(app).to_have_attribute("data-test-script-state", "notRunning")


def table_row(page, text: str, table=None, tries: int = 40) -> list[str]:
    """The cells of the row of a Streamlit table (st.dataframe) that holds a cell `text`, read from
    the table's accessible grid; scrolls the table until that row is drawn."""
    table = table or page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    cell = table.locator('td[role="gridcell"]').filter(has_text=re.compile(f"^{re.escape(text)}$"))
    for _ in range(tries):
        if cell.count():
            return [c.strip() for c in cell.first.locator("xpath=..").locator("td").all_inner_texts()]
        box = table.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(100)   # the grid redraws on the next animation frame
    raise AssertionError(f"no row with {text!r} in the table")


def tick_row(page, table, text: str) -> None:
    """Tick, in a Streamlit table with row selection, the row holding a cell `text` (one of the rows
    in view: the grid draws on a canvas, so the click goes to the row's place in the first column)."""
    table.scroll_into_view_if_needed()
    cell = table.locator('td[role="gridcell"]').filter(has_text=re.compile(f"^{re.escape(text)}$")).first
    index = int(cell.locator("xpath=..").get_attribute("aria-rowindex"))   # the header row is 1
    frame = table.bounding_box()
    assert index <= frame["height"] // ROW_PX - 1, f"row {index} is out of view"
    page.mouse.click(frame["x"] + 18, frame["y"] + ROW_PX * (index - 1) + ROW_PX / 2)


def download(page, button) -> bytes:
    """Click a download button and return the file's bytes. A button drawn by an earlier run of the
    page can hold a file the server has already dropped (Streamlit logs "Deferred file … not found"
    and sends nothing); then the button of the finished run is clicked once more."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    for attempt in (1, 2):
        settle(page)
        try:
            with page.expect_download(timeout=WAIT_MS // attempt) as info:
                button.click()
            return open(info.value.path(), "rb").read()
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def enter(field, text: str) -> None:
    """Type `text` into a Streamlit text input or text area and apply it (Enter, or Ctrl+Enter in a
    text area), so that the value has reached the server before the next click."""
    settle(field.page)
    field.fill(text)
    multiline = field.evaluate("e => e.tagName") == "TEXTAREA"
    field.press("Control+Enter" if multiline else "Enter")
    expect(field.page.get_by_test_id("InputInstructions").filter(has_text="Enter")).to_have_count(0)
    settle(field.page, rerun=True)
    expect(field).to_have_value(text)


def open_page(page, title: str) -> None:
    """Open a page of the sidebar menu (unfolding it when the page is among the "View more") and
    wait for its heading."""
    link = page.get_by_role("link", name=title, exact=True)
    more = page.get_by_test_id("stSidebarNav").get_by_text(re.compile(r"^View \d+ more$"))
    if not link.is_visible() and more.count():
        more.click()
    link.click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible()
    settle(page)


def pick(page, label: str, option: str, scope=None, exact: bool = False) -> None:
    """Choose `option` in the Streamlit select box labelled `label` (within `scope`, if given).

    The select box's list closes when the page scrolls under it (a late scroll after navigation
    can do that just as the list opens), so a list that did not show is opened again with the
    arrow key, and the whole pick is tried up to three times."""
    settle(page)
    box = (scope or page).get_by_label(label, exact=exact)
    listed = page.get_by_role("option", name=option, exact=True).first
    for _ in range(3):
        box.scroll_into_view_if_needed()
        box.click()
        box.fill("")
        box.press_sequentially(option)
        for key in (None, "ArrowDown"):
            if key:
                box.press(key)
            try:
                expect(listed).to_be_attached(timeout=4000)
            except AssertionError:
                continue
            box.press("Enter")   # the list narrows to what was typed, its first entry highlighted
            expect(box).to_have_value(option)
            return
        box.press("Escape")
    raise AssertionError(f"the select box {label!r} never listed {option!r}")

"""Flow 6, in a real browser: the language chosen in the sidebar (English, then back to Chinese)
survives a reload; signing out ends the session on the server too (the old cookie no longer signs
anyone in); five wrong passwords lock the account, so the right one is refused as well.

Each part uses a staff account no other flow signs in with (a street's own and a grid's own
account), so the language and the lockout cannot leak into other flows."""
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun: up to two more runs
SESSION_COOKIE_QUERY = ("select count(*) as n from private.staff_session s join auth.users u on u.id = s.user_id"
                        " where u.email = %s")


def wait_until(check, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def own_account(sql, kind: str) -> dict:
    """The first account of a unit of `kind` (not one of the README's demo accounts)."""
    return sql("select u.email, s.display_name from auth.users u join public.staff s on s.user_id = u.id"
               " where u.email like %s order by u.email limit 1", (f"{kind}-%",))[0]


def test_language_is_remembered_and_sign_out_ends_the_session(portal, new_page, sql):
    account = own_account(sql, "street")
    page = new_page("street")
    sign_in(page, portal, account["email"], name=account["display_name"])

    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name=f"Hello, {account['display_name']}")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=f"Hello, {account['display_name']}")).to_be_visible()
    page.get_by_role("link", name="Demands", exact=True).click()
    expect(page.get_by_role("heading", name="Demands")).to_be_visible()

    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="需求清单")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="需求清单")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    assert sql("select language from public.user_setting us join auth.users u on u.id = us.user_id"
               " where u.email = %s", (account["email"],)) == [{"language": "zh"}]

    cookies = page.context.cookies()
    assert any(c["name"].startswith("gongzhi") for c in cookies), cookies
    assert sql(SESSION_COOKIE_QUERY, (account["email"],))[0]["n"] == 1
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    assert sql(SESSION_COOKIE_QUERY, (account["email"],))[0]["n"] == 0

    # The cookie taken before signing out, replayed in another browser, signs nobody in.
    replay = new_page("replay")
    replay.context.add_cookies(cookies)
    replay.goto(portal)
    expect(replay.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect(replay.get_by_role("button", name="退出登录")).to_have_count(0)


def test_five_wrong_passwords_lock_the_account(portal, new_page, sql):
    account = sql("select u.email from auth.users u where u.email like 'grid-%%' order by u.email desc limit 1")[0]
    page = new_page("login")
    page.goto(portal)
    failures = ("select count(*) as n from private.sign_in_failure"
                " where kind = 'email' and key = sha256(convert_to(%s, 'UTF8'))")
    for attempt in range(1, 6):
        page.get_by_label("邮箱").fill(account["email"])
        page.get_by_label("密码").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_text("邮箱或密码不正确")).to_be_visible()
        # One sign-in per click: wait until the server has counted this one before the next.
        wait_until(lambda: sql(failures, (account["email"],))[0]["n"] == attempt)
    sign_in_failed = page.get_by_text("该邮箱登录失败次数过多", exact=False)
    page.get_by_label("邮箱").fill(account["email"])
    page.get_by_label("密码").fill("gongzhi2026")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(sign_in_failed).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)
    assert sql(failures, (account["email"],))[0]["n"] == 5   # the refused right password is no failure

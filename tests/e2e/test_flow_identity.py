"""Flow: sessions in a real browser. The demo banner on the sign-in page; a session left idle past
the district's limit signs the browser out with the reason; a second sign-in of the same account in
another browser signs the first one out, which is told why at its next click.

Each part uses a community's own account that no other flow signs in with."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import settle, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]


def community_account(sql, n: int) -> dict:
    return sql("select u.email, s.display_name from auth.users u join public.staff s on s.user_id = u.id"
               " where u.email like 'community-%%' order by u.email limit 1 offset %s", (n,))[0]


def test_an_idle_session_ends_with_its_reason(portal, new_page, sql):
    account = community_account(sql, 0)
    page = new_page("idle")
    page.goto(portal)
    expect(page.get_by_text("演示模式：所有演示账号共用公开密码，切勿存放真实数据")).to_be_visible()
    sign_in(page, portal, account["email"], name=account["display_name"])
    sql("update private.staff_session set last_seen_at = now() - interval '31 minutes'"
        " where user_id = (select id from auth.users where email = %s)", (account["email"],))
    page.reload()
    expect(page.get_by_text("长时间未操作，已自动退出")).to_be_visible()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    assert sql("select details from private.security_log where kind = 'session_expired'"
               " order by id desc limit 1") == [{"details": {"reason": "idle"}}]


def test_a_second_sign_in_signs_the_first_browser_out(portal, new_page, sql):
    account = community_account(sql, 1)
    first, second = new_page("first"), new_page("second")
    sign_in(first, portal, account["email"], name=account["display_name"])
    sign_in(second, portal, account["email"], name=account["display_name"])
    first.get_by_role("link", name="需求清单", exact=True).click()
    settle(first, rerun=True)
    expect(first.get_by_text("您的账号已在其他地方登录")).to_be_visible()
    expect(first.get_by_role("button", name="登录", exact=True)).to_be_visible()
    second.get_by_role("link", name="需求清单", exact=True).click()
    expect(second.get_by_role("heading", name="需求清单")).to_be_visible()

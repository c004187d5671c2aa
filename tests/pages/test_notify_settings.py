"""消息提醒: staff keep their own unit's or department's robot; a wrong webhook gets a message in
Chinese and adds nothing; the webhook's key is never shown whole; the sending log is readable."""
import psycopg
import pytest

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


def _fill(at, url, kind="wecom", secret=""):
    at.radio(key="notify_kind").set_value(kind)
    at.text_input(key="notify_url").input(url)
    at.text_input(key="notify_secret").input(secret)
    return at.button[-1].click().run()


def test_community_staff_add_their_units_robot_and_see_it_masked(app_as, fresh_db):
    at = app_as("community", "pages/notify_settings.py").run()
    assert not at.exception
    assert at.info[0].value == "尚未设置机器人。"
    at = _fill(at, WECOM)
    assert not at.exception and at.success[0].value == "已保存机器人。"
    table = at.dataframe[0].value
    assert table["所属单位或部门"].tolist() == ["丽水社区"]
    shown = table["Webhook 地址"].tolist()[0]
    assert shown.endswith("?…5aaa") and "693a91f6" not in shown
    assert at.text_input(key="notify_url").value == ""


@pytest.mark.parametrize("url,kind,message", [
    ("https://example.com/cgi-bin/webhook/send?key=abcdefgh", "wecom",
     "Webhook 地址：请填写企业微信群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）。"),
    (WECOM, "dingtalk",
     "Webhook 地址：请填写钉钉机器人的 Webhook 地址（https://oapi.dingtalk.com/robot/send?access_token=…）。"),
])
def test_a_wrong_webhook_is_refused_and_nothing_is_added(app_as, fresh_db, url, kind, message):
    at = _fill(app_as("street", "pages/notify_settings.py").run(), url, kind)
    assert [e.value for e in at.error] == [message]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from public.notify_robot").fetchone()[0] == 0


def test_a_department_keeps_its_own_robot_and_reads_its_log(app_as, fresh_db):
    at = _fill(app_as("department", "pages/notify_settings.py").run(),
               "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef", "dingtalk",
               "SEC" + "ab" * 20)
    assert at.success[0].value == "已保存机器人。"
    with psycopg.connect(fresh_db) as conn:
        robot, dept = conn.execute("select id, department_id from public.notify_robot").fetchone()
        assert dept is not None
        conn.execute("""insert into public.notification_log (robot_id, department_id, notifications, ok, http_status, errcode, errmsg)
                        values (%s, %s, 12, false, 200, 130101, 'send too fast')""", (robot, dept))
    at.run()
    log = at.dataframe[1].value
    assert log["提醒条数"].tolist() == [12] and "130101" in log["机器人应答"].tolist()[0]
    other = app_as("community", "pages/notify_settings.py").run()
    assert other.info[0].value == "尚未设置机器人。" and len(other.dataframe) == 0

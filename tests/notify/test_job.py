"""The notify job against a real HTTP server on loopback speaking the WeCom and DingTalk robots'
formats: one message per event and step, digests, retries of a failing webhook, the robots' rate
limits and error codes, the log, and no personal data in what is sent."""
import datetime as dt

import pytest

from gongzhi.notify import job, message
from gongzhi.notify.loopback import RobotServer
from tests.conftest import unit_id

GRID = "丽水社区第一网格"
STREET = "长江路街道"


@pytest.fixture
def robots():
    with RobotServer() as server:
        yield server


def _clock(conn) -> dt.datetime:
    return conn.execute("select now() as t").fetchone()["t"]


def _robot(conn, url: str, kind: str = "wecom", *, unit: str | None = STREET, department: int | None = None,
           secret: str | None = None) -> int:
    return conn.execute("""insert into public.notify_robot (org_unit_id, department_id, kind, webhook_url, secret)
                           values (%s, %s, %s, %s, %s) returning id""",
                        (None if department else unit_id(conn, unit), department, kind, url, secret)).fetchone()["id"]


def _event(conn, title: str = "占道经营", *, department: int | None = None) -> int:
    return conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments)
                           values (%s, (select min(id) from public.category), %s, '江滩路 1 号',
                                   array[coalesce(%s, (select min(id) from public.department))]) returning id""",
                        (unit_id(conn, GRID), title, department)).fetchone()["id"]


def _late(conn, event_id: int, *, escalated: bool = False) -> None:
    """The event's step turns red a second after the robot was set up (and is escalated)."""
    conn.execute("""update public.event set deadline = now() + interval '1 second', yellow_at = now(),
                           escalated_at = case when %s then now() + interval '2 seconds' end where id = %s""",
                 (escalated, event_id))


def _later(conn) -> dt.datetime:
    return _clock(conn) + dt.timedelta(minutes=1)


def test_one_message_per_event_and_step_in_one_digest(conn, robots):
    robot = _robot(conn, robots.wecom_url("street-key-0001"))
    event = _event(conn)
    _late(conn, event, escalated=True)
    assert job.collect(conn, _later(conn)) == 2                   # red, and escalated to the street
    assert job.collect(conn, _later(conn)) == 0                   # nothing twice
    sent = job.send(conn)
    assert (sent.delivered, sent.messages) == (2, 1)
    [content] = robots.contents("street-key-0001")
    assert content.startswith("**共治待办提醒（2 条）**")
    assert f"【红灯】#{event} 占道经营（{GRID}）· 吹哨环节已超时" in content
    assert f"【升级督办】#{event}" in content
    assert job.send(conn).delivered == 0 and len(robots.received) == 1
    # The next step turning red is news again; an event is escalated once.
    conn.execute("update public.event set step = 'report' where id = %s", (event,))
    _late(conn, event, escalated=True)
    assert job.collect(conn, _later(conn)) == 1
    keys = [r["dedup_key"] for r in conn.execute(
        "select dedup_key from public.notification where robot_id = %s order by id", (robot,))]
    assert keys == [f"red:{event}:whistle:{robot}", f"escalation:{event}:{robot}", f"red:{event}:report:{robot}"]
    log = conn.execute("select notifications, ok, errcode from public.notification_log where robot_id = %s",
                       (robot,)).fetchall()
    assert log == [{"notifications": 2, "ok": True, "errcode": 0}]


def test_a_new_whistle_reaches_the_departments_signed_dingtalk_robot(conn, robots):
    department = conn.execute("select max(id) as id from public.department d"   # not a 包联 unit's own (summoned only where paired)
                              " where not exists (select from public.baolian_unit b where b.department_id = d.id)").fetchone()["id"]
    secret = "SEC" + "0a1b2c3d" * 8
    robots.secrets["dept-token-01"] = secret
    _robot(conn, robots.dingtalk_url("dept-token-01"), "dingtalk", department=department, secret=secret)
    other = _robot(conn, robots.wecom_url("street-key-0002"))   # a unit robot hears of red steps only
    event = _event(conn, "井盖缺失", department=department)
    assert job.collect(conn, _later(conn)) == 1
    sent = job.send(conn)
    assert sent.delivered == 1 and sent.tries == 1
    [content] = robots.contents("dept-token-01")
    assert f"【新吹哨】#{event} 井盖缺失（{GRID}）· 请于" in content
    assert robots.received[0]["body"]["markdown"]["title"] == "共治待办提醒"
    assert not conn.execute("select 1 from public.notification where robot_id = %s", (other,)).fetchall()


def test_a_failing_webhook_is_tried_again_and_every_try_logged(conn, robots):
    robot = _robot(conn, robots.wecom_url("street-key-0003"))
    _late(conn, _event(conn))
    job.collect(conn, _later(conn))
    robots.fail_next["street-key-0003"] = 2
    sent = job.send(conn, pause=lambda s: None)
    assert (sent.delivered, sent.tries) == (1, 3)
    log = conn.execute("select attempt, ok, http_status from public.notification_log where robot_id = %s order by id",
                       (robot,)).fetchall()
    assert log == [{"attempt": 1, "ok": False, "http_status": 500}, {"attempt": 2, "ok": False, "http_status": 500},
                   {"attempt": 3, "ok": True, "http_status": 200}]


def test_a_webhook_that_keeps_failing_is_left_for_later_runs_then_given_up(conn, robots):
    robot = _robot(conn, robots.wecom_url("street-key-0004"))
    _late(conn, _event(conn))
    job.collect(conn, _later(conn))
    robots.fail_next["street-key-0004"] = 100
    sent = job.send(conn, pause=lambda s: None)
    assert (sent.delivered, sent.tries, sent.failed) == (0, job.RETRIES, 0)
    row = conn.execute("select status, attempts, last_error, next_attempt_at > now() as later"
                       " from public.notification where robot_id = %s", (robot,)).fetchone()
    assert row == {"status": "pending", "attempts": 1, "last_error": "500 - HTTP 500", "later": True}
    conn.execute("update public.notification set next_attempt_at = now(), attempts = %s where robot_id = %s",
                 (job.MAX_ATTEMPTS - 1, robot))
    conn.execute("delete from public.notification_log where robot_id = %s", (robot,))
    assert job.send(conn, pause=lambda s: None).failed == 1
    assert conn.execute("select status from public.notification where robot_id = %s", (robot,)).fetchone()["status"] == "failed"


@pytest.mark.parametrize("kind,code", [("wecom", 45009), ("dingtalk", 130101)])
def test_a_robot_that_says_too_fast_keeps_its_notifications_for_the_next_run(conn, kind, code):
    with RobotServer(limit=0) as robots:
        url = robots.wecom_url("busy-robot-01") if kind == "wecom" else robots.dingtalk_url("busy-robot-01")
        robot = _robot(conn, url, kind)
        _late(conn, _event(conn))
        job.collect(conn, _later(conn))
        sent = job.send(conn)
        assert (sent.delivered, sent.tries, sent.rate_limited) == (0, 1, [robot])
        row = conn.execute("select status, attempts, next_attempt_at > now() as later from public.notification"
                           " where robot_id = %s", (robot,)).fetchone()
        assert row == {"status": "pending", "attempts": 0, "later": True}
        assert conn.execute("select errcode from public.notification_log where robot_id = %s",
                            (robot,)).fetchone()["errcode"] == code


def test_twenty_messages_a_minute_per_robot(conn, robots):
    robot = _robot(conn, robots.wecom_url("street-key-0005"))
    conn.execute("""insert into public.notification_log (robot_id, notifications, ok)
                    select %s, 1, true from generate_series(1, 20)""", (robot,))
    _late(conn, _event(conn))
    job.collect(conn, _later(conn))
    assert job.send(conn).tries == 0 and robots.requests == 0
    conn.execute("update public.notification_log set at = now() - interval '61 seconds' where robot_id = %s", (robot,))
    assert job.send(conn).delivered == 1


def test_no_personal_data_leaves_in_a_message(conn, robots):
    _robot(conn, robots.wecom_url("street-key-0006"))
    _late(conn, _event(conn, "王阿姨家漏水 联系电话13812345678 身份证110101199003077777"))
    job.collect(conn, _later(conn))
    assert job.send(conn).delivered == 1
    [content] = robots.contents("street-key-0006")
    assert "13812345678" not in content and "110101199003077777" not in content
    assert "联系电话＊＊＊" in content and "身份证＊＊＊" in content
    body = conn.execute("select body from public.notification").fetchone()["body"]
    assert "12345678" not in body and "19900307" not in body
    with pytest.raises(ValueError):
        message.text([(1, "电话 13812345678")])


def test_digests_stay_within_the_robots_size_limit():
    lines = [(i, message.line("red", i, "楼道堆放杂物" * 5, GRID, "report", "12-05 10:00")) for i in range(1000)]
    packed = message.digests(lines)
    assert [i for d in packed for i, _ in d] == list(range(1000))
    assert all(len(message.text(d).encode()) <= message.MAX_BYTES for d in packed)
    assert len(packed) < 60

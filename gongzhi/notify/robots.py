"""The robots staff keep: a WeCom or DingTalk webhook per org unit or department, read and written
as the signed-in user (row-level security: district staff every robot, street and community staff
their own unit's, department staff their own department's), and the log of what was sent."""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import psycopg

from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError

KINDS = ("wecom", "dingtalk")
EVENTS = ("whistle", "red", "escalation", "suggestion")
# Where each kind's webhooks live (the documented addresses); anything else is refused.
HOSTS = {"wecom": ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send", "key"),
         "dingtalk": ("oapi.dingtalk.com", "/robot/send", "access_token")}


@dataclass(frozen=True)
class RobotForm:
    kind: str
    webhook_url: str
    secret: str = ""
    events: tuple[str, ...] = EVENTS
    org_unit_id: int | None = None
    department_id: int | None = None

    def validate(self) -> list[FieldError]:
        errors = []
        if self.kind not in KINDS:
            errors.append(FieldError("kind", "notify.bad_kind"))
        elif not valid_webhook(self.kind, self.webhook_url):
            errors.append(FieldError("webhook_url", f"notify.bad_url_{self.kind}"))
        if len(self.secret or "") > 200 or (self.secret and self.kind != "dingtalk") \
                or (self.secret and not re.fullmatch(r"SEC[0-9a-f]{20,100}", self.secret)):
            errors.append(FieldError("secret", "notify.bad_secret"))
        if not self.events or not set(self.events) <= set(EVENTS):
            errors.append(FieldError("events", "notify.bad_events"))
        if (self.org_unit_id is None) == (self.department_id is None):
            errors.append(FieldError("owner", "notify.bad_owner"))
        return errors


def valid_webhook(kind: str, url: str) -> bool:
    """True for an https address of the kind's robot service with its key parameter."""
    host, path, key = HOSTS[kind]
    parts = urllib.parse.urlsplit((url or "").strip())
    query = urllib.parse.parse_qs(parts.query)
    return (parts.scheme == "https" and parts.hostname == host and parts.path == path and parts.port is None
            and len(url) <= 500 and bool(query.get(key)) and re.fullmatch(r"[A-Za-z0-9_-]{8,128}", query[key][0]) is not None)


def masked(url: str) -> str:
    """The webhook as a page shows it: the host and the key's last four characters."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{parts.path}?…{url[-4:]}"


def add(user: Identity, form: RobotForm) -> int:
    """Keep a new robot; the database refuses one the user may not keep."""
    errors = form.validate()
    if errors:
        raise FormError(errors)
    try:
        with user.session() as conn:
            return conn.execute("""
                insert into public.notify_robot (org_unit_id, department_id, kind, webhook_url, secret, events)
                values (%s, %s, %s, %s, %s, %s) returning id""",
                                (form.org_unit_id, form.department_id, form.kind, form.webhook_url.strip(),
                                 form.secret or None, list(form.events))).fetchone()["id"]
    except psycopg.Error as exc:
        raise from_db(exc) from exc


def remove(user: Identity, robot_id: int) -> None:
    with user.session() as conn:
        if conn.execute("delete from public.notify_robot where id = %s", (robot_id,)).rowcount != 1:
            raise DomainError("notify.not_found")


def set_active(user: Identity, robot_id: int, active: bool) -> None:
    with user.session() as conn:
        if conn.execute("update public.notify_robot set active = %s where id = %s",
                        (active, robot_id)).rowcount != 1:
            raise DomainError("notify.not_found")


def robots(user: Identity) -> list[dict]:
    """The robots `user` keeps, with their unit or department names."""
    with user.session() as conn:
        return conn.execute("""
            select r.id, r.kind, r.webhook_url, r.secret is not null as signed, r.events, r.active, r.created_at,
                   o.name as unit, d.name_zh as department_zh, d.name_en as department_en
            from public.notify_robot r left join public.org_unit o on o.id = r.org_unit_id
            left join public.department d on d.id = r.department_id order by r.id""").fetchall()


def log(user: Identity, limit: int = 50) -> list[dict]:
    """The latest messages sent to the robots `user` keeps."""
    with user.session() as conn:
        return conn.execute("""select l.at, l.robot_id, l.notifications, l.attempt, l.ok, l.http_status, l.errcode, l.errmsg
                               from public.notification_log l order by l.at desc, l.id desc limit %s""",
                            (limit,)).fetchall()


def pending(user: Identity) -> dict[str, int]:
    """How many of the user's notifications are pending, sent and failed."""
    with user.session() as conn:
        rows = conn.execute("select status, count(*) as n from public.notification group by status").fetchall()
    return {"pending": 0, "sent": 0, "failed": 0, **{r["status"]: r["n"] for r in rows}}

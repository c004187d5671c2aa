"""What a robot is sent: one line per notification, with no personal data in it, packed into
digests (several notifications in one message) in each robot's documented request format.

WeCom group robot: POST <webhook>?key=…, `{"msgtype": "markdown", "markdown": {"content": …}}`
(content at most 4096 bytes), answered `{"errcode": 0, "errmsg": "ok"}`; 20 messages a minute,
errcode 45009 past it. DingTalk custom robot: POST <webhook>?access_token=…[&timestamp=…&sign=…],
`{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`, answered `{"errcode": 0, …}`;
20 messages a minute, errcode 130101 / 410100 past it. The signature (加签) is
base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), URL-encoded.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse

from gongzhi.i18n import t

LANG = "zh"            # robots post to the staff's own Chinese groups
MAX_BYTES = 4000       # under WeCom's 4096-byte markdown limit (DingTalk allows more)
MAX_LINE = 300
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101, 410100}}
HIDDEN = "＊＊＊"

# Personal data a free text might carry: mobile and landline numbers, ID card numbers, and any other
# run of seven or more digits (an account, a house key code …). Dates and times keep their shape.
_PERSONAL = re.compile(r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|\+?86[- ]?1[3-9][0-9]{9}|1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"
                       r"|0[0-9]{2,3}[- ]?[0-9]{7,8}|[0-9]{7,})(?![0-9])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def scrub(text: str) -> str:
    """`text` with phone numbers, ID numbers, long digit runs and e-mail addresses hidden."""
    return _EMAIL.sub(HIDDEN, _PERSONAL.sub(HIDDEN, text or ""))


def has_personal_data(text: str) -> bool:
    return bool(_PERSONAL.search(text or "") or _EMAIL.search(text or ""))


def line(kind: str, event_id: int, title: str, place: str, step: str, deadline: str) -> str:
    """One notification's line, scrubbed, as staff read it in the group."""
    text = t(f"notify.line.{kind}", LANG, id=event_id, title=title, place=place,
             step=t(f"whistle.step.{step}", LANG) if step else "", deadline=deadline)
    return scrub(text)[:MAX_LINE]


def digests(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """`lines` (notification id, text) packed into messages of at most MAX_BYTES each, in order."""
    out: list[list[tuple[int, str]]] = []
    size = MAX_BYTES
    head = len(t("notify.digest_title", LANG, n=9999).encode()) + 8
    for item in lines:
        cost = len(item[1].encode()) + 4
        if size + cost > MAX_BYTES - head:
            out.append([])
            size = 0
        out[-1].append(item)
        size += cost
    return out


def text(items: list[tuple[int, str]]) -> str:
    """The markdown of one digest; refuses personal data that slipped past `scrub`."""
    body = "\n".join(f"> {line_text}" for _id, line_text in items)
    content = f"**{t('notify.digest_title', LANG, n=len(items))}**\n{body}"
    if has_personal_data(content):
        raise ValueError("personal data in a notification")
    return content


def request(kind: str, url: str, secret: str | None, content: str, now_ms: int) -> tuple[str, dict]:
    """The URL to POST and the JSON body of a message to a robot of `kind`."""
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": content}}
    if secret:
        sign = urllib.parse.quote_plus(dingtalk_sign(secret, now_ms))
        url = f"{url}{'&' if '?' in url else '?'}timestamp={now_ms}&sign={sign}"
    return url, {"msgtype": "markdown", "markdown": {"title": t("notify.title", LANG), "text": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The signature a DingTalk robot expects (not URL-encoded), for servers that check it."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()

"""A WeCom and DingTalk robot on loopback, for the tests and the benchmark: it speaks each robot's
documented request and answer (see gongzhi.notify.message), keeps what it received, enforces 20
messages a minute per robot with the robot's own error code, checks DingTalk signatures, and can be
told to fail (HTTP 500) the next N requests of a robot."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gongzhi.notify import message

LIMIT = 20
WINDOW_S = 60.0


class RobotServer:
    """`with RobotServer() as robots:` → robots.wecom_url("k1"), robots.dingtalk_url("t1"), robots.received."""

    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self.received: list[dict] = []          # {"kind", "robot", "body"} of every accepted message
        self.requests = 0
        self.fail_next: dict[str, int] = defaultdict(int)
        self.secrets: dict[str, str] = {}       # DingTalk access_token → its signing secret
        self._times: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "RobotServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def wecom_url(self, key: str) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str) -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def _answer(self, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        if path == "/cgi-bin/webhook/send":
            kind, robot = "wecom", (query.get("key") or [""])[0]
        elif path == "/robot/send":
            kind, robot = "dingtalk", (query.get("access_token") or [""])[0]
        else:
            return 404, {"errcode": 404, "errmsg": "not found"}
        with self._lock:
            self.requests += 1
            if self.fail_next[robot] > 0:
                self.fail_next[robot] -= 1
                return 500, {"errcode": -1, "errmsg": "system busy"}
            times = self._times[robot]
            now = time.monotonic()
            while times and now - times[0] > WINDOW_S:
                times.popleft()
            if len(times) >= self.limit:
                return 200, ({"errcode": 45009, "errmsg": "api freq out of limit"} if kind == "wecom"
                             else {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            times.append(now)
        if not robot:
            return 200, {"errcode": 93000 if kind == "wecom" else 300001, "errmsg": "invalid webhook url"}
        try:
            sent = json.loads(body)
        except ValueError:
            return 200, {"errcode": 40016 if kind == "wecom" else 43004, "errmsg": "invalid json"}
        if kind == "wecom":
            content = (sent.get("markdown") or {}).get("content") if sent.get("msgtype") == "markdown" else None
            if not content or len(content.encode()) > 4096:
                return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length or empty"}
        else:
            md = sent.get("markdown") or {}
            if sent.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
                return 200, {"errcode": 40035, "errmsg": "缺少参数 markdown"}
            secret = self.secrets.get(robot)
            if secret:
                stamp = (query.get("timestamp") or ["0"])[0]
                if (query.get("sign") or [""])[0] != message.dingtalk_sign(secret, int(stamp)) \
                        or abs(time.time() * 1000 - int(stamp)) > 3600_000:
                    return 200, {"errcode": 310000, "errmsg": "sign not match"}
        with self._lock:
            self.received.append({"kind": kind, "robot": robot, "body": sent})
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                parts = urllib.parse.urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = outer._answer(parts.path, urllib.parse.parse_qs(parts.query), body)
                raw = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        return Handler

    def contents(self, robot: str | None = None) -> list[str]:
        """The markdown text of every accepted message (of one robot)."""
        out = []
        for r in self.received:
            if robot is None or r["robot"] == robot:
                md = r["body"]["markdown"]
                out.append(md.get("content") or md.get("text"))
        return out

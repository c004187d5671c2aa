"""The real portal in a child process, and a client that speaks Streamlit's own protocol to it.

`start_portal` runs `streamlit run app.py` on a free loopback port against a database. `Session` is
one browser tab's worth of the portal without the browser: it opens the `/_stcore/stream` websocket,
sends `BackMsg.rerun_script` with widget states as the frontend does, and collects the
`ForwardMsg`s (elements, navigation) until the server reports `script_finished`. The page scripts
run for real on the server, as the signed-in user; nothing is simulated on this side but the
drawing. Streamlit's protobuf classes are imported lazily: `gongzhi` imports without Streamlit.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from gongzhi.config import ROOT
from gongzhi.serve import cpu_s, free_port, spawn_portal, stop, wait_healthy

__all__ = ["Portal", "ScriptError", "Session", "cpu_s", "free_port", "selection", "start_portal"]

RUN_TIMEOUT_S = 120
SESSION_COOKIE = "gongzhi_session"


@dataclass
class Portal:
    """A running `streamlit run app.py`."""
    url: str
    port: int
    proc: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the portal's process has used so far."""
        return cpu_s([self.pid])

    def rss_mb(self) -> float:
        """Resident memory of the portal's process, in MB."""
        import psutil
        return psutil.Process(self.pid).memory_info().rss / 2**20


@contextmanager
def start_portal(database_url: str, log: Path) -> Iterator[Portal]:
    """The portal on a free loopback port against `database_url`, stopped on exit."""
    port = free_port()
    env = {**os.environ, "GONGZHI_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    proc = spawn_portal(port, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log=log)
        yield Portal(url, port, proc)
    finally:
        stop(proc)


def _protos():
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    return BackMsg, ForwardMsg


class ScriptError(RuntimeError):
    """The page script ended with an exception or did not finish."""


@dataclass
class Widget:
    kind: str          # the Element field: "selectbox", "button", "dataframe" …
    proto: Any

    @property
    def id(self) -> str:
        return self.proto.id


@dataclass
class Session:
    """One signed-in (or signed-out) portal tab, driven over the websocket."""
    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    replica: str | None = None             # the proxy's X-Gongzhi-Replica header, when behind it
    session_id: str | None = None
    pages: dict[str, Any] = field(default_factory=dict)      # url path -> AppPage
    page_hash: str = ""
    elements: dict[tuple, Any] = field(default_factory=dict)  # delta path -> Element of the last run
    _ws: Any = None
    _reader: Any = None
    _finished: asyncio.Queue | None = None
    _cache: dict[str, Any] = field(default_factory=dict)      # cacheable ForwardMsgs by hash
    token: str | None = None               # the last gongzhi_session cookie the portal handed out

    # ---------------------------------------------------------------- connection
    async def connect(self, existing_session_id: str | None = None) -> "Session":
        """Open the websocket as a browser does after loading the page: first the page itself (a
        proxy in front answers it with its sticky cookie), then `/_stcore/stream` with the cookies."""
        import websockets
        await asyncio.to_thread(self._load_page)
        ws_url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        protocols = ["streamlit", "PLACEHOLDER_AUTH_TOKEN", existing_session_id] if existing_session_id else ["streamlit"]
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        self._ws = await websockets.connect(ws_url, subprotocols=protocols, additional_headers=headers,
                                            max_size=None, open_timeout=30, ping_interval=None)
        replica = self._ws.response.headers.get("X-Gongzhi-Replica")
        if replica:
            self.replica = replica
        self._finished = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())
        return self

    def _load_page(self) -> None:
        request = urllib.request.Request(self.base_url + "/")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        with urllib.request.urlopen(request, timeout=30) as r:
            r.read()
            for header in r.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0].strip()
            self.replica = r.headers.get("X-Gongzhi-Replica") or self.replica

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    async def _read(self) -> None:
        _, ForwardMsg = _protos()
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if msg.WhichOneof("type") == "ref_hash":
                    cached = self._cache.get(msg.ref_hash)
                    if cached is None:
                        continue
                    delta_path = tuple(msg.metadata.delta_path)
                    msg = cached
                else:
                    delta_path = tuple(msg.metadata.delta_path)
                    if msg.metadata.cacheable and msg.hash:
                        self._cache[msg.hash] = msg
                self._handle(msg, delta_path)
        except Exception as exc:   # the connection closed: wake whoever waits
            if self._finished is not None:
                self._finished.put_nowait(exc)

    def _handle(self, msg, delta_path: tuple) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            if msg.new_session.initialize.session_id:
                self.session_id = msg.new_session.initialize.session_id
            self.elements = {}
        elif kind == "navigation":
            self.pages = {p.url_pathname: p for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            pass
        elif kind == "delta":
            delta = msg.delta
            if delta.WhichOneof("type") == "new_element":
                self.elements[delta_path] = delta.new_element
                if delta.new_element.WhichOneof("type") in ("html", "iframe"):
                    self.token = self.session_cookie() or self.token
        elif kind == "script_finished":
            self._finished.put_nowait(msg.script_finished)

    # ---------------------------------------------------------------- running the script
    async def rerun(self, widgets: list | None = None, page: str | None = None) -> float:
        """Send one `rerun_script` (the page by its url path, widget states as (id, field, value)),
        and wait until the run it starts — and any `st.rerun()` after it — has finished. Returns
        the milliseconds from sending to the last `script_finished`."""
        BackMsg, ForwardMsg = _protos()
        back = BackMsg()
        state = back.rerun_script
        state.query_string = ""
        if page is not None:
            app_page = self.pages.get(page)
            state.page_script_hash = app_page.page_script_hash if app_page is not None else ""
            state.page_name = app_page.page_name if app_page is not None else ""
        else:
            state.page_script_hash = self.page_hash
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        state.context_info.url = self.base_url + "/" + (page or "")
        state.cached_message_hashes.extend(self._cache.keys())
        for widget_id, kind, value in widgets or []:
            w = state.widget_states.widgets.add()
            w.id = widget_id
            if kind == "string_array_value":
                w.string_array_value.data.extend(value)
            else:
                setattr(w, kind, value)
        while not self._finished.empty():
            self._finished.get_nowait()
        started = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        while True:
            try:
                status = await asyncio.wait_for(self._finished.get(), RUN_TIMEOUT_S)
            except asyncio.TimeoutError:
                raise ScriptError("no script_finished within the timeout") from None
            if isinstance(status, Exception):
                raise ScriptError(f"connection closed: {status}")
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue   # st.rerun(): the next run follows without another BackMsg
            elapsed = (time.perf_counter() - started) * 1000
            if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                raise ScriptError(f"script finished with status {status}")
            errors = self.exceptions()
            if errors:
                raise ScriptError(errors[0])
            return elapsed

    # ---------------------------------------------------------------- reading what was drawn
    def _ordered(self) -> list[Any]:
        return [self.elements[k] for k in sorted(self.elements)]

    def texts(self) -> list[str]:
        """The text of every heading, markdown, caption, alert and plain text of the last run."""
        out = []
        for el in self._ordered():
            kind = el.WhichOneof("type")
            if kind in ("heading", "markdown", "text", "alert", "code"):
                out.append(getattr(el, kind).body)
        return out

    def exceptions(self) -> list[str]:
        return [f"{el.exception.type}: {el.exception.message}" for el in self._ordered()
                if el.WhichOneof("type") == "exception"]

    def widgets(self) -> list[Widget]:
        out = []
        for el in self._ordered():
            kind = el.WhichOneof("type")
            proto = getattr(el, kind) if kind else None
            if proto is not None and hasattr(proto, "id") and getattr(proto, "id", ""):
                out.append(Widget(kind, proto))
        return out

    def widget(self, *, key: str | None = None, label: str | None = None, kind: str | None = None,
               form_prefix: str | None = None) -> Widget | None:
        """The widget of the last run with user key `key` (its id ends with it), or the given label,
        element kind and form."""
        for w in self.widgets():
            if key is not None and not w.id.endswith(f"-{key}"):
                continue
            if label is not None and getattr(w.proto, "label", None) != label:
                continue
            if kind is not None and w.kind != kind:
                continue
            if form_prefix is not None and not getattr(w.proto, "form_id", "").startswith(form_prefix):
                continue
            return w
        return None

    def html_bodies(self) -> list[str]:
        out = []
        for el in self._ordered():
            kind = el.WhichOneof("type")
            if kind == "html":
                out.append(el.html.body)
            elif kind == "iframe":
                out.append(el.iframe.srcdoc)
        return out

    def session_cookie(self) -> str | None:
        """The `gongzhi_session` token the last run handed the browser, if any."""
        import re
        for body in self.html_bodies():
            found = re.search(SESSION_COOKIE + r"=([A-Za-z0-9_\-]+)", body)
            if found:
                return found.group(1)
        return None

    # ---------------------------------------------------------------- what staff do
    async def open(self, page: str = "") -> float:
        return await self.rerun(page=page)

    async def sign_in(self, email: str, password: str) -> float:
        """Fill the real sign-in form and submit it."""
        email_w = self.widget(key="login_email")
        password_w = self.widget(key="login_password")
        submit = self.widget(kind="button", form_prefix="login")
        if not (email_w and password_w and submit):
            raise ScriptError("no sign-in form on the page")
        return await self.rerun([(email_w.id, "string_value", email), (password_w.id, "string_value", password),
                                 (submit.id, "trigger_value", True)])


def selection(rows: list[int]) -> str:
    """A dataframe's selection state as the frontend sends it."""
    return json.dumps({"selection": {"rows": rows, "columns": [], "cells": []}})

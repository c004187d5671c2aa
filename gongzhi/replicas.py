"""Several portal processes behind one HAProxy with sticky sessions.

Streamlit keeps each session (its websocket and session state) inside one Python process, whose
scripts share one GIL; more processes use more cores. `running(n)` starts `n` portals on free
loopback ports against the same database and HAProxy in front of them (`deploy/haproxy.cfg.in`),
routing each browser to one process by a cookie. `python -m gongzhi replicas` runs it until
interrupted.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from gongzhi.serve import free_port, spawn_portal, stop, wait_healthy
from gongzhi.config import ROOT

TEMPLATE = ROOT / "deploy" / "haproxy.cfg.in"
COOKIE = "GONGZHI_REPLICA"


def haproxy() -> str:
    """The HAProxy binary; `scripts/install-system-deps.sh proxy` installs Debian's."""
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
                                               if os.access(p, os.X_OK)), None)
    if not found:
        raise RuntimeError("HAProxy is not installed: run `bash scripts/install-system-deps.sh proxy`")
    return found


def render(bind: str, ports: list[int]) -> str:
    """The proxy's configuration for portals on 127.0.0.1:`ports`, listening on `bind`."""
    servers = "\n".join(f"    server r{i} 127.0.0.1:{port} check inter 2s cookie r{i}"
                        for i, port in enumerate(ports, start=1))
    return TEMPLATE.read_text(encoding="utf-8").replace("@BIND@", bind).replace("@SERVERS@", servers)


@dataclass
class Replicas:
    url: str                                   # the proxy
    ports: list[int]                           # the portals, r1 … rN in order
    procs: list[subprocess.Popen] = field(default_factory=list)
    proxy: subprocess.Popen | None = None


@contextmanager
def running(n: int, *, port: int | None = None, address: str = "127.0.0.1", database_url: str | None = None,
            folder: Path | None = None) -> Iterator[Replicas]:
    """`n` portal processes and the proxy on `address`:`port` (a free port when None); stopped on exit.
    With `database_url` every portal uses it; otherwise the configured database, made ready once here
    (on the embedded default: started, migrated, demo district loaded) before the portals start."""
    folder = Path(folder or ROOT / ".gongzhi" / "replicas")
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if database_url:
        env["GONGZHI_DATABASE_URL"] = database_url
    else:
        from gongzhi.bootstrap import ensure_ready
        ensure_ready()
    ports = [free_port() for _ in range(n)]
    listen = port or free_port()
    with ExitStack() as stack:
        front = Replicas(url=f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else address}:{listen}", ports=ports)
        stack.callback(lambda: stop(*front.procs))   # the portals together, after the proxy
        for i, p in enumerate(ports, start=1):
            front.procs.append(spawn_portal(p, env, folder / f"portal-r{i}.log"))
        for i, (p, proc) in enumerate(zip(ports, front.procs), start=1):
            wait_healthy(f"http://127.0.0.1:{p}", proc, log=folder / f"portal-r{i}.log")
        config = folder / "haproxy.cfg"
        config.write_text(render(f"{address}:{listen}", ports), encoding="utf-8")
        with open(folder / "haproxy.log", "ab") as log:
            front.proxy = subprocess.Popen([haproxy(), "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
        stack.callback(stop, front.proxy)
        _wait_proxy(front, folder / "haproxy.log")
        yield front


def _wait_proxy(front: Replicas, log: Path, timeout: float = 30) -> None:
    """Until the proxy answers and has seen every portal up (its first health checks)."""
    import urllib.request
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while len(seen) < len(front.ports):
        try:
            with urllib.request.urlopen(front.url + "/_stcore/health", timeout=2) as r:
                seen.add(r.headers.get("X-Gongzhi-Replica") or "")
        except OSError:
            pass
        if front.proxy.poll() is not None or time.monotonic() > deadline:
            if front.proxy.poll() is None and seen:
                return   # up, though the round robin has not shown every portal yet
            raise RuntimeError("the proxy did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)

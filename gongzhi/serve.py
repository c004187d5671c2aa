"""Portal processes: `streamlit run app.py` on a loopback port, started, checked and stopped.
Used by `gongzhi.replicas` (several processes behind the proxy) and by `bench load`."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gongzhi.config import ROOT

START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = START_TIMEOUT_S,
                 log: Path | None = None) -> None:
    """Wait until `url`/_stcore/health answers 200; raise with the log if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            text = log.read_text(errors="replace") if log and log.exists() else ""
            raise RuntimeError(f"the portal at {url} did not start:\n{text}")
        time.sleep(0.3)


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by the processes `pids`."""
    import psutil
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def portal_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
            "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]


def spawn_portal(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:`port`, its output in `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(portal_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(*procs: subprocess.Popen) -> None:
    """Ask every process to end (SIGTERM), then wait; kill what has not ended within 10 s."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

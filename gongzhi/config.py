"""Where Gongzhi's settings come from: environment variables, then Streamlit secrets
(`.streamlit/secrets.toml`, root-level keys of the same names), with defaults for the embedded
server. Also which backend that makes: embedded (nothing set), a plain PostgreSQL URL, or Supabase
(a project URL and anon key besides the database URL)."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "supabase" / "migrations"
COMPAT_DIR = ROOT / "sql" / "compat"


def data_dir() -> Path:
    """The folder that holds the embedded server's data; survives restarts."""
    return Path(os.environ.get("GONGZHI_DATA_DIR", ROOT / ".gongzhi")).resolve()


def database_url() -> str | None:
    """A PostgreSQL URL to use instead of the embedded server, if one is configured."""
    return setting("GONGZHI_DATABASE_URL")


# ---------------------------------------------------------------- secrets and the backend
BACKENDS = ("embedded", "postgres", "supabase")


def secrets_file() -> Path:
    """Streamlit's project secrets file; GONGZHI_SECRETS_FILE names another (tests, services)."""
    return Path(os.environ.get("GONGZHI_SECRETS_FILE") or ROOT / ".streamlit" / "secrets.toml")


@lru_cache(maxsize=4)
def _read_secrets(path: str, stamp: tuple[int, int]) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def secrets() -> dict:
    """The root-level keys of the secrets file; empty when there is none."""
    path = secrets_file()
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _read_secrets(str(path), (stat.st_mtime_ns, stat.st_size))


def setting(name: str) -> str | None:
    """A setting by name: the environment first, then the secrets file; None when unset or empty."""
    value = os.environ.get(name)
    if value is None:
        value = secrets().get(name)
    return str(value).strip() or None if value is not None else None


def backend() -> str:
    """`supabase` when a project URL is set, `postgres` when only a database URL is, else `embedded`."""
    if setting("SUPABASE_URL"):
        return "supabase"
    return "postgres" if database_url() else "embedded"

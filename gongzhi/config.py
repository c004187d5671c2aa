"""Where Gongzhi's settings come from: environment variables, with defaults for the embedded server."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "supabase" / "migrations"
COMPAT_DIR = ROOT / "sql" / "compat"


def data_dir() -> Path:
    """The folder that holds the embedded server's data; survives restarts."""
    return Path(os.environ.get("GONGZHI_DATA_DIR", ROOT / ".gongzhi")).resolve()


def database_url() -> str | None:
    """A PostgreSQL URL to use instead of the embedded server, if one is configured."""
    return os.environ.get("GONGZHI_DATABASE_URL") or None

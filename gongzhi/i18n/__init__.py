"""The one catalogue of user-facing text, Chinese first and English on a switch.

Each file in `catalogue/` holds one concern's keys; every key carries both languages side by side:
`wrong_password = { zh = "…", en = "…" }` under `[auth]` is the key `auth.wrong_password`.
"""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
CATALOGUE_DIR = Path(__file__).parent / "catalogue"


def _flatten(table: dict, prefix: str, out: dict[str, dict[str, str]], source: str) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            if key in out:
                raise ValueError(f"duplicate i18n key {key} in {source}")
            out[key] = value
        elif isinstance(value, dict):
            _flatten(value, f"{key}.", out, source)
        else:
            raise ValueError(f"i18n key {key} in {source} must be a {{ zh, en }} table")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key, from every catalogue file."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        _flatten(tomllib.loads(path.read_text(encoding="utf-8")), "", out, path.name)
    return out


def t(key: str, lang: str = DEFAULT, **params) -> str:
    """The text of `key` in `lang`, with `{name}` fields filled from `params`.

    An unknown key shows itself, so that a missing translation is visible and tested for.
    """
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT]
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in catalogue()

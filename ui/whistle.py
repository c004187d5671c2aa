"""Helpers shared by the whistle pages (events, supervision). No SQL, no permission rule."""
from __future__ import annotations

from ui.session import t


def label(family: str, value) -> str:
    """The catalogue label of `value` in a family of keys, e.g. ("whistle.step", "report")."""
    return t(f"{family}.{value}")

"""The signed-out vote (公议): a resident enters the vote code staff handed them, reads the item's
notice and votes yes, no or abstain. Everything goes through the one database function
private.deliberation_ballot, as the public forms' role gongzhi_public; nothing else is granted."""
from __future__ import annotations

from dataclasses import dataclass

import psycopg

from gongzhi import db
from gongzhi.deliberation.forms import CHOICES
from gongzhi.errors import DomainError, from_db


@dataclass(frozen=True)
class Ballot:
    title: str
    community: str
    notice_text: str
    notice_from: object
    notice_until: object
    voted: bool


def _call(code: str, choice: str | None) -> Ballot:
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise DomainError("deliberation.bad_code")
    if choice is not None and choice not in CHOICES:
        raise DomainError("deliberation.bad_choice")
    try:
        with db.as_public() as conn:
            row = conn.execute("select * from private.deliberation_ballot(%s, %s)", (code, choice)).fetchone()
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return Ballot(**row)


def look_up(code: str) -> Ballot:
    """The item a vote code belongs to, its notice, and whether the code has voted."""
    return _call(code, None)


def vote(code: str, choice: str) -> Ballot:
    """Vote once with `code`; a used, unknown or closed code is refused with its reason."""
    return _call(code, choice)

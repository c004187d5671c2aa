"""The signed-out vote (公议): a resident enters the vote code staff handed them, reads the item's
notice and votes yes, no or abstain. Everything goes through the one database function
private.deliberation_ballot, as the public forms' role gongzhi_public; nothing else is granted.

Every attempt with a code that cannot vote counts against the client's look-up limit in the
database. An unknown code and a code of an item not open for voting get the same answer
(deliberation.bad_code); a used code is said so (deliberation.code_used) with nothing of its item."""
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


def _call(code: str, choice: str | None, sender: str | None) -> Ballot:
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise DomainError("deliberation.bad_code")
    if choice is not None and choice not in CHOICES:
        raise DomainError("deliberation.bad_choice")
    try:
        with db.as_public() as conn:
            conn.execute("select set_config('gongzhi.client_ip', %s, true)", ((sender or "")[:100],))
            row = conn.execute("select * from private.deliberation_ballot(%s, %s)", (code, choice)).fetchone()
    except psycopg.Error as exc:
        raise from_db(exc) from None
    if row is None:   # unknown, or not open for voting: the database counted it against the client
        raise DomainError("deliberation.bad_code")
    if row.pop("state") == "used":   # counted as well
        raise DomainError("deliberation.code_used")
    return Ballot(**row)


def look_up(code: str, sender: str | None = None) -> Ballot:
    """The item a vote code belongs to, its notice, and whether the code has voted. `sender` is
    the client's address as the server established it (gongzhi.sender): the database refuses a
    client that tried too many unknown codes lately (DomainError codes.too_many)."""
    return _call(code, None, sender)


def vote(code: str, choice: str, sender: str | None = None) -> Ballot:
    """Vote once with `code`; a used code is refused as used, an unknown one and one of an item not
    open for voting alike as a bad code."""
    return _call(code, choice, sender)

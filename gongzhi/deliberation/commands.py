"""The moves of a 五议 item, each one transaction as the signed-in user: row-level security decides
who may (community staff of the item's territory), the database's stage machine decides which move
is allowed and what a stage needs, and its refusals come back as DomainErrors.

The seam for the 民情意见箱: `propose(user, form, suggestion_id=…)` makes an item of a resident's
message (proposer_kind 'residents'); the suggestion box's triage calls it with the message's id.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from gongzhi.auth import Identity
from gongzhi.deliberation.forms import EvaluationForm, MeetingForm, NoticeForm, ProposalForm, TallyForm
from gongzhi.errors import DomainError, translated

# Vote codes: 12 characters from 31 that cannot be misread (no 0/O, 1/I/L), about 59 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
MAX_CODES = 2000
_CONSTRAINTS = {"deliberation_quorum_within_electorate": "deliberation.error.quorum",
                "deliberation_notice_order": "field.error.date_order"}


def _translated():
    return translated(_CONSTRAINTS)


def code_hash(code: str) -> str:
    """What public.deliberation_code stores of a code, as private.deliberation_ballot computes it."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def places(user: Identity) -> dict[int, str]:
    """Where `user` may propose an item: the communities and grids of their territory."""
    with _translated(), user.session() as conn:
        return {r["id"]: r["name"] for r in conn.execute(
            """select id, name from public.org_unit where kind in ('community', 'grid')
                 and terr between (select private.terr_lo()) and (select private.terr_hi())
               order by terr, id""")}


def propose(user: Identity, form: ProposalForm, suggestion_id: int | None = None) -> int:
    """提议: a new item at stage proposed; `suggestion_id` names the 民情意见箱 message it came from."""
    with _translated(), user.one_transaction(), user.session() as conn:
        clean = form.validate(places(user))
        return conn.execute(
            """insert into public.deliberation (org_unit_id, title, description, proposer_kind, proposer, suggestion_id)
               values (%(org_unit_id)s, %(title)s, %(description)s, %(proposer_kind)s, %(proposer)s, %(suggestion_id)s)
               returning id""", {**clean, "suggestion_id": suggestion_id}).fetchone()["id"]


def _move(user: Identity, item_id: int, values: dict) -> None:
    sets = ", ".join(f"{k} = %({k})s" for k in values)
    with _translated(), user.session() as conn:
        if conn.execute(f"update public.deliberation set {sets} where id = %(item_id)s",
                        {**values, "item_id": item_id}).rowcount != 1:
            raise DomainError("error.forbidden")


def take_up(user: Identity, item_id: int) -> None:
    """动议: the community committee takes the item up."""
    _move(user, item_id, {"status": "accepted"})


def decline(user: Identity, item_id: int, reason: str) -> None:
    """动议: the committee declines the item; the reason is required (by the database too)."""
    _move(user, item_id, {"status": "declined", "decline_reason": (reason or "").strip()[:1000]})


def record_meeting(user: Identity, item_id: int, form: MeetingForm, today: dt.date) -> None:
    """商议: the consultation meeting was held."""
    _move(user, item_id, {**form.validate(today), "status": "consulted"})


def open_vote(user: Identity, item_id: int, form: NoticeForm) -> None:
    """公议: the notice is posted and the vote opens for its period."""
    _move(user, item_id, {**form.validate(), "status": "voting"})


def record_tally(user: Identity, item_id: int, form: TallyForm) -> None:
    """公议: the hands counted at the meeting (allowed while the vote is open)."""
    _move(user, item_id, form.validate())


def issue_codes(user: Identity, item_id: int, count: int) -> list[str]:
    """公议: `count` new vote codes for the item, returned once to print and hand out; only their
    hashes are stored."""
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES:
        raise DomainError("deliberation.error.code_count", n=MAX_CODES)
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)]
    with _translated(), user.session() as conn:
        if conn.execute("select from public.deliberation where id = %s", (item_id,)).fetchone() is None:
            raise DomainError("error.forbidden")
        with conn.cursor() as cur:
            cur.executemany("insert into public.deliberation_code (deliberation_id, code_hash) values (%s, %s)",
                            [(item_id, code_hash(c)) for c in codes])
    return codes


def close_vote(user: Identity, item_id: int) -> str:
    """公议 closes with the result the votes decide ('approved' makes the project); returns it."""
    with _translated(), user.session() as conn:
        row = conn.execute("select outcome from private.deliberation_result(%s)", (item_id,)).fetchone()
        if row is None:
            raise DomainError("error.forbidden")
        if row["outcome"] is None:          # counted out only once the notice period is over
            raise DomainError("deliberation.notice_running")
        if conn.execute("update public.deliberation set status = %s where id = %s",
                        (row["outcome"], item_id)).rowcount != 1:
            raise DomainError("error.forbidden")
        return row["outcome"]


def evaluate(user: Identity, item_id: int, form: EvaluationForm) -> None:
    """评议: the evaluation after the project is done, with the residents' ratings."""
    _move(user, item_id, {**form.validate(), "status": "evaluated"})

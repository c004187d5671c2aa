"""Writes of the suggestion box. The resident's submission runs as the portal's public role
(gongzhi_public) through public.submit_suggestion, the one way in, which applies the flood limits;
each triage step is one transaction as the signed-in user, so row-level security and the status
machine (public.status_transition) decide. A refusal comes back as a DomainError with an i18n key."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from psycopg.types.json import Jsonb

from gongzhi import db
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, translated
from gongzhi.personal import notices
from gongzhi.personal.crypto import BadValue, seal_optional
from gongzhi.photos import images
from gongzhi.photos.storage import PhotoStore, store as configured_store

KINDS = ("suggestion", "complaint", "need")
BODY_MIN, BODY_MAX = 5, 2000
REPLY_MAX = 2000
URGENCIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class Submitted:
    id: int      # for the photo store: photos attach to ('suggestion', id) in the portal's transaction
    code: str    # the tracking code, shown once to the resident


_translated = translated


def submit(community: str, category: str, kind: str, body: str, phone: str | None, notice_seen: bool,
           sender: str, photos: list[bytes] | tuple[bytes, ...] = (), store: PhotoStore | None = None) -> Submitted:
    """A resident's message to `community` (its code), with up to the district's number of
    `photos` (随手拍): checked here for a clear message, each photo sniffed, re-encoded and
    stripped of metadata (gongzhi.photos.images), the phone sealed (optional); then the database's
    one public function inserts the message and its photo rows, checking again and applying the
    flood limits, and the cleaned bytes go to the photo store in the same transaction. A refusal
    anywhere leaves no message, no row and no file. `sender` is the client's address as the server
    established it (gongzhi.sender). Returns the new id and the tracking code."""
    notice = notices.acknowledged("suggestion", notice_seen)
    body = (body or "").strip()
    if kind not in KINDS:
        raise DomainError("suggestion.unknown_kind")
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise DomainError("suggestion.body_length")
    try:
        sealed = seal_optional("phone", phone)
    except BadValue as exc:
        raise DomainError(exc.key) from None
    photos = [p for p in photos if p is not None]
    with _translated(), db.as_public() as conn:
        limits = conn.execute("select per_message, max_bytes from public.suggestion_photo_limits()").fetchone()
        if len(photos) > limits["per_message"]:
            raise DomainError("suggestion.photos_limit", n=limits["per_message"])
        cleaned = [images.clean(data, limits["max_bytes"]) for data in photos]
        names = [uuid.uuid4().hex for _ in cleaned]
        conn.execute("select set_config('gongzhi.client_ip', %s, true)", ((sender or "")[:100],))
        row = conn.execute(
            "select id, code, photos from public.submit_suggestion_with_photos(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (community, category, kind, body, sealed.enc if sealed else None, sealed.bidx if sealed else None,
             sealed.masked if sealed else None, notice,
             Jsonb([{"name": name, "content_type": c.content_type, "size_bytes": len(c.data), "width": c.width,
                     "height": c.height} for name, c in zip(names, cleaned)]))).fetchone()
        if cleaned:
            _store_all(store or configured_store(), row["photos"], cleaned)
    return Submitted(row["id"], row["code"])


def _store_all(store: PhotoStore, keys: list[dict], cleaned: list[images.Clean]) -> None:
    """Put each photo and its thumbnail; on a failure remove what was put and raise, so that the
    transaction around it is rolled back too."""
    stored = []
    try:
        for key, clean in zip(keys, cleaned):
            for k, data, ctype in ((key["object_key"], clean.data, clean.content_type),
                                   (key["thumb_key"], clean.thumb, "image/jpeg")):
                store.put(k, data, ctype)
                stored.append(k)
    except BaseException:
        for k in stored:
            store.delete(k)
        raise


def _reply_text(reply: str | None, required: bool = False) -> str | None:
    text = (reply or "").strip()
    if len(text) > REPLY_MAX:
        raise DomainError("suggestion.reply_too_long", n=REPLY_MAX)
    if required and not text:
        raise DomainError("suggestion.reply_required")
    return text or None


def _update(conn, suggestion_id: int, sets: str, params: dict) -> None:
    done = conn.execute(f"update public.suggestion set {sets} where id = %(id)s",
                        {"id": suggestion_id, **params}).rowcount
    if done != 1:
        raise DomainError("error.forbidden")


def _run(user: Identity, work):
    with _translated(), user.one_transaction(), user.session() as conn:
        return work(conn)


def reply(user: Identity, suggestion_id: int, text: str) -> None:
    """Answer the resident (受理): the reply is shown by code; a new message becomes accepted."""
    body = _reply_text(text, required=True)
    _run(user, lambda conn: _update(
        conn, suggestion_id, "reply = %(reply)s, status = case when status = 'received' then 'accepted' else status end",
        {"reply": body}))


def close(user: Identity, suggestion_id: int, text: str) -> None:
    """Close the message with a reply (办结答复)."""
    body = _reply_text(text, required=True)
    _run(user, lambda conn: _update(conn, suggestion_id, "reply = %(reply)s, status = 'closed'", {"reply": body}))


def to_demand(user: Identity, suggestion_id: int, grid_id: int, title: str, urgency: str = "normal",
              text: str | None = None) -> int:
    """Turn the message into a demand (需求清单) in `grid_id` of its community, linked both ways
    by suggestion.demand_id; the resident's phone goes along sealed (staff see it masked, as any
    demand's). Returns the demand's id."""
    title = (title or "").strip()
    if not 1 <= len(title) <= 200:
        raise DomainError("suggestion.title_length")
    if urgency not in URGENCIES:
        raise DomainError("error.invalid_value")
    body = _reply_text(text)

    def work(conn):
        row = conn.execute("select category_id, body, status from public.suggestion where id = %s",
                           (suggestion_id,)).fetchone()
        if row is None:
            raise DomainError("error.forbidden")
        demand_id = conn.execute(
            """insert into public.demand (org_unit_id, category_id, title, description, urgency)
               values (%s, %s, %s, %s, %s) returning id""",
            (grid_id, row["category_id"], title, row["body"], urgency)).fetchone()["id"]
        conn.execute("select private.suggestion_phone_to_demand(%s, %s)", (suggestion_id, demand_id))
        _update(conn, suggestion_id, "status = 'demand', demand_id = %(demand)s, reply = coalesce(%(reply)s, reply)",
                {"demand": demand_id, "reply": body})
        return demand_id
    return _run(user, work)


def to_event(user: Identity, suggestion_id: int, grid_id: int, title: str, address: str,
             departments: list[int], urgency: str = "normal", text: str | None = None) -> int:
    """Blow the whistle on the message (吹哨): an event in `grid_id` of its community summoning
    `departments`, linked by suggestion.event_id. Returns the event's id."""
    title, address = (title or "").strip(), (address or "").strip()
    if not 1 <= len(title) <= 200:
        raise DomainError("suggestion.title_length")
    if not 1 <= len(address) <= 200:
        raise DomainError("suggestion.address_required")
    if not departments:
        raise DomainError("whistle.form.no_department")
    if urgency not in ("normal", "urgent"):
        raise DomainError("error.invalid_value")
    body = _reply_text(text)

    def work(conn):
        row = conn.execute("select category_id, body from public.suggestion where id = %s", (suggestion_id,)).fetchone()
        if row is None:
            raise DomainError("error.forbidden")
        event_id = conn.execute(
            """insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments)
               values (%s, %s, %s, %s, %s, %s, %s) returning id""",
            (grid_id, row["category_id"], title, row["body"], address, urgency, list(departments))).fetchone()["id"]
        _update(conn, suggestion_id, "status = 'event', event_id = %(event)s, reply = coalesce(%(reply)s, reply)",
                {"event": event_id, "reply": body})
        return event_id
    return _run(user, work)


def merge(user: Identity, suggestion_id: int, *, into_suggestion: int | None = None, into_demand: int | None = None,
          into_event: int | None = None, text: str | None = None) -> None:
    """Merge the message into an existing one of the community, or an existing demand or event
    (合并办理): exactly one target. The database checks the target is of the same community."""
    targets = {"merged_into_id": into_suggestion, "demand_id": into_demand, "event_id": into_event}
    chosen = [(k, v) for k, v in targets.items() if v is not None]
    if len(chosen) != 1:
        raise DomainError("suggestion.merge_one_target")
    column, target = chosen[0]
    body = _reply_text(text)
    _run(user, lambda conn: _update(
        conn, suggestion_id, f"status = 'merged', {column} = %(target)s, reply = coalesce(%(reply)s, reply)",
        {"target": target, "reply": body}))


def to_deliberation(user: Identity, suggestion_id: int, deliberation_id: int, text: str | None = None) -> None:
    """The 五议 seam: link the message to the agenda item `deliberation_id` made of it (status
    deliberation). The deliberation feature creates the item and calls this in its transaction."""
    body = _reply_text(text)
    _run(user, lambda conn: _update(
        conn, suggestion_id, "status = 'deliberation', deliberation_id = %(item)s, reply = coalesce(%(reply)s, reply)",
        {"item": deliberation_id, "reply": body}))


def to_agenda(user: Identity, suggestion_id: int, title: str, text: str | None = None) -> int:
    """Triage into 五议: the message becomes a proposed agenda item of its community (proposed by
    residents, through the box), and the two name each other, in one transaction. Returns the item."""
    from gongzhi.deliberation import commands as deliberation
    from gongzhi.deliberation.forms import ProposalForm
    from gongzhi.i18n import t

    with user.one_transaction():
        with _translated(), user.session() as conn:
            row = conn.execute("select community_id, body from public.suggestion where id = %s",
                               (suggestion_id,)).fetchone()
        if row is None:
            raise DomainError("error.forbidden")
        item = deliberation.propose(user, ProposalForm(row["community_id"], title, row["body"], "residents",
                                                       t("suggestion.triage.agenda_proposer", "zh")),
                                    suggestion_id=suggestion_id)
        to_deliberation(user, suggestion_id, item, text)
    return item


def reopen(user: Identity, suggestion_id: int, text: str) -> None:
    """Take a closed message up again (the resident was not satisfied)."""
    body = _reply_text(text, required=True)
    _run(user, lambda conn: _update(conn, suggestion_id, "status = 'accepted', reply = %(reply)s", {"reply": body}))


CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$")


def normal_code(code: str | None) -> str:
    """A tracking code as the database compares it: upper case, spaces and dashes dropped."""
    return re.sub(r"[\s-]", "", code or "").upper()

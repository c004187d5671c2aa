"""Writes of the volunteer screens: one transaction each, as the signed-in user (or as anon for the
public page), so row-level security and the migration's triggers decide; refusals become
DomainError with an i18n key."""
from __future__ import annotations

import hashlib
import json
import secrets
from decimal import Decimal


from gongzhi import db
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, translated
from gongzhi.lists.fields import Lookups
from gongzhi.lists.forms import FormError
from gongzhi.lists.lookups import load as load_lookups
from gongzhi.personal import notices
from gongzhi.volunteers.queries import public_lookups
from gongzhi.volunteers.forms import ApplicationForm, PostForm, ServiceLogForm
from gongzhi.personal import sealed_columns
from gongzhi.personal.crypto import BadValue, blind_index

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 8
_CONSTRAINTS = {
    "signup_no_overlap": "signup.overlap",
    "signup_once_per_post": "signup.already",
    "post_not_over_capacity": "post.capacity_below_taken",
    "volunteer_phone_active_idx": "application.duplicate",
}


def _translated():
    """Database errors as DomainErrors, the volunteer constraints by name."""
    return translated(_CONSTRAINTS)


def _valid(form, lookups: Lookups) -> dict:
    clean, errors = form.validate(lookups)
    if errors:
        raise FormError(errors)
    return clean


def code_hash(volunteer_id: int, code: str) -> str:
    """What the database compares a public sign-up's code with (see private.signup_seat)."""
    return hashlib.sha256(f"{volunteer_id}:{code.strip().upper()}".encode()).hexdigest()


# ---------------------------------------------------------------- applications
_APPLICATION_COLUMNS = ("kind", "org_unit_id", "name", "phone", "contact_name", "unit_type", "workplace",
                        "skills", "availability", "pledged_hours", "offers", "note")


def submit_application(form: ApplicationForm, lookups: Lookups | None, sender: str, notice_seen: bool) -> None:
    """The public page: insert a pending application as gongzhi_public (the portal's public role),
    its phone sealed here, checked against `lookups` (else the public ones, read first as the sign-in
    role), having confirmed reading the notice (its version is stored with the application). Nothing
    is read back.
    `sender` is the client's address as the server established it (gongzhi.sender); the database
    throttles by it and ignores anything else a client claims. A phone already applied or
    registered gets the same answer as a new one; staff see the duplicate. The applicant must have
    confirmed reading the notice (告知); its version is stored with the application."""
    clean = _valid(form, lookups if lookups is not None else public_lookups())
    notice = notices.acknowledged("application", notice_seen)
    values = sealed_columns("application", {k: clean.get(k) for k in _APPLICATION_COLUMNS})
    values["notice_version"] = notice
    values["offers"] = json.dumps(values["offers"], ensure_ascii=False)
    columns = ", ".join(values)
    with _translated(), db.as_public() as conn:
        conn.execute("select set_config('gongzhi.client_ip', %s, true)", (sender[:100],))
        conn.execute(f"insert into public.application ({columns}) values ({', '.join('%(' + k + ')s' for k in values)})",
                     values)


def decide_application(user: Identity, application_id: int, approve: bool, reason: str = "") -> str | None:
    """Approve (creating the unit or volunteer and its resources) or reject an application.
    On approving a volunteer, returns the new sign-up code to pass on; it is stored only hashed."""
    with _translated(), user.session() as conn:
        row = conn.execute("update public.application set status = %s, reason = nullif(%s, '')"
                           " where id = %s and status = 'pending' returning kind",
                           ("approved" if approve else "rejected", reason.strip()[:500], application_id)).fetchone()
        if row is None:
            raise DomainError("application.decided")
        if approve and row["kind"] == "volunteer":
            volunteer = conn.execute("select id from public.volunteer where application_id = %s",
                                     (application_id,)).fetchone()
            return _new_code(conn, volunteer["id"])
    return None


def _new_code(conn, volunteer_id: int) -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    if conn.execute("update public.volunteer set code_hash = %s where id = %s",
                    (code_hash(volunteer_id, code), volunteer_id)).rowcount != 1:
        raise DomainError("error.forbidden")
    return code


def throttled(times: list[float], now: float, limit: int = 3, window_s: float = 600) -> bool:
    """The public page's per-session throttle: True when `limit` submissions fell in the last `window_s`."""
    return sum(1 for x in times if now - x < window_s) >= limit


def reset_code(user: Identity, volunteer_id: int) -> str:
    """A new sign-up code for a volunteer of the user's territory; the old one stops working."""
    with _translated(), user.session() as conn:
        return _new_code(conn, volunteer_id)


def set_volunteer_active(user: Identity, volunteer_id: int, active: bool) -> None:
    with _translated(), user.session() as conn:
        if conn.execute("update public.volunteer set active = %s where id = %s", (active, volunteer_id)).rowcount != 1:
            raise DomainError("error.forbidden")


# ---------------------------------------------------------------- posts and sign-ups
def create_post(user: Identity, form: PostForm, lookups: Lookups | None = None) -> int:
    """A new post or activity; validation (against `lookups`, else the user's own) and the insert
    are one transaction."""
    with _translated(), user.one_transaction(), user.session() as conn:
        clean = _valid(form, lookups if lookups is not None else load_lookups(user))
        return conn.execute(
            """insert into public.post (org_unit_id, kind, title, description, place, starts_at, ends_at, capacity, skills)
               values (%(org_unit_id)s, %(kind)s, %(title)s, %(description)s, %(place)s, %(starts_at)s, %(ends_at)s,
                       %(capacity)s, %(skills)s) returning id""", clean).fetchone()["id"]


def change_post(user: Identity, post_id: int, *, capacity: int | None = None, status: str | None = None) -> None:
    """A new capacity (never below the confirmed sign-ups) or status (open, closed, cancelled)."""
    with _translated(), user.session() as conn:
        done = conn.execute("update public.post set capacity = coalesce(%s, capacity), status = coalesce(%s, status)"
                            " where id = %s", (capacity, status, post_id)).rowcount
        if done != 1:
            raise DomainError("error.forbidden")


def sign_up(user: Identity, post_id: int, volunteer_id: int) -> str:
    """Staff sign a volunteer up; returns 'confirmed' or 'waitlisted' as the database decided."""
    with _translated(), user.session() as conn:
        conn.execute("insert into public.signup (post_id, volunteer_id, via) values (%s, %s, 'staff')",
                     (post_id, volunteer_id))
        return conn.execute("select status from public.signup where post_id = %s and volunteer_id = %s"
                            " and status <> 'withdrawn'", (post_id, volunteer_id)).fetchone()["status"]


def public_sign_up(post_id: int, phone: str, code: str, notice_seen: bool) -> None:
    """The public page: a volunteer signs up with their phone (passed as its blind index) and
    sign-up code, as gongzhi_public, having confirmed reading the notice (its version is stored with
    the sign-up)."""
    notice = notices.acknowledged("claim", notice_seen)
    if not phone.strip() or not code.strip():
        raise DomainError("signup.bad_code")
    try:
        bidx = blind_index("phone", phone)
    except BadValue:
        raise DomainError("signup.bad_code") from None   # reads as an unknown phone does
    with _translated(), db.as_public() as conn:
        conn.execute("insert into public.signup (post_id, via, claim_phone_bidx, claim_code, notice_version)"
                     " values (%s, 'public', %s, %s, %s)", (post_id, bidx, code.strip()[:20], notice))


def withdraw(user: Identity, signup_id: int) -> None:
    """Withdraw a sign-up; the first on the waitlist moves up (a trigger does it)."""
    with _translated(), user.session() as conn:
        if conn.execute("update public.signup set status = 'withdrawn' where id = %s and status <> 'withdrawn'",
                        (signup_id,)).rowcount != 1:
            raise DomainError("error.forbidden")


# ---------------------------------------------------------------- service records
def record_service(user: Identity, form: ServiceLogForm, lookups: Lookups | None = None) -> int:
    """Hours served; validation (against `lookups`, else the user's own) and the insert are one transaction."""
    with _translated(), user.one_transaction(), user.session() as conn:
        clean = _valid(form, lookups if lookups is not None else load_lookups(user))
        return conn.execute(
            """insert into public.service_log (volunteer_id, post_id, served_on, hours, rating, rated_by, note, verified_at)
               values (%(volunteer_id)s, %(post_id)s, %(served_on)s, %(hours)s, %(rating)s, nullif(%(rated_by)s, ''),
                       %(note)s, case when %(verified)s then now() end) returning id""", clean).fetchone()["id"]


def verify_service(user: Identity, log_ids: list[int]) -> int:
    """Mark records verified (stamped with the user and time by the database); returns how many."""
    with _translated(), user.session() as conn:
        return conn.execute("update public.service_log set verified_at = now() where id = any(%s)"
                            " and verified_at is null", (list(log_ids),)).rowcount


def rate_service(user: Identity, log_id: int, rating: int, rated_by: str) -> None:
    if rating not in range(1, 6) or rated_by not in ("resident", "staff"):
        raise DomainError("error.invalid_value")
    with _translated(), user.session() as conn:
        if conn.execute("update public.service_log set rating = %s, rated_by = %s where id = %s",
                        (rating, rated_by, log_id)).rowcount != 1:
            raise DomainError("error.forbidden")


# ---------------------------------------------------------------- assessment
def compute_assessment(user: Identity, period: str) -> int:
    """Score every unit and volunteer of the user's territory for `period` ('2026H1')."""
    with _translated(), user.session() as conn:
        return conn.execute("select private.compute_assessment(%s) as n", (period,)).fetchone()["n"]


def set_evaluation(user: Identity, assessment_id: int, evaluation) -> None:
    """The residents' evaluation (民主评议, 0–100) of one assessment row; recompute to see the score."""
    try:
        value = Decimal(str(evaluation))
    except Exception:
        raise DomainError("error.invalid_value") from None
    if not (0 <= value <= 100):
        raise DomainError("error.invalid_value")
    with _translated(), user.session() as conn:
        if conn.execute("update public.assessment set evaluation = %s where id = %s",
                        (value, assessment_id)).rowcount != 1:
            raise DomainError("error.forbidden")


def set_weight(user: Identity, subject: str, factor: str, weight, target) -> None:
    """District staff change one weight of the formula (others: refused by row-level security)."""
    with _translated(), user.session() as conn:
        if conn.execute("update public.assessment_weight set weight = %s, target = %s where subject = %s and factor = %s",
                        (weight, target, subject, factor)).rowcount != 1:
            raise DomainError("error.forbidden")

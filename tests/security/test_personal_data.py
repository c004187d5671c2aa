"""Item 1 of the hardening issue: no security definer function lets a caller who sees a masked
phone (street and community staff) learn it by asking yes/no questions.

Every security definer function whose body reads a personal column is listed from pg_proc; each
one needs a probe here that attacks it as street and community staff, or the test fails."""
import pytest
from psycopg import errors

from gongzhi.personal import crypto, store
from gongzhi.personal.crypto import blind_index, decrypt
from tests.conftest import act_as, act_as_owner, unit_id
from tests.personal import act_as_public, columns, sealed, values

# Phones are stored as <col>_enc / _bidx / _masked; personal_cipher names the column by its suffix.
PERSONAL = r"(beneficiary_(phone|name)|phone_(enc|bidx)|claim_phone|'_enc')"
PHONE = "13512342518"


def _demand(conn) -> dict:
    """A fresh demand in 丽水社区第一网格 with a beneficiary phone, made by the owner."""
    act_as_owner(conn)
    grid = unit_id(conn, "丽水社区第一网格")
    category = conn.execute("select id from public.category order by id limit 1").fetchone()["id"]
    row = conn.execute(
        f"insert into public.demand (org_unit_id, category_id, title, beneficiary_name, {columns('beneficiary_phone')})"
        f" values (%(grid)s, %(cat)s, '独居老人家中水管爆裂', '王秀英', {values('beneficiary_phone')}) returning id",
        {"grid": grid, "cat": category, **sealed(PHONE, "beneficiary_phone")}).fetchone()
    return {"id": row["id"], "grid": grid, "category": category}


def _duplicates(conn, d, phone):
    return conn.execute("select demand_id, reason from private.demand_duplicates(%s, %s, %s, %s)",
                        (d["grid"], d["category"], blind_index("phone", phone), "完全不同的标题文字")).fetchall()


def probe_demand_duplicates(conn, role):
    d = _demand(conn)
    act_as(conn, role)
    right = _duplicates(conn, d, PHONE)
    wrong = _duplicates(conn, d, PHONE[:3] + "9999" + PHONE[7:])
    assert right == wrong, f"{role} tells the real phone from a wrong one"


def probe_beneficiary_phone_cipher(conn, role):
    d = _demand(conn)
    act_as(conn, role)
    assert conn.execute("select private.beneficiary_phone_cipher(%s) as p", (d["id"],)).fetchone()["p"] is None
    assert conn.execute("select beneficiary_phone as p from public.demand_row where id = %s",
                        (d["id"],)).fetchone()["p"] == "135****2518"


def probe_beneficiary_phone_ciphers(conn, role):
    d = _demand(conn)
    act_as(conn, role)
    assert conn.execute("select * from private.beneficiary_phone_ciphers(%s)", ([d["id"]],)).fetchall() == []


def probe_personal_cipher(conn, role):
    """Unmasking a beneficiary's phone is refused, with a reason or without, and reads as an unknown row."""
    d = _demand(conn)
    act_as(conn, role)
    answers = []
    for row in (str(d["id"]), "999999999"):
        with pytest.raises(errors.InsufficientPrivilege) as refused, conn.transaction():
            conn.execute("select private.personal_cipher('demand', %s, 'beneficiary_phone', '回访核实')", (row,))
        answers.append(refused.value.diag.message_primary)
    assert answers == ["gongzhi:personal.unmask_refused"] * 2


def probe_beneficiary_name(conn, role):
    d = _demand(conn)
    act_as(conn, role)
    assert conn.execute("select private.beneficiary_name(%s) as n", (d["id"],)).fetchone()["n"] is None


def probe_check_application(conn, role):
    """The public application answers the same for a registered phone and an unknown one."""
    act_as_owner(conn)
    community = unit_id(conn, "丽水社区")
    known = conn.execute("select phone_enc from public.volunteer where active limit 1").fetchone()["phone_enc"]
    known = decrypt("phone", known)
    act_as_public(conn)
    for phone in (known, "13700001111"):
        with conn.transaction():   # raises if either is refused: the answer would differ
            conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()}, notice_version)"
                         f" values ('volunteer', %(c)s, '李梅', {values()}, 'application_v1')", {"c": community, **sealed(phone)})


def probe_signup_seat(conn, role):
    """A public sign-up with a registered phone and a wrong code reads as an unknown phone does."""
    act_as_owner(conn)
    post = conn.execute("select id from public.post where status = 'open' and kind = 'post' limit 1").fetchone()["id"]
    known = conn.execute("select v.phone_bidx from public.volunteer v join public.post p on p.community_id = v.community_id"
                         " where p.id = %s and v.active limit 1", (post,)).fetchone()["phone_bidx"]
    act_as_public(conn)
    answers = []
    for bidx in (known, blind_index("phone", "13700001111")):
        try:
            with conn.transaction():
                conn.execute("insert into public.signup (post_id, via, claim_phone_bidx, claim_code, notice_version)"
                             " values (%s, 'public', %s, 'WRONG000', 'claim_v1')", (post, bidx))
            answers.append("ok")
        except Exception as exc:   # the message is the answer an attacker reads
            answers.append(exc.diag.message_primary)
    assert answers[0] == answers[1] == "gongzhi:signup.bad_code"


def _subject_request(conn, unit_name, phone):
    act_as_owner(conn)
    s = crypto.seal("phone", phone)
    return conn.execute("insert into public.subject_request (org_unit_id, kind, received_on, phone_masked, phone_bidx)"
                        " values (%s, 'access', current_date, %s, %s)"
                        " returning id", (unit_id(conn, unit_name), s.masked, s.bidx)).fetchone()["id"]


def _subject_probe(conn, role, call):
    """A request searches or changes only the phone it was recorded for, and only for its territory's
    community staff: a guess with the same mask, or a request elsewhere, is refused alike."""
    _demand(conn)
    inside = _subject_request(conn, "丽水社区", PHONE)
    outside = _subject_request(conn, "江滩社区", PHONE)
    guess = PHONE[:3] + "9999" + PHONE[7:]
    act_as(conn, role)
    answers = []
    for request, phone in ((inside, guess), (outside, PHONE)) + (((inside, PHONE),) if role == "street" else ()):
        try:
            with conn.transaction():
                conn.execute(call, (request, crypto.blind_index("phone", phone)))
            answers.append("ok")
        except Exception as exc:
            answers.append(exc.diag.message_primary)
    assert "ok" not in answers, f"{role}: {answers}"


def probe_subject_records(conn, role):
    _subject_probe(conn, role, "select * from private.subject_records(%s, %s)")


def probe_subject_request_for(conn, role):
    _subject_probe(conn, role, "select private.subject_request_for(%s, %s)")


def probe_subject_rewrite(conn, role):
    marker = store.erased("phone")
    _subject_probe(conn, role, "select private.subject_rewrite(%s, %s, true, "
                   f"'\\x{marker.enc.hex()}'::bytea, '\\x{marker.bidx.hex()}'::bytea, '{marker.masked}')")


def probe_submit_suggestion(conn, role):
    """Staff cannot call the public box's function at all: its per-phone limit is no oracle for them."""
    act_as_owner(conn)
    s = crypto.seal("phone", PHONE)
    community = conn.execute("select code from public.org_unit where name = '丽水社区'").fetchone()["code"]
    act_as(conn, role)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select * from public.submit_suggestion(%s, 'repair', 'need', '路灯坏了很久了', %s, %s, %s,"
                     " 'suggestion_v1')", (community, s.enc, s.bidx, s.masked))


def probe_submit_suggestion_with_photos(conn, role):
    """Nor the box's photo path, which passes the phone on to public.submit_suggestion."""
    act_as_owner(conn)
    s = crypto.seal("phone", PHONE)
    community = conn.execute("select code from public.org_unit where name = '丽水社区'").fetchone()["code"]
    act_as(conn, role)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select * from public.submit_suggestion_with_photos(%s, 'repair', 'need', '路灯坏了很久了', %s, %s,"
                     " %s, 'suggestion_v1', '[]'::jsonb)", (community, s.enc, s.bidx, s.masked))


def probe_suggestion_phone_to_demand(conn, role):
    """Copying a message's sealed phone into a demand answers nothing, and reaches no message of
    another territory: the demand keeps no phone from there."""
    act_as_owner(conn)
    s = crypto.seal("phone", PHONE)
    outside = conn.execute("select code from public.org_unit where name = '新华里社区'").fetchone()["code"]
    message = conn.execute("select id from public.submit_suggestion(%s, 'repair', 'need', '路灯坏了很久了', %s, %s, %s,"
                           " 'suggestion_v1')", (outside, s.enc, s.bidx, s.masked)).fetchone()["id"]
    d = _demand(conn)
    conn.execute("update public.demand set beneficiary_phone_enc = null, beneficiary_phone_bidx = null,"
                 " beneficiary_phone_masked = null where id = %s", (d["id"],))
    act_as(conn, role)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select private.suggestion_phone_to_demand(%s, %s)", (message, d["id"]))
    act_as_owner(conn)
    assert conn.execute("select beneficiary_phone_bidx from public.demand where id = %s",
                        (d["id"],)).fetchone()["beneficiary_phone_bidx"] is None


PROBES = {
    "demand_duplicates": probe_demand_duplicates,
    "beneficiary_phone_cipher": probe_beneficiary_phone_cipher,
    "beneficiary_phone_ciphers": probe_beneficiary_phone_ciphers,
    "personal_cipher": probe_personal_cipher,
    "beneficiary_name": probe_beneficiary_name,
    "check_application": probe_check_application,
    "signup_seat": probe_signup_seat,
    "subject_records": probe_subject_records,
    "subject_rewrite": probe_subject_rewrite,
    "subject_request_for": probe_subject_request_for,
    "submit_suggestion": probe_submit_suggestion,
    "submit_suggestion_with_photos": probe_submit_suggestion_with_photos,
    "suggestion_phone_to_demand": probe_suggestion_phone_to_demand,
}
# Functions that read personal columns but answer nothing about them to the caller.
ANSWER_NOTHING = {
    "approve_application": "copies an application the deciding staff already read into unit or volunteer",
}


def _definer_functions_reading_personal_data(conn) -> set[str]:
    act_as_owner(conn)
    return {r["proname"] for r in conn.execute(
        "select p.proname from pg_proc p where p.prosecdef"
        " and p.pronamespace in ('private'::regnamespace, 'public'::regnamespace) and p.prosrc ~ %s",
        (PERSONAL,))}


def test_every_definer_function_reading_personal_data_has_a_probe(conn):
    found = _definer_functions_reading_personal_data(conn)
    assert {"demand_duplicates", "beneficiary_phone_cipher", "personal_cipher"} <= found, "the catalogue query finds them"
    assert sorted(found - set(PROBES) - set(ANSWER_NOTHING)) == []


@pytest.mark.parametrize("role", ["community", "street"])
@pytest.mark.parametrize("name", sorted(PROBES))
def test_no_definer_function_leaks_personal_data(conn, name, role):
    PROBES[name](conn, role)


def test_the_owning_grid_still_finds_the_duplicate_by_phone(conn):
    d = _demand(conn)
    act_as(conn, "grid")
    assert (d["id"], "phone") in {(r["demand_id"], r["reason"]) for r in _duplicates(conn, d, PHONE)}

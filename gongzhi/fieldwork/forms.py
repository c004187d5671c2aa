"""What a grid worker enters, checked: a person to look after, a round and its findings. Each
problem is a FieldError naming an i18n key; nothing is written while any is left."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from gongzhi.cells import FORMULA_START
from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError
from gongzhi.personal import crypto
from gongzhi.clock import BEIJING

ROUND_KINDS = ("visit", "patrol", "campaign")
OUTCOMES = ("on_spot", "demand", "event")
MAX_FINDINGS = 5
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_problem(value: str) -> str | None:
    """The i18n key of what is wrong with a resident ID number (GB 11643-1999: 17 digits, a valid
    birth date, and the check digit of ISO 7064 MOD 11-2), or None when it is valid."""
    text = re.sub(r"[\s-]", "", value or "").upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        return "fieldwork.error.id_shape"
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "fieldwork.error.id_birth"
    if not dt.date(1900, 1, 1) <= born <= dt.date.today():
        return "fieldwork.error.id_birth"
    total = sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS))
    if _CHECK[total % 11] != text[17]:
        return "fieldwork.error.id_checksum"
    return None


def _text(errors: list, name: str, value, max_len: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.append(FieldError(name, "field.error.required"))
    elif len(text) > max_len:
        errors.append(FieldError(name, "field.error.too_long", {"max": max_len}))
    elif text.startswith(FORMULA_START):
        errors.append(FieldError(name, "field.error.formula"))
    return text


def mask_name(name: str) -> str:
    """张** for 张秀英: the family name and a star per other character."""
    return name[:1] + "*" * max(len(name) - 1, 1)


@dataclass
class PersonForm:
    org_unit_id: int | None
    category_id: int | None
    person_name: str = ""
    phone: str = ""
    id_number: str = ""
    home_address: str = ""
    note: str = ""

    def clean(self) -> dict:
        """The row's plain values (phone and ID number still plain, for sealed_columns), or FormError."""
        errors: list[FieldError] = []
        if not self.org_unit_id:
            errors.append(FieldError("org_unit_id", "field.error.required"))
        if not self.category_id:
            errors.append(FieldError("category_id", "field.error.required"))
        name = _text(errors, "person_name", self.person_name, 50, required=True)
        address = _text(errors, "home_address", self.home_address, 200)
        note = _text(errors, "note", self.note, 500)
        phone = (self.phone or "").strip()
        if phone:
            try:
                crypto.normalise("phone", phone)
            except crypto.BadValue as exc:
                errors.append(FieldError("phone", exc.key))
        id_number = re.sub(r"[\s-]", "", self.id_number or "").upper()
        if id_number and (problem := id_number_problem(id_number)):
            errors.append(FieldError("id_number", problem))
        if errors:
            raise FormError(errors)
        return {"org_unit_id": int(self.org_unit_id), "category_id": int(self.category_id),
                "person_name": name, "person_name_masked": mask_name(name), "home_address": address,
                "note": note, "phone": phone or None, "id_number": id_number or None}


@dataclass
class FindingForm:
    what: str
    outcome: str = "on_spot"
    campaign_item: str | None = None
    category_id: int | None = None      # the demand's or event's category when reported up


@dataclass
class RoundForm:
    kind: str
    org_unit_id: int | None
    place: str = ""
    people_met: str = ""
    note: str = ""
    care_person_id: int | None = None
    campaign_id: int | None = None
    visited_at: dt.datetime | None = None
    findings: list[FindingForm] = field(default_factory=list)

    def clean(self) -> tuple[dict, list[dict]]:
        """(the visit row, its findings), or FormError."""
        errors: list[FieldError] = []
        if self.kind not in ROUND_KINDS:
            errors.append(FieldError("kind", "field.error.choice"))
        if self.kind == "visit" and not self.care_person_id:
            errors.append(FieldError("care_person_id", "field.error.required"))
        if self.kind == "campaign" and not self.campaign_id:
            errors.append(FieldError("campaign_id", "field.error.required"))
        if self.kind != "visit" and not self.org_unit_id:    # a visit lies where its person lives
            errors.append(FieldError("org_unit_id", "field.error.required"))
        place = _text(errors, "place", self.place, 200, required=True)
        met = _text(errors, "people_met", self.people_met, 500)
        note = _text(errors, "note", self.note, 2000)
        at = self.visited_at or dt.datetime.now(dt.timezone.utc)
        if at > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5):
            errors.append(FieldError("visited_at", "fieldwork.error.future"))
        findings = []
        given = [f for f in self.findings if (f.what or "").strip()]
        if len(given) > MAX_FINDINGS:
            errors.append(FieldError("findings", "fieldwork.error.too_many", {"max": MAX_FINDINGS}))
        for f in given:
            what = _text(errors, "findings", f.what, 500, required=True)
            if f.outcome not in OUTCOMES:
                errors.append(FieldError("findings", "field.error.choice"))
            elif f.outcome != "on_spot" and not f.category_id:
                errors.append(FieldError("findings", "fieldwork.error.category_for_report"))
            findings.append({"what": what, "outcome": f.outcome, "campaign_item": f.campaign_item or None,
                             "category_id": f.category_id})
        if errors:
            raise FormError(errors)
        local = at.astimezone(BEIJING)
        visit = {"kind": self.kind, "org_unit_id": int(self.org_unit_id) if self.org_unit_id else None, "place": place, "people_met": met,
                 "note": note, "care_person_id": self.care_person_id if self.kind == "visit" else None,
                 "campaign_id": self.campaign_id if self.kind == "campaign" else None,
                 "visited_at": at, "visited_on": local.date()}
        return visit, findings

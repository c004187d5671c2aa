"""The forms of the 五议 page, one per stage: clean values, or a FormError naming each field's problem
as an i18n key. The database checks the same rules again when the stage is entered."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError

PROPOSER_KINDS = ("party", "residents", "unit")
CHOICES = ("yes", "no", "abstain")


def _text(errors: list, name: str, value: Any, max_len: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.append(FieldError(name, "field.error.required"))
    elif len(text) > max_len:
        errors.append(FieldError(name, "field.error.too_long"))
    return text


def _count(errors: list, name: str, value: Any, minimum: int = 0, maximum: int = 100000) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.append(FieldError(name, "field.error.whole_number"))
        return 0
    if not minimum <= number <= maximum:
        errors.append(FieldError(name, "field.error.range"))
    return number


def _date(errors: list, name: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    errors.append(FieldError(name, "field.error.required"))
    return None


def _done(errors: list, clean: dict) -> dict:
    if errors:
        raise FormError(errors)
    return clean


@dataclass
class ProposalForm:
    """提议: what is proposed, where, and by whom (an organisation or a group, never a person's data)."""
    org_unit_id: Any = None
    title: str = ""
    description: str = ""
    proposer_kind: str = "party"
    proposer: str = ""

    def validate(self, places: dict[int, str]) -> dict:
        errors: list[FieldError] = []
        if self.org_unit_id not in places:
            errors.append(FieldError("org_unit_id", "field.error.org_unit"))
        if self.proposer_kind not in PROPOSER_KINDS:
            errors.append(FieldError("proposer_kind", "field.error.choice"))
        return _done(errors, {"org_unit_id": self.org_unit_id, "proposer_kind": self.proposer_kind,
                              "title": _text(errors, "title", self.title, 200),
                              "description": _text(errors, "description", self.description, 5000, required=False),
                              "proposer": _text(errors, "proposer", self.proposer, 100)})


@dataclass
class MeetingForm:
    """商议: the consultation meeting."""
    meeting_on: Any = None
    meeting_place: str = ""
    participants: str = ""
    minutes: str = ""

    def validate(self, today: dt.date) -> dict:
        errors: list[FieldError] = []
        day = _date(errors, "meeting_on", self.meeting_on)
        if day is not None and day > today:
            errors.append(FieldError("meeting_on", "deliberation.error.future"))
        return _done(errors, {"meeting_on": day,
                              "meeting_place": _text(errors, "meeting_place", self.meeting_place, 200, required=False),
                              "participants": _text(errors, "participants", self.participants, 1000),
                              "minutes": _text(errors, "minutes", self.minutes, 10000)})


@dataclass
class NoticeForm:
    """公议: the public notice, its period, who may vote and how many votes make the quorum."""
    notice_text: str = ""
    notice_from: Any = None
    notice_until: Any = None
    electorate: Any = None
    quorum: Any = None

    def validate(self) -> dict:
        errors: list[FieldError] = []
        start, end = _date(errors, "notice_from", self.notice_from), _date(errors, "notice_until", self.notice_until)
        if start and end and end < start:
            errors.append(FieldError("notice_until", "field.error.date_order"))
        electorate = _count(errors, "electorate", self.electorate, 1)
        quorum = _count(errors, "quorum", self.quorum, 1)
        if electorate and quorum > electorate:
            errors.append(FieldError("quorum", "deliberation.error.quorum"))
        return _done(errors, {"notice_text": _text(errors, "notice_text", self.notice_text, 5000),
                              "notice_from": start, "notice_until": end, "electorate": electorate, "quorum": quorum})


@dataclass
class TallyForm:
    """公议 at the meeting: the hands counted there (the whole tally so far, not an addition)."""
    meeting_yes: Any = 0
    meeting_no: Any = 0
    meeting_abstain: Any = 0

    def validate(self) -> dict:
        errors: list[FieldError] = []
        return _done(errors, {k: _count(errors, k, getattr(self, k)) for k in ("meeting_yes", "meeting_no", "meeting_abstain")})


@dataclass
class EvaluationForm:
    """评议: the evaluation after implementation and the residents' ratings."""
    evaluation: str = ""
    rating_satisfied: Any = 0
    rating_basic: Any = 0
    rating_unsatisfied: Any = 0

    def validate(self) -> dict:
        errors: list[FieldError] = []
        clean = {k: _count(errors, k, getattr(self, k)) for k in ("rating_satisfied", "rating_basic", "rating_unsatisfied")}
        clean["evaluation"] = _text(errors, "evaluation", self.evaluation, 5000)
        return _done(errors, clean)

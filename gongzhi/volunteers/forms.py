"""Forms of the volunteer screens: declared with gongzhi.lists.fields, validated to i18n keys.

Each form's `validate(lookups)` returns the clean values and every problem as a FieldError; the
database checks the same rules again (and the ones only it can: duplicates, floods, capacity).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gongzhi import clock
from gongzhi.lists.fields import Field, FieldError, Lookups, parse_fields

UNIT_TYPES = ("organ", "enterprise", "institution", "organisation", "other")
OFFER_KINDS = ("venue", "equipment", "skill", "funds", "manpower", "service")
POST_KINDS = ("post", "activity")
RATED_BY = ("resident", "staff")
MAX_OFFERS = 10

APPLICATION = (
    Field("kind", "choice", required=True, choices=("volunteer", "unit"), choice_prefix="volunteers.kind"),
    Field("org_unit_id", "org_unit", required=True),
    Field("name", "text", required=True, max_len=50),
    Field("phone", "phone", required=True, personal=True),
    Field("contact_name", "text", max_len=50, personal=True),
    Field("unit_type", "choice", choices=UNIT_TYPES, choice_prefix="volunteers.unit_type"),
    Field("workplace", "text", max_len=100),
    Field("availability", "text", max_len=200),
    Field("pledged_hours", "int", minimum=0, maximum=2000, default=0),
    Field("note", "longtext", max_len=1000),
)
POST = (
    Field("kind", "choice", required=True, choices=POST_KINDS, choice_prefix="volunteers.post_kind"),
    Field("org_unit_id", "org_unit", required=True),
    Field("title", "text", required=True, max_len=100),
    Field("place", "text", max_len=100),
    Field("capacity", "int", required=True, minimum=1, maximum=10000),
    Field("description", "longtext", max_len=2000, default=""),
)
SERVICE_LOG = (
    Field("served_on", "date", required=True),
    Field("hours", "money", required=True, minimum=0, maximum=24),
    Field("rating", "int", minimum=1, maximum=5),
    Field("rated_by", "choice", choices=RATED_BY, choice_prefix="volunteers.rated_by"),
    Field("note", "text", max_len=500),
)


@dataclass
class ApplicationForm:
    """A unit or a volunteer asking to register; `skills` and offers are category codes."""
    kind: str = "volunteer"
    org_unit_id: Any = None
    name: str = ""
    phone: str = ""
    contact_name: str = ""
    unit_type: str = ""
    workplace: str = ""
    availability: str = ""
    pledged_hours: Any = 0
    note: str = ""
    skills: list[str] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)   # {"kind", "category", "name", "capacity"}

    def validate(self, lookups: Lookups) -> tuple[dict, list[FieldError]]:
        clean, errors = parse_fields(APPLICATION, self.__dict__, lookups)
        if clean.get("kind") == "unit" and not clean.get("unit_type"):
            errors.append(FieldError("unit_type", "field.error.required"))
        if clean.get("kind") == "volunteer":
            clean["unit_type"] = None
        skills = [s for s in self.skills if s]
        if any(s not in lookups.categories for s in skills) or len(skills) > MAX_OFFERS:
            errors.append(FieldError("skills", "field.error.category"))
        offers = []
        for offer in self.offers:
            if not offer.get("category") and not str(offer.get("name", "")).strip():
                continue   # an empty row of the form
            o_clean, o_errors = parse_fields(
                (Field("kind", "choice", required=True, choices=OFFER_KINDS, choice_prefix="resource_kind"),
                 Field("category", "text", required=True), Field("name", "text", required=True, max_len=200),
                 Field("capacity", "int", minimum=1, maximum=1_000_000, default=1)), offer, lookups)
            if o_clean.get("category") and o_clean["category"] not in lookups.categories:
                o_errors.append(FieldError("category", "field.error.category"))
            errors += [FieldError("offers", e.key) for e in o_errors]
            offers.append(o_clean)
        if clean.get("kind") == "volunteer":
            offers += [{"kind": "skill", "category": s, "name": f"{clean.get('name')}·{s}", "capacity": 1}
                       for s in skills]
        if len(offers) > MAX_OFFERS:
            errors.append(FieldError("offers", "field.error.range"))
        clean["skills"] = skills
        clean["offers"] = offers
        return clean, errors


@dataclass
class PostForm:
    """A standing post (starts, may end) or an activity (starts and ends)."""
    kind: str = "activity"
    org_unit_id: Any = None
    title: str = ""
    place: str = ""
    capacity: Any = 10
    description: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    skills: list[str] = field(default_factory=list)

    def validate(self, lookups: Lookups) -> tuple[dict, list[FieldError]]:
        clean, errors = parse_fields(POST, self.__dict__, lookups)
        if self.starts_at is None:
            errors.append(FieldError("starts_at", "field.error.required"))
        if clean.get("kind") == "activity" and self.ends_at is None:
            errors.append(FieldError("ends_at", "field.error.required"))
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors.append(FieldError("ends_at", "field.error.date_order"))
        if any(s not in lookups.categories for s in self.skills):
            errors.append(FieldError("skills", "field.error.category"))
        clean.update(starts_at=self.starts_at, ends_at=self.ends_at, skills=list(self.skills))
        return clean, errors


@dataclass
class ServiceLogForm:
    """Hours a volunteer served, optionally for a post, optionally rated."""
    volunteer_id: int | None = None
    post_id: int | None = None
    served_on: Any = None
    hours: Any = None
    rating: Any = None
    rated_by: str = ""
    note: str = ""
    verified: bool = False

    def validate(self, lookups: Lookups) -> tuple[dict, list[FieldError]]:
        clean, errors = parse_fields(SERVICE_LOG, self.__dict__, lookups)
        if self.volunteer_id is None:
            errors.append(FieldError("volunteer_id", "field.error.required"))
        if clean.get("hours") is not None and clean["hours"] <= 0:
            errors.append(FieldError("hours", "field.error.range"))
        if clean.get("served_on") and clean["served_on"] > clock.today():
            errors.append(FieldError("served_on", "volunteers.error.future"))
        if (clean.get("rating") is None) != (not clean.get("rated_by")):
            errors.append(FieldError("rated_by", "field.error.required"))
        clean.update(volunteer_id=self.volunteer_id, post_id=self.post_id, verified=self.verified)
        return clean, errors

"""Form validation for the three lists and the project forms: `gongzhi.lists.fields.parse` against
the user's own lookups (categories, org units of their territory), so a form and an imported
sheet obey the same rules. A refused form raises FormError carrying every field problem."""
from __future__ import annotations

from typing import Any, Mapping

from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.lists import lookups
from gongzhi.lists.fields import FieldError, Lookups, parse

_NO_LOOKUPS = Lookups(categories={}, org_units={})
_NEEDS_LOOKUPS = ("demand", "resource", "project")


class FormError(DomainError):
    """A form with bad values: `errors` lists each field's problem as an i18n key."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("lists.form_invalid", n=len(errors))
        self.errors = errors


def validate(user: Identity, form: str, raw: Mapping[str, Any], partial: bool = False) -> dict:
    """Clean values of `form`, or FormError. With `partial`, only the fields present in `raw` are
    checked and returned (an edit that leaves other fields alone)."""
    found = lookups.load(user) if form in _NEEDS_LOOKUPS else _NO_LOOKUPS
    clean, errors = parse(form, raw, found)
    if partial:
        clean = {k: v for k, v in clean.items() if k in raw}
        errors = [e for e in errors if e.field in raw]
    if errors:
        raise FormError(errors)
    return clean

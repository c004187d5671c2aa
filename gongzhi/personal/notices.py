"""告知: the notice each public form shows, by version.

Every version ever shown is a row of `public.privacy_notice` (added by a migration, never changed)
and an i18n text `privacy.notice.<version>`; `CURRENT` names the version each form shows today. A
submission stores the version its resident was shown, and the database refuses a public one
without it. A new wording is a new version: a migration row, a new key, and `CURRENT` moved on.
"""
from __future__ import annotations

from gongzhi import i18n
from gongzhi.errors import DomainError
from gongzhi.personal.inventory import fields_of

# The version each public form shows now.
CURRENT = {"application": "application_v1", "claim": "claim_v1", "suggestion": "suggestion_v1"}
# Every version this code can still print (the rows of public.privacy_notice; a test compares).
VERSIONS = {"application_v1": "application", "claim_v1": "claim", "suggestion_v1": "suggestion"}
# Which table's retention a form's notice states.
_TABLE = {"application": "application", "claim": "volunteer", "suggestion": "suggestion"}


def retention_days(form: str) -> int:
    """The longest retention of the personal fields a form collects (from the inventory)."""
    return max(f.retention_days for f in fields_of(_TABLE[form]))


def text(form: str, lang: str = i18n.DEFAULT, version: str | None = None) -> str:
    """The notice of `form` (its current version unless `version` is named), in `lang`."""
    version = version or CURRENT[form]
    if VERSIONS.get(version) != form:
        raise DomainError("privacy.notice_unknown", version=version)
    return i18n.t(f"privacy.notice.{version}", lang, days=retention_days(form))


def acknowledged(form: str, seen: bool) -> str:
    """The version to store with a submission whose resident confirmed reading the notice;
    DomainError when they did not."""
    if not seen:
        raise DomainError("privacy.notice_unread")
    return CURRENT[form]

"""个人信息清单: every personal field Gongzhi holds, one entry each.

Each entry says where the field lives, what kind of data it is, whether it is stored encrypted
(SM4-GCM with a blind index and a masked copy, see `gongzhi.personal`), why it is held (an i18n key
under `privacy.purpose`), on what legal basis (`privacy.basis`), who may read it in full, and how
long it is kept once its case is closed. The encryption, the retention job, subject requests,
`docs/compliance.md` and `python -m gongzhi compliance` all read this list; a test compares it with
the database's columns.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalField:
    table: str            # table in schema public
    column: str           # the logical field; encrypted fields are stored as <column>_enc/_bidx/_masked
    kind: str             # "phone", "name", "id_number", "address", "care_category"
    encrypted: bool       # stored as ciphertext + blind index + masked copy, never in plain text
    purpose: str          # i18n key under privacy.purpose
    basis: str            # i18n key under privacy.basis
    full_view: str        # who may read it in full (i18n key under privacy.full_view)
    retention_days: int   # kept this long after the row's case closes, then anonymised


PHONE_RETENTION = 365 * 2
NAME_RETENTION = 365 * 2

FIELDS: tuple[PersonalField, ...] = (
    PersonalField("demand", "beneficiary_phone", "phone", True, "demand_contact", "public_duty",
                  "owning_grid", PHONE_RETENTION),
    PersonalField("demand", "beneficiary_name", "name", False, "demand_contact", "public_duty",
                  "owning_grid", NAME_RETENTION),
    PersonalField("application", "phone", "phone", True, "registration", "consent",
                  "community", PHONE_RETENTION),
    PersonalField("application", "name", "name", False, "registration", "consent",
                  "community", NAME_RETENTION),
    PersonalField("application", "contact_name", "name", False, "registration", "consent",
                  "community", NAME_RETENTION),
    PersonalField("volunteer", "phone", "phone", True, "volunteer_service", "consent",
                  "community", PHONE_RETENTION),
    PersonalField("volunteer", "name", "name", False, "volunteer_service", "consent",
                  "community", NAME_RETENTION),
    PersonalField("unit", "phone", "phone", True, "unit_contact", "contract",
                  "community", PHONE_RETENTION),
    PersonalField("unit", "contact_name", "name", False, "unit_contact", "contract",
                  "community", NAME_RETENTION),
    PersonalField("resource", "contact_phone", "phone", True, "resource_contact", "contract",
                  "territory_staff", PHONE_RETENTION),
    PersonalField("suggestion", "phone", "phone", True, "suggestion_contact", "consent",
                  "community", PHONE_RETENTION),
    PersonalField("staff", "phone", "phone", True, "staff_contact", "employment",
                  "system_admin", PHONE_RETENTION),
    # 特殊群体台账 (gongzhi.fieldwork): residents a grid visits regularly.
    PersonalField("care_person", "person_name", "name", False, "care_visits", "public_duty",
                  "owning_grid", NAME_RETENTION),
    PersonalField("care_person", "phone", "phone", True, "care_visits", "public_duty",
                  "owning_grid", PHONE_RETENTION),
    PersonalField("care_person", "id_number", "id_number", True, "care_visits", "public_duty",
                  "owning_grid", PHONE_RETENTION),
    PersonalField("care_person", "home_address", "address", False, "care_visits", "public_duty",
                  "owning_grid", NAME_RETENTION),
)


def encrypted_fields() -> tuple[PersonalField, ...]:
    """The fields stored as ciphertext, blind index and masked copy."""
    return tuple(f for f in FIELDS if f.encrypted)


def fields_of(table: str) -> tuple[PersonalField, ...]:
    return tuple(f for f in FIELDS if f.table == table)

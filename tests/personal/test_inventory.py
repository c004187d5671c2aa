"""The data inventory is true to the database, fully translated, and what docs/compliance.md shows;
the notice versions the code knows are the database's."""
import pytest

from gongzhi import i18n
from gongzhi.config import ROOT
from gongzhi.personal import listing, notices
from gongzhi.personal.inventory import FIELDS, encrypted_fields


def _columns(conn, table):
    return {r["column_name"] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'public' and table_name = %s",
        (table,))}


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f"{f.table}.{f.column}")
def test_every_field_is_a_column_plain_or_encrypted(conn, field):
    columns = _columns(conn, field.table)
    encrypted = {f"{field.column}_{s}" for s in ("enc", "bidx", "masked")}
    assert field.column in columns or (field.encrypted and encrypted <= columns), columns


def test_the_inventory_has_no_field_twice_and_only_known_kinds():
    assert len({(f.table, f.column) for f in FIELDS}) == len(FIELDS)
    assert {f.kind for f in FIELDS} <= {"phone", "name", "id_number", "address", "care_category"}
    assert {f.table for f in encrypted_fields()} >= {"demand", "application", "volunteer", "unit", "staff"}
    assert all(f.retention_days > 0 for f in FIELDS)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_entry_reads_in_both_languages(lang):
    for f in FIELDS:
        for key in (f"privacy.purpose.{f.purpose}", f"privacy.basis.{f.basis}", f"privacy.full_view.{f.full_view}",
                    f"privacy.kind.{f.kind}", f"privacy.table.{f.table}"):
            assert i18n.has(key), key
    assert all("privacy." not in v for row in listing.rows(lang) for v in row.values())


def test_docs_compliance_shows_the_inventory_as_the_command_prints_it():
    doc = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    assert listing.document_section() in doc, \
        "regenerate: python -m gongzhi compliance --inventory-markdown, between the inventory markers"


def test_the_notice_versions_are_the_databases(conn):
    rows = {r["version"]: r["form"] for r in conn.execute("select version, form from public.privacy_notice")}
    assert rows == notices.VERSIONS
    assert all(notices.VERSIONS[v] == form for form, v in notices.CURRENT.items())


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("form", sorted(notices.CURRENT))
def test_each_notice_names_its_version_and_retention(form, lang):
    text = notices.text(form, lang)
    assert notices.CURRENT[form] in text and str(notices.retention_days(form)) in text

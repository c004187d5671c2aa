"""The catalogue: every key in both languages, every key used, every key the code asks for present."""
import re
from pathlib import Path

from gongzhi import i18n
from gongzhi.config import ROOT

SOURCES = [p for d in ("gongzhi", "pages", "ui") for p in (ROOT / d).rglob("*.py")] + [ROOT / "app.py"]
MIGRATIONS = list((ROOT / "supabase" / "migrations").glob("*.sql"))
KEY_CALL = re.compile(r"""\b(?:t|i18n\.t|DomainError|_t)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
DB_KEY = re.compile(r"gongzhi:([a-z_]+\.[a-z0-9_.]+)")


def _text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SOURCES + MIGRATIONS)


def test_every_key_has_chinese_and_english():
    for key, entry in i18n.catalogue().items():
        assert entry.get("zh", "").strip() and entry.get("en", "").strip(), key


def test_placeholders_match_between_languages():
    field = re.compile(r"{(\w+)}")
    for key, entry in i18n.catalogue().items():
        assert set(field.findall(entry["zh"])) == set(field.findall(entry["en"])), key


def test_every_key_the_code_asks_for_exists():
    text = _text()
    asked = set(KEY_CALL.findall(text)) | set(DB_KEY.findall(text))
    assert sorted(k for k in asked if not i18n.has(k)) == []


FAMILY_CALL = re.compile(r"""\b(?:t|i18n\.t)\(\s*f["']([a-z_]+(?:\.[a-z0-9_]+)*)\.\{""")


def test_every_key_family_the_code_builds_exists():
    """`t(f"org.kind.{kind}")`: the catalogue has keys under `org.kind.`."""
    families = set(FAMILY_CALL.findall(_text()))
    assert families, "the pattern finds the families the code builds"
    keys = i18n.catalogue()
    assert sorted(f for f in families if not any(k.startswith(f + ".") for k in keys)) == []


def _families(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def test_every_key_is_used():
    """A key is used when the code names it whole, or builds it from a family it names:
    `"role." + role`, `f"status.{entity}.{value}"`, or a choice_prefix such as `"urgency"`."""
    text = _text()
    unused = [key for key in i18n.catalogue()
              if key not in text and not any(f'{q}{fam}{end}' in text for fam in _families(key)
                                             for q in "\"'" for end in (".", q))]
    assert unused == []


def test_unknown_keys_show_themselves_and_english_is_a_switch():
    assert i18n.t("no.such_key") == "no.such_key"
    assert i18n.t("page.home") == "首页" and i18n.t("page.home", "en") == "Home"

"""The data inventory as people read it: rows for the 个人信息清单 page and the Markdown table that
`python -m gongzhi compliance --inventory-markdown` writes into docs/compliance.md (a test keeps
the two equal)."""
from __future__ import annotations

from gongzhi import i18n
from gongzhi.personal.inventory import FIELDS

COLUMNS = ("table", "column", "kind", "encrypted", "purpose", "basis", "full_view", "retention")


def rows(lang: str = i18n.DEFAULT) -> list[dict[str, str]]:
    """One row per personal field, every value in `lang`."""
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    return [{"table": f"{t(f'privacy.table.{f.table}')} (`{f.table}`)",
             "column": f"`{f.column}`",
             "kind": t(f"privacy.kind.{f.kind}"),
             "encrypted": t("privacy.inventory.yes" if f.encrypted else "privacy.inventory.no"),
             "purpose": t(f"privacy.purpose.{f.purpose}"),
             "basis": t(f"privacy.basis.{f.basis}"),
             "full_view": t(f"privacy.full_view.{f.full_view}"),
             "retention": t("privacy.inventory.days", days=f.retention_days)} for f in FIELDS]


def headers(lang: str = i18n.DEFAULT) -> list[str]:
    return [i18n.t(f"privacy.inventory.column.{c}", lang) for c in COLUMNS]


def markdown(lang: str) -> str:
    """The inventory as a Markdown table in `lang`."""
    lines = ["| " + " | ".join(headers(lang)) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(r[c] for c in COLUMNS) + " |" for r in rows(lang)]
    return "\n".join(lines) + "\n"


BEGIN = "<!-- inventory:begin (python -m gongzhi compliance --inventory-markdown) -->"
END = "<!-- inventory:end -->"


def document_section() -> str:
    """What lies between BEGIN and END in docs/compliance.md: the table in Chinese, then English."""
    return f"{BEGIN}\n\n{markdown('zh')}\n{markdown('en')}\n{END}"

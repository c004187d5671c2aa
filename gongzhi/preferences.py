"""Per-user preferences kept in public.user_setting: the interface language, read at sign-in and
written when the user switches it. Each user reads and writes only their own row (RLS)."""
from __future__ import annotations

from gongzhi import i18n
from gongzhi.auth import Identity
from gongzhi.errors import DomainError


def language(user: Identity) -> str | None:
    """The language `user` chose last time, or None if they never chose."""
    with user.session() as conn:
        row = conn.execute("select language from public.user_setting").fetchone()
    return row["language"] if row else None


def set_language(user: Identity, lang: str) -> None:
    if lang not in i18n.LANGUAGES:
        raise DomainError("error.invalid_value")
    with user.session() as conn:
        conn.execute("""insert into public.user_setting (language) values (%s)
                        on conflict (user_id) do update set language = excluded.language""", (lang,))

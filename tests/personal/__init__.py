"""Helpers for tests that write personal fields as the key-holding code does: a phone sealed into
its three stored columns, and acting as the portal's public role."""
from __future__ import annotations

from gongzhi.personal import crypto


def sealed(value: str, column: str = "phone", kind: str = "phone") -> dict:
    """{<column>_enc, <column>_bidx, <column>_masked} of `value`, as query parameters."""
    s = crypto.seal(kind, value)
    return {f"{column}_enc": s.enc, f"{column}_bidx": s.bidx, f"{column}_masked": s.masked}


def columns(column: str = "phone") -> str:
    """The stored columns of an encrypted field, for an insert's column list."""
    return f"{column}_enc, {column}_bidx, {column}_masked"


def values(column: str = "phone") -> str:
    """Named placeholders matching `sealed(…, column)`."""
    return f"%({column}_enc)s, %({column}_bidx)s, %({column}_masked)s"


def act_as_public(conn) -> None:
    """Inside the test transaction: act as the public form does through the portal (gongzhi_public)."""
    conn.execute("reset role")
    conn.execute("select set_config('request.jwt.claims', '{\"role\":\"anon\"}', true),"
                 " set_config('role', 'gongzhi_public', true)")

"""Unmasking (查看完整号码): reading one personal value in full is an act with a reason.

The database decides whether the caller may (`private.personal_cipher`: the owning grid and the
district for a demand's beneficiary, staff of the row's territory for registrations and resources,
the district or the person for a staff phone) and returns the ciphertext only then and only with a
reason; this module logs the act in the security log (who, which row, which field, the reason —
never the value) in the same transaction and decrypts.
"""
from __future__ import annotations

import psycopg

from gongzhi import security_log
from gongzhi.errors import DomainError, from_db
from gongzhi.personal import crypto
from gongzhi.personal.store import field

MAX_REASON = 200


def unmask(user, table: str, row_id, column: str, reason: str) -> str | None:
    """The plain value of `table.column` of row `row_id` for `user`, logged with `reason`.
    None when the row holds no value. DomainError: no reason (`personal.reason_required`), not a
    personal field, or not allowed (`personal.unmask_refused`)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("personal.reason_required")
    f = field(table, column)
    if f is None:
        raise DomainError("personal.unmask_refused")
    try:
        with user.session() as conn:
            row = conn.execute("select private.personal_cipher(%s, %s, %s, %s) as c",
                               (table, str(row_id), column, reason[:MAX_REASON])).fetchone()
            cipher = row["c"] if isinstance(row, dict) else row[0]
            security_log.append(conn, "unmask", object=f"{table}:{row_id}",
                                details={"field": column, "reason": reason[:MAX_REASON]})
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return None if cipher is None else crypto.decrypt(f.kind, cipher)

"""Domain errors and the translation of database errors into catalogue keys.

The database raises `gongzhi:<key>` messages from its triggers; row-level security and
constraints raise PostgreSQL's own. Both become a DomainError carrying an i18n key.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg import errors as pgerr
from psycopg_pool import PoolTimeout


class DomainError(Exception):
    """A refusal the user should read: `key` is an i18n catalogue key, `params` fill it in."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


def from_db(exc: psycopg.Error) -> DomainError:
    """The DomainError a database error means for the user. Every class of error a user's input
    can cause has a message: refusals the database words itself (`gongzhi:<key>`), privileges and
    row-level security, integrity (23), data exceptions (22: overflow, bad text or dates, and the
    driver's own refusal of NUL characters), and contention (40, 55P03, 57014). Anything else is a
    fault of the code and is raised."""
    message = (exc.diag.message_primary or "") if exc.diag else str(exc)
    if message.startswith("gongzhi:"):
        return DomainError(message.removeprefix("gongzhi:"))
    sqlstate = exc.sqlstate or ""
    if isinstance(exc, pgerr.InsufficientPrivilege) or "row-level security" in message:
        return DomainError("error.forbidden")
    if isinstance(exc, pgerr.CheckViolation):
        if exc.diag.constraint_name == "resource_not_over_allocated":
            return DomainError("error.capacity_exceeded")
        return DomainError("error.invalid_value")
    if isinstance(exc, pgerr.UniqueViolation):
        return DomainError("error.duplicate")
    if isinstance(exc, pgerr.ForeignKeyViolation):
        return DomainError("error.reference")
    if isinstance(exc, pgerr.ExclusionViolation):
        return DomainError("error.duplicate")
    if isinstance(exc, (pgerr.NotNullViolation, pgerr.InvalidTextRepresentation,
                        pgerr.DataException)) or sqlstate.startswith(("22", "23")):
        return DomainError("error.invalid_value")
    if isinstance(exc, psycopg.DataError) and not sqlstate:   # refused by the driver: NUL in text
        return DomainError("error.invalid_value")
    if isinstance(exc, pgerr.SerializationFailure | pgerr.DeadlockDetected | pgerr.LockNotAvailable
                  | pgerr.QueryCanceled) or sqlstate.startswith("40"):
        return DomainError("error.busy")
    raise exc


@contextmanager
def translated(constraints: dict[str, str] | None = None) -> Iterator[None]:
    """Database errors inside the block as DomainErrors: a constraint named in `constraints` as its
    i18n key, anything else as `from_db` words it."""
    try:
        yield
    except psycopg.Error as exc:
        name = exc.diag.constraint_name if exc.diag else None
        if constraints and name in constraints:
            raise DomainError(constraints[name]) from None
        raise from_db(exc) from None


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached now (down, restarting, refusing
    connections), as opposed to a refusal of what was asked."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, psycopg.OperationalError):
        state = exc.sqlstate or ""
        return state == "" or state.startswith(("08", "57P"))
    return False

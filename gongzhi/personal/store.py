"""The stored shape of the encrypted fields: a plain value becomes `<col>_enc`, `<col>_bidx` and
`<col>_masked` (see `crypto.seal`), and a blind index finds every row that holds one value across
the inventory's tables."""
from __future__ import annotations

from psycopg import sql

from gongzhi.personal import crypto
from gongzhi.personal.inventory import PersonalField, encrypted_fields

# The column that names a row, where it is not `id`.
ROW_ID = {"staff": "user_id"}


def row_id_column(table: str) -> str:
    return ROW_ID.get(table, "id")


def field(table: str, column: str) -> PersonalField | None:
    """The inventory's entry of an encrypted field, or None when `table.column` is not one."""
    return next((f for f in encrypted_fields() if f.table == table and f.column == column), None)


def encrypted_columns(table: str) -> tuple[PersonalField, ...]:
    return tuple(f for f in encrypted_fields() if f.table == table)


def sealed_columns(table: str, values: dict, ring=None) -> dict:
    """`values` with each encrypted field of `table` (by its logical name) replaced by its three
    stored columns (None when the value is empty). Raises crypto.BadValue for an invalid value."""
    out = dict(values)
    for f in encrypted_columns(table):
        if f.column not in out:
            continue
        sealed = crypto.seal_optional(f.kind, out.pop(f.column), ring)
        out[f"{f.column}_enc"] = sealed.enc if sealed else None
        out[f"{f.column}_bidx"] = sealed.bidx if sealed else None
        out[f"{f.column}_masked"] = sealed.masked if sealed else None
    return out


def find(conn, kind: str, value: str) -> list[tuple[str, str]]:
    """Every (table, row id) whose field of `kind` holds `value`, across the inventory's tables,
    by blind index; on `conn` as whoever it acts for (row-level security applies). An invalid value
    finds nothing."""
    try:
        bidx = crypto.blind_index(kind, value)
    except crypto.BadValue:
        return []
    found: list[tuple[str, str]] = []
    for f in encrypted_fields():
        if f.kind != kind:
            continue
        query = sql.SQL("select {id}::text from public.{table} where {bidx} = %s order by 1").format(
            id=sql.Identifier(row_id_column(f.table)), table=sql.Identifier(f.table),
            bidx=sql.Identifier(f"{f.column}_bidx"))
        for row in conn.execute(query, (bidx,)).fetchall():
            found.append((f.table, row[0] if not isinstance(row, dict) else next(iter(row.values()))))
    return found


# What a required phone holds once erased (by a subject request or the retention job): this
# number, sealed like any other, shown as *******.
ERASED = {"phone": "0000000"}
ERASED_MASK = "*******"


def erased(kind: str = "phone", ring=None) -> crypto.Sealed:
    """The sealed marker of an erased value of `kind`, for a column that may not be empty; all
    markers of one key share the blind index, so 'already erased' is one comparison."""
    value = ERASED[kind]
    return crypto.Sealed(crypto.encrypt(kind, value, ring), crypto.blind_index(kind, value, ring), ERASED_MASK)

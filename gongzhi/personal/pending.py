"""The migrate command's Python step: encrypt the plain values a migration moved into
`private.plaintext_pending` and remove them, a batch per transaction, so that a run killed
midway resumes where it stopped (each pending row is sealed, stored and deleted together)."""
from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac
from psycopg import sql

from gongzhi.personal import crypto
from gongzhi.personal import keys as keyring
from gongzhi.personal.inventory import encrypted_fields
from gongzhi.personal.keys import KeyError_
from gongzhi.personal.store import field, row_id_column

BATCH = 5000


def count(conn) -> int:
    """Plain values still waiting; 0 where the table does not exist yet."""
    if _tuple(conn.execute("select to_regclass('private.plaintext_pending')").fetchone())[0] is None:
        return 0
    return _tuple(conn.execute("select count(*) from private.plaintext_pending").fetchone())[0]


def ensure_keys(conn) -> None:
    """Before anything is sealed: a keyring that opens what the database holds. The embedded
    default gets a new keyring on first start — but never while the database holds ciphertext,
    which only the lost keyring could open; any other deployment sets GONGZHI_DATA_KEYS (without it
    the migration still applies, and encrypting older rows or writing a phone refuses clearly)."""
    from gongzhi import config
    if _tuple(conn.execute("select to_regclass('private.encrypted_field')").fetchone())[0] is None:
        return
    sample = _sample(conn)
    if not keyring.configured():
        if sample is not None:
            raise KeyError_(f"The database holds encrypted phones but there is no data keyring ({keyring.path()} "
                            f"or {keyring.ENV}). Restore the keyring that belongs to this database (see "
                            "docs/operations.md, 'The data keys'); a new one could not read them.")
        if config.backend() == "embedded":
            keyring.load(create=True)
            crypto.forget()
        return   # elsewhere the deployment sets GONGZHI_DATA_KEYS; writing a phone without it says so
    ring = keyring.load()
    if sample is not None:
        crypto.decrypt(sample[0], sample[1], ring)   # KeyError_ when it is not this database's keyring


def _sample(conn) -> tuple[str, bytes] | None:
    """One stored ciphertext (its kind and bytes), or None when the database holds none."""
    for f in encrypted_fields():
        row = conn.execute(sql.SQL("select {e} from public.{t} where {e} is not null limit 1").format(
            e=sql.Identifier(f"{f.column}_enc"), t=sql.Identifier(f.table))).fetchone()
        if row is not None:
            return f.kind, bytes(_tuple(row)[0])
    return None


def encrypt_pending(conn, batch: int = BATCH) -> int:
    """Encrypt every pending value on an owner connection in autocommit mode; returns how many.
    Each batch seals its values here and writes them with one update per column, joined on the
    row's key in its own type (so the key's index finds each row)."""
    if not count(conn):
        return 0
    ring = crypto.ring()
    done = 0
    while True:
        with conn.transaction():
            rows = conn.execute(
                "select table_name, column_name, row_id, value from private.plaintext_pending"
                " order by table_name, column_name, row_id limit %s for update skip locked", (batch,)).fetchall()
            if not rows:
                break
            conn.execute("select set_config('gongzhi.rekey', 'on', true)")   # not a change: updated_at kept
            groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for table, column, row_id, value in (_tuple(r) for r in rows):
                groups.setdefault((table, column), []).append((row_id, value))
            for (table, column), items in groups.items():
                _store(conn, table, column, items, ring)
                done += len(items)
    _validate_required(conn)
    return done


def _store(conn, table: str, column: str, items: list[tuple[str, str]], ring) -> None:
    """Seal one column's pending values of a batch, store them and strike them from the queue."""
    f = field(table, column)
    if f is None:
        raise KeyError_(f"private.plaintext_pending holds {table}.{column}, which the inventory does "
                        "not list as encrypted; add it to gongzhi/personal/inventory.py.")
    sealed = [_seal(f.kind, value, ring) for _, value in items]
    ids = [row_id for row_id, _ in items]
    key = row_id_column(table)
    key_type = _tuple(conn.execute("select format_type(atttypid, atttypmod) from pg_attribute"
                                   " where attrelid = to_regclass(%s) and attname = %s",
                                   (f"public.{table}", key)).fetchone())[0]
    conn.execute(sql.SQL(
        "update public.{t} t set {e} = v.e, {b} = v.b, {m} = v.m"
        " from unnest(%s::text[], %s::bytea[], %s::bytea[], %s::text[]) as v(id, e, b, m)"
        " where t.{id} = v.id::{type}").format(
            t=sql.Identifier(table), e=sql.Identifier(f"{column}_enc"), b=sql.Identifier(f"{column}_bidx"),
            m=sql.Identifier(f"{column}_masked"), id=sql.Identifier(key), type=sql.SQL(key_type)),
        (ids, [s.enc for s in sealed], [s.bidx for s in sealed], [s.masked for s in sealed]))
    conn.execute("delete from private.plaintext_pending where table_name = %s and column_name = %s"
                 " and row_id = any(%s)", (table, column, ids))


def _seal(kind: str, value: str, ring) -> crypto.Sealed:
    try:
        return crypto.seal(kind, value, ring)
    except crypto.BadValue:  # an older row that never met today's checks: keep what can be kept
        return _seal_loose(kind, value, ring)


def _seal_loose(kind: str, value: str, ring) -> crypto.Sealed:
    """A stored value that fails today's format check is still encrypted (never dropped, never left
    plain); its index covers its digits and its mask hides all but the shape."""
    digits = "".join(ch for ch in value if ch.isdigit()) or value
    h = hmac.HMAC(ring.index_key, hashes.SM3())
    h.update(f"{kind}:{digits}".encode())
    return crypto.Sealed(crypto.encrypt(kind, value.strip(), ring), h.finalize(), "*" * 7)


def _validate_required(conn) -> None:
    """Once nothing is pending, the 'phone required' checks added NOT VALID hold for every row."""
    for name, table in (_tuple(r) for r in conn.execute(
            "select c.conname, c.conrelid::regclass::text from pg_constraint c"
            " where c.conname like '%\\_required' and not c.convalidated"
            " and c.connamespace = 'public'::regnamespace").fetchall()):
        with conn.transaction():
            conn.execute(sql.SQL("alter table {} validate constraint {}").format(
                sql.SQL(table), sql.Identifier(name)))


def _tuple(row):
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


# A mainland mobile number anywhere in a text: what a phone left in plain text looks like (not a
# run of digits inside a hexadecimal hash).
PHONE_PATTERN = r"(^|[^0-9a-fA-F])1[3-9][0-9]{9}([^0-9a-fA-F]|$)"


def phone_like_columns(conn, schemas: tuple[str, ...] = ("public", "private")) -> list[str]:
    """`schema.table.column` of every text, varchar or jsonb column (arrays of them too) holding a
    value that looks like a mobile phone number — plaintext left behind, or typed into free text."""
    columns = conn.execute(
        """select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
           from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = any(%s) and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
             and format_type(a.atttypid, a.atttypmod) ~ '^(text|character varying|jsonb|json|text\\[\\])'
             and c.relname <> 'plaintext_pending'
           order by 1, 2, 3""", (list(schemas),)).fetchall()
    found = []
    for schema, table, column, _type in (_tuple(r) for r in columns):
        query = sql.SQL("select exists (select from {}.{} where {}::text ~ %s)").format(
            sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column))
        if _tuple(conn.execute(query, (PHONE_PATTERN,)).fetchone())[0]:
            found.append(f"{schema}.{table}.{column}")
    return found

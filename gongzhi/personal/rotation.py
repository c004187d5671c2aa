"""Key rotation (`python -m gongzhi keys rotate`): a new SM4 key becomes current and every stored
ciphertext is re-encrypted under it, a batch per transaction, walking each table by its row id.
A run killed midway is resumed by running the command again: while rows still use an older key,
no new key is added and the walk starts again (rows already re-encrypted are skipped). Once no row
uses an older key, it is marked `retired` in the keyring (kept, so that older backups can still be
read). The blind-index key is not rotated: re-indexing would need every plain value at once, and
the index reveals nothing without the key (docs/operations.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from gongzhi.personal import crypto, keys
from gongzhi.personal.inventory import encrypted_fields
from gongzhi.personal.store import row_id_column

BATCH = 500


@dataclass
class Result:
    new_key: int | None       # the key added by this run (None: a resumed run)
    current: int
    reencrypted: int
    retired: list[int]


def usage(conn) -> dict[int, int]:
    """How many stored values each key id encrypts, over every encrypted field."""
    counts: dict[int, int] = {}
    for f in encrypted_fields():
        query = sql.SQL("select get_byte({e}, 0), count(*) from public.{t} where {e} is not null group by 1").format(
            e=sql.Identifier(f"{f.column}_enc"), t=sql.Identifier(f.table))
        for key_id, n in (_tuple(r) for r in conn.execute(query).fetchall()):
            counts[key_id] = counts.get(key_id, 0) + n
    return counts


def rotate(conn, batch: int = BATCH, progress=None) -> Result:
    """Rotate on an owner connection in autocommit mode (see the module's docstring)."""
    ring = keys.load()
    stale = {k: n for k, n in usage(conn).items() if k != ring.current_id}
    new_key = None
    if not stale:
        if keys.from_environment():
            raise keys.KeyError_(f"The keyring comes from {keys.ENV}: add a line `key <next id> <base64 of 16 random "
                                 "bytes>` to it (`python -m gongzhi keys generate` prints one), restart the portal "
                                 "with it, then run `keys rotate` again to re-encrypt.")
        new_key = max(ring.keys) + 1
        if new_key > 255:
            raise keys.KeyError_("The keyring has used every key id (1-255); delete retired keys no backup needs.")
        ring.keys[new_key] = crypto.os.urandom(keys.SM4_KEY_BYTES)
        keys.save(ring)
        crypto.forget()
    current = ring.current_id
    done = 0
    for f in encrypted_fields():
        done += _reencrypt(conn, ring, f, current, batch, progress)
    left = usage(conn)
    retired = sorted(k for k in ring.keys if k != current and k not in ring.retired and not left.get(k))
    if retired and not keys.from_environment():
        ring.retired.update(retired)
        keys.save(ring)
        crypto.forget()
    return Result(new_key, current, done, retired)


def _reencrypt(conn, ring, f, current: int, batch: int, progress) -> int:
    id_col = sql.Identifier(row_id_column(f.table))
    enc = sql.Identifier(f"{f.column}_enc")
    table = sql.Identifier(f.table)
    first = sql.SQL("select {id}, {enc} from public.{t} where {enc} is not null"
                    " order by {id} limit %s for update").format(id=id_col, enc=enc, t=table)
    after = sql.SQL("select {id}, {enc} from public.{t} where {enc} is not null and {id} > %s"
                    " order by {id} limit %s for update").format(id=id_col, enc=enc, t=table)
    update = sql.SQL("update public.{t} set {enc} = %s where {id} = %s and {enc} = %s").format(
        t=table, enc=enc, id=id_col)
    last, done = None, 0
    while True:
        with conn.transaction():
            query, params = (first, (batch,)) if last is None else (after, (last, batch))
            rows = [_tuple(r) for r in conn.execute(query, params).fetchall()]
            if not rows:
                return done
            changes = [(crypto.encrypt(f.kind, crypto.decrypt(f.kind, blob, ring), ring), row_id, blob)
                       for row_id, blob in rows if crypto.key_id_of(blob) != current]
            if changes:
                conn.execute("select set_config('gongzhi.rekey', 'on', true)")   # not a change: updated_at kept
                with conn.cursor() as cur:
                    cur.executemany(update, changes)
            done += len(changes)
            last = rows[-1][0]
        if progress:
            progress(f.table, f.column, done)


def _tuple(row):
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)

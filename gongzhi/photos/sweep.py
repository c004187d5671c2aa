"""Cleaning the photo store of what no row names any more (`python -m gongzhi photos sweep`).

Two kinds of leftovers: photo rows whose subject row is gone (possible only when a subject table
was emptied past its triggers, e.g. by `truncate` or a load with triggers off), and files in the
store that no photo row names (a deleted demand, event, milestone or message leaves its bytes; a
portal that died between storing the bytes and committing leaves them too). The sweep removes the
rows first, then every file that no row names — never a file younger than the grace period, so a
submission still in flight (bytes stored, row not yet committed) keeps its file. It lists the
files before it reads the rows, so a row committed meanwhile is seen. Runs as the owner; safe to
run while the portal writes and to rerun. Both stores list their files: the folder by walking it,
Supabase Storage through its list endpoint (gongzhi.photos.storage.SupabaseStore.listing) with the
same client as the uploads; a store that cannot list is refused. Files go in bulk where the store
can (`delete_many`: Supabase Storage's bulk delete, 1,000 a request, each batch retried); a file
the store did not remove is reported by key (`Swept.kept`) and stays an orphan, so the next run
finds it again."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from psycopg import sql

from gongzhi.errors import DomainError
from gongzhi.photos.storage import Deleted, PhotoStore, store as configured_store

GRACE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Swept:
    rows_orphaned: int     # photo rows whose subject row is gone
    files_seen: int        # files in the store
    files_orphaned: int    # files no photo row names, older than the grace period
    files_young: int       # files no photo row names, younger than the grace period: kept
    removed: bool          # False for a dry run
    files_failed: int = 0  # orphans the store did not remove (counted in files_orphaned too)
    kept: tuple[str, ...] = ()     # their keys
    reasons: tuple[DomainError, ...] = ()  # why, one per failed batch


def sweep(conn, store: PhotoStore | None = None, grace: dt.timedelta = GRACE, dry_run: bool = False,
          now: dt.datetime | None = None) -> Swept:
    """Remove (or with `dry_run` only count) orphaned photo rows, then orphaned files older than
    `grace`. `conn` is an owner connection outside a transaction block or in autocommit."""
    store = store or configured_store()
    listing = getattr(store, "listing", None)
    if listing is None:
        raise DomainError("photos.sweep_unsupported", store=store.name)
    now = now or dt.datetime.now(dt.timezone.utc)
    files = list(listing())                       # before the rows are read: see the module's note;
    gone = _orphaned_rows(conn, dry_run)          # and a store that fails to list changes nothing
    named = _named_keys(conn) - gone              # a dry run counts as the real run would
    orphans = [(key, at) for key, at in files if key not in named]
    old = [key for key, at in orphans if now - at >= grace]
    deleted = _delete(store, old) if not dry_run and old else Deleted(())
    return Swept(rows_orphaned=len(gone) // 2, files_seen=len(files), files_orphaned=len(old),
                 files_young=len(orphans) - len(old), removed=not dry_run, files_failed=len(deleted.kept),
                 kept=deleted.kept, reasons=deleted.reasons)


def _delete(store: PhotoStore, keys: list[str]) -> Deleted:
    """Remove `keys` in bulk where the store can, else one by one; what fails is kept and said."""
    many = getattr(store, "delete_many", None)
    if many is not None:
        return many(keys)
    removed, kept, reasons = [], [], []
    for key in keys:
        try:
            store.delete(key)
        except DomainError as exc:
            kept.append(key)
            reasons.append(exc)
        else:
            removed.append(key)
    return Deleted(tuple(removed), tuple(kept), tuple(reasons))


def _orphaned_rows(conn, dry_run: bool) -> set[str]:
    """The keys of photo rows whose subject row is gone, per kind of private.photo_subject; the
    rows are deleted unless `dry_run`. Their files are orphans for the file pass."""
    keys: set[str] = set()
    with conn.transaction():
        kinds = conn.execute("select kind, subject_table from private.photo_subject order by kind").fetchall()
        for kind in kinds:
            query = sql.SQL(
                "{verb} public.photo p where p.subject_kind = %s"
                " and not exists (select from public.{table} t where t.id = p.subject_id) {returning}").format(
                    verb=sql.SQL("select p.object_key, p.thumb_key from" if dry_run else "delete from"),
                    table=sql.Identifier(kind["subject_table"]),
                    returning=sql.SQL("" if dry_run else "returning p.object_key, p.thumb_key"))
            for row in conn.execute(query, (kind["kind"],)).fetchall():
                keys.update((row["object_key"], row["thumb_key"]))
    return keys


def _named_keys(conn) -> set[str]:
    """Every key a photo row names (the image and its thumbnail)."""
    named: set[str] = set()
    with conn.transaction(), conn.cursor(name="photo_keys") as cursor:
        cursor.itersize = 5000
        cursor.execute("select object_key, thumb_key from public.photo")
        for row in cursor:
            named.add(row["object_key"])
            named.add(row["thumb_key"])
    return named

"""Attaching and removing photos, each in one transaction as the signed-in user: the row is
written under row-level security first, then the bytes are put in the store; a refusal or a
failed store leaves neither behind."""
from __future__ import annotations

import uuid

import psycopg

from gongzhi import security_settings
from gongzhi.errors import DomainError, from_db
from gongzhi.photos import KINDS, STAGES, images
from gongzhi.photos.storage import PhotoStore, store as configured_store


def max_bytes(conn) -> int:
    """The district's largest accepted upload (security setting photos.max_mb), in bytes."""
    return int(security_settings.get(conn, "photos.max_mb")) * 1024 * 1024


def upload(user, kind: str, subject_id: int, data: bytes | None, stage: str | None = None, caption: str = "",
           store: PhotoStore | None = None) -> int:
    """Attach the photo `data` to the `kind` row `subject_id`; returns the new photo's id. `data`
    None means no file was chosen."""
    if data is None:
        raise DomainError("photos.no_file")
    if kind not in KINDS:
        raise DomainError("photos.bad_subject")
    if stage is not None and stage not in STAGES:
        raise DomainError("photos.bad_stage")
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise DomainError("photos.caption_too_long")
    store = store or configured_store()
    with user.session() as conn:
        clean = images.clean(data, max_bytes(conn))
        name = uuid.uuid4().hex
        key, thumb = f"{kind}/{int(subject_id)}/{name}.{clean.ext}", f"{kind}/{int(subject_id)}/{name}.thumb.jpg"
        try:
            with conn.transaction():
                photo_id = conn.execute(
                    "insert into public.photo (subject_kind, subject_id, stage, object_key, thumb_key, content_type,"
                    " size_bytes, width, height, caption) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
                    (kind, subject_id, stage, key, thumb, clean.content_type, len(clean.data), clean.width,
                     clean.height, caption)).fetchone()["id"]
        except psycopg.Error as exc:
            raise from_db(exc) from None
        stored = []
        try:
            for k, body, ctype in ((key, clean.data, clean.content_type), (thumb, clean.thumb, "image/jpeg")):
                store.put(k, body, ctype)
                stored.append(k)
        except BaseException:
            for k in stored:
                store.delete(k)
            raise
    return photo_id


def remove(user, photo_id: int, store: PhotoStore | None = None) -> None:
    """Remove a photo: its row (row-level security decides) and then its bytes."""
    store = store or configured_store()
    with user.session() as conn:
        try:
            with conn.transaction():
                row = conn.execute("delete from public.photo where id = %s returning object_key, thumb_key",
                                   (photo_id,)).fetchone()
        except psycopg.Error as exc:
            raise from_db(exc) from None
        if row is None:
            raise DomainError("photos.cannot_remove")
        store.delete(row["object_key"])
        store.delete(row["thumb_key"])


# The subjects whose photos may go on the public 晒 board (the database checks the same).
PUBLISHABLE = ("event", "milestone")


def set_public(user, photo_id: int, public_as: str | None) -> None:
    """Mark a photo 可公开 as the board's `public_as` picture ('before' or 'after'), or None to keep
    it for staff only: street staff for their street, district staff for any photo (row-level
    security decides; the database checks the kind and the stage and stamps who and when)."""
    if public_as is not None and public_as not in STAGES:
        raise DomainError("photos.bad_stage")
    with user.session() as conn:
        try:
            with conn.transaction():
                done = conn.execute("update public.photo set public_as = %s where id = %s",
                                    (public_as, photo_id)).rowcount
        except psycopg.Error as exc:
            raise from_db(exc) from None
    if not done:
        raise DomainError("photos.cannot_publish")

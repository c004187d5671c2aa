"""Reading photos as the signed-in user: the rows come through row-level security, and the bytes
are fetched from the store only for a row the user sees."""
from __future__ import annotations

from gongzhi.errors import DomainError
from gongzhi.photos import KINDS
from gongzhi.photos.storage import PhotoStore, store as configured_store

PER_SUBJECT = 60   # a gallery shows at most this many photos of one row, newest first


def photos(user, kind: str, subject_id: int) -> list[dict]:
    """The photos of one row the user sees (none when the row is not theirs to see)."""
    if kind not in KINDS:
        raise DomainError("photos.bad_subject")
    with user.session() as conn:
        return conn.execute(
            "select id, stage, content_type, size_bytes, width, height, caption, created_at, public_as from public.photo"
            " where subject_kind = %s and subject_id = %s order by created_at desc, id desc limit %s",
            (kind, subject_id, PER_SUBJECT)).fetchall()


# The link column of public.finding for each kind a finding may be reported up as.
LINKED_BY = {"demand": "demand_id", "event": "event_id"}


def linked(user, kind: str, subject_id: int) -> list[dict]:
    """The photos of the findings that were reported up as the `kind` row `subject_id` (a demand or
    an event), newest first, each with its finding's id and text: they stay on the finding and are
    shown where the finding went. Row-level security on the finding decides who sees them; the
    departments summoned to an event see the photos of its findings too, without the finding's
    text (`what` is None for them)."""
    column = LINKED_BY.get(kind)
    if column is None:
        raise DomainError("photos.bad_subject")
    summoned = "union select unnest(private.summoned_event_findings(%s))" if kind == "event" else ""
    params = (subject_id, subject_id, PER_SUBJECT) if kind == "event" else (subject_id, PER_SUBJECT)
    with user.session() as conn:
        return conn.execute(
            f"""select p.id, p.caption, p.created_at, p.subject_id as finding_id, f.what from public.photo p
                left join public.finding f on f.id = p.subject_id
                where p.subject_kind = 'finding'
                  and p.subject_id in (select f2.id from public.finding f2 where f2.{column} = %s {summoned})
                order by p.created_at desc, p.id desc limit %s""",
            params).fetchall()


def image(user, photo_id: int, thumb: bool = False, store: PhotoStore | None = None) -> tuple[bytes, str]:
    """(bytes, content type) of a photo or its thumbnail; DomainError('photos.missing') when the
    user does not see the photo's row — the same answer as for a photo that does not exist."""
    with user.session() as conn:
        row = conn.execute("select object_key, thumb_key, content_type from public.photo where id = %s",
                           (photo_id,)).fetchone()
    if row is None:
        raise DomainError("photos.missing")
    store = store or configured_store()
    if thumb:
        return store.get(row["thumb_key"]), "image/jpeg"
    return store.get(row["object_key"]), row["content_type"]


def has_after_photo(user, event_id: int) -> bool | None:
    """Whether the event has a photo taken after the fix (private.has_after_photo); None when the
    user does not see the event."""
    with user.session() as conn:
        return conn.execute("select private.has_after_photo(%s) as has", (event_id,)).fetchone()["has"]


def max_mb(user) -> int:
    """The district's largest accepted photo, in MB (security setting photos.max_mb)."""
    from gongzhi import security_settings
    with user.session() as conn:
        return int(security_settings.get(conn, "photos.max_mb"))

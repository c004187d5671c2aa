"""The 晒 board's before/after photos (整治前后): per street and community, the completed projects
and the closed whistle events that have photos staff marked 可公开 (`public.photo.public_as`), newest
first, at most LIST_LIMIT of them per page and PER_STAGE photos of each stage.

Only the marked photos are read, and only the keys of the cleaned image and its thumbnail (the
bytes are copied by `site.py` through the photo store); a project is named by its name, an event by
its category, never by its title or address; captions go through `public_text`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gongzhi import territory
from gongzhi.publish.sections import LIST_LIMIT, Block, Section, Tree, by_unit, public_text, register

PER_STAGE = 3   # photos of each stage shown per project or event


@dataclass(frozen=True)
class PublicPhoto:
    stage: str                          # before | after: how staff marked it
    object_key: str                     # the cleaned image (EXIF stripped, re-encoded), never the upload
    thumb_key: str
    caption: str


@dataclass
class GalleryItem:
    kind: str                           # project | event
    title: str | dict                   # a project's name; an event's category {zh, en}
    place: str                          # the unit it belongs to
    finished: str                       # ISO date: the project's end, the event's closing
    photos: list[PublicPhoto] = field(default_factory=list)


def _marked(conn) -> list[dict]:
    community = territory.sql_unit("x.terr", "community")
    return conn.execute(f"""
        with marked as (
          select 'project' as kind, p.id as item_id, p.terr, p.name as title, null::text as title_en,
                 o.name as place, coalesce(p.end_date, p.updated_at::date) as finished,
                 ph.id as photo_id, ph.public_as, ph.object_key, ph.thumb_key, ph.caption, ph.created_at
          from public.photo ph
          join public.project_milestone m on m.id = ph.subject_id
          join public.project p on p.id = m.project_id
          join public.org_unit o on o.id = p.org_unit_id
          where ph.subject_kind = 'milestone' and ph.public_as is not null and p.status = 'done'
          union all
          select 'event', e.id, e.terr, c.name_zh, c.name_en, o.name,
                 (e.closed_at at time zone 'Asia/Shanghai')::date,
                 ph.id, ph.public_as, ph.object_key, ph.thumb_key, ph.caption, ph.created_at
          from public.photo ph
          join public.event e on e.id = ph.subject_id
          join public.category c on c.id = e.category_id
          join public.org_unit o on o.id = e.org_unit_id
          where ph.subject_kind = 'event' and ph.public_as is not null and e.closed_at is not null),
        ranked as (
          select x.*, dense_rank() over (partition by {community}
                                         order by x.finished desc, x.kind, x.item_id desc) as n,
                 row_number() over (partition by x.kind, x.item_id, x.public_as
                                    order by x.created_at, x.photo_id) as k
          from marked x)
        select * from ranked where n <= %s and k <= %s
        order by finished desc, kind, item_id desc, public_as desc, created_at, photo_id""",
                        (LIST_LIMIT, PER_STAGE)).fetchall()


def _items(rows: list[dict]) -> list[GalleryItem]:
    items: dict[tuple[str, int], GalleryItem] = {}
    for r in rows:
        key = (r["kind"], r["item_id"])
        if key not in items:
            title = public_text(r["title"]) if r["kind"] == "project" else {"zh": r["title"], "en": r["title_en"]}
            items[key] = GalleryItem(r["kind"], title, r["place"], r["finished"].isoformat())
        items[key].photos.append(PublicPhoto(r["public_as"], r["object_key"], r["thumb_key"], public_text(r["caption"])))
    return list(items.values())


def _photos(conn, tree: Tree) -> dict[int, Block]:
    rows = _marked(conn)
    per_item = {}
    for r in rows:   # one row per item for by_unit, in the newest-first order
        per_item.setdefault((r["kind"], r["item_id"]), r)
    placed = by_unit(tree, list(per_item.values()))
    wanted = {}
    for r in rows:
        wanted.setdefault((r["kind"], r["item_id"]), []).append(r)
    blocks = {}
    for unit in tree.units:
        heads = placed.get(unit.id, [])[:LIST_LIMIT]
        if not heads:
            continue
        items = _items([r for h in heads for r in wanted[(h["kind"], h["item_id"])]])
        blocks[unit.id] = Block(figures={"photo_projects": sum(i.kind == "project" for i in items),
                                         "photo_events": sum(i.kind == "event" for i in items)},
                                galleries={"before_after": items})
    return blocks


PHOTO = register(Section("photo", _photos, requires="photo"))

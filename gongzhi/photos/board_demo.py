"""The demo's before/after photos for the public 晒 board, marked 可公开 as a street's staff would:

- a completed project of 长江路街道 (the newest one done, 丽水社区's first when it has one): on its
  last milestone, the fire lane blocked by a car (整治前) and the same lane clear, lines repainted
  (整治后);
- a closed whistle event of the same street: the bins overflowing (before) and the bins emptied,
  the pavement swept (after), taken at those stages.

Drawn with Pillow and cleaned like an upload (gongzhi.photos.demo does the same for its scenes),
stored in the configured photo store under keys named by subject and bytes. Called by
`gongzhi.demo.load_demo` after the other photos, as the owner; about 60 kB in all.
"""
from __future__ import annotations

import psycopg
from PIL import ImageDraw
from psycopg.rows import tuple_row

from gongzhi.photos import demo as scenes, images
from gongzhi.photos.storage import PhotoStore, store as configured_store

STREET = "长江路街道"
COMMUNITY = "丽水社区"


def _fire_lane_clear(draw: ImageDraw.ImageDraw) -> None:
    """The same fire lane in daylight, the car gone, the yellow hatching repainted."""
    scenes._sky(draw, (150, 190, 230), (210, 226, 240), 220)
    draw.rectangle([0, 60, 640, 240], fill=(196, 170, 146))
    for col in range(8):
        for row in range(3):
            x, y = 30 + col * 78, 80 + row * 52
            draw.rectangle([x, y, x + 40, y + 30], fill=(110, 140, 170))
    draw.rectangle([0, 240, 640, 480], fill=(126, 126, 124))
    draw.rectangle([60, 280, 580, 460], outline=(250, 214, 20), width=8)
    for x in range(60, 580, 40):
        draw.line([(x, 460), (x + 60, 280)], fill=(250, 214, 20), width=6)
    draw.rectangle([0, 250, 640, 262], fill=(220, 44, 40))
    draw.rectangle([596, 150, 602, 300], fill=(90, 90, 90))
    draw.ellipse([572, 110, 626, 164], fill=(20, 60, 160), outline=(210, 30, 30), width=7)
    draw.line([(580, 118), (618, 156)], fill=(210, 30, 30), width=7)


def _bins_emptied(draw: ImageDraw.ImageDraw) -> None:
    """The south gate's bins emptied, lids shut, the pavement swept."""
    scenes._sky(draw, (176, 206, 232), (226, 234, 240), 200)
    draw.rectangle([0, 120, 640, 260], fill=(150, 150, 160))
    draw.rectangle([250, 60, 390, 260], fill=(120, 110, 100))
    draw.rectangle([270, 60, 370, 260], fill=(176, 206, 232))
    draw.rectangle([0, 260, 640, 480], fill=(180, 174, 166))
    for x0, color in ((120, (30, 120, 60)), (300, (60, 80, 150))):
        draw.rectangle([x0, 250, x0 + 130, 420], fill=color)
        draw.rectangle([x0 - 6, 236, x0 + 136, 252], fill=tuple(c - 20 for c in color))


def _attach(cur, store: PhotoStore, kind: str, subject_id: int, data: bytes, stage: str, caption: str,
            staged: bool) -> None:
    """One photo of the `kind` row, marked public as `stage` (an event's photo also taken at it)."""
    clean = images.clean(data, 10 * 1024 * 1024)
    key, thumb = scenes.keys_of(kind, subject_id, clean)
    photo = cur.execute(
        "insert into public.photo (subject_kind, subject_id, stage, object_key, thumb_key, content_type, size_bytes,"
        " width, height, caption) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
        (kind, subject_id, stage if staged else None, key, thumb, clean.content_type, len(clean.data), clean.width,
         clean.height, caption)).fetchone()[0]
    cur.execute("update public.photo set public_as = %s where id = %s", (stage, photo))
    scenes.put(store, key, thumb, clean)


def load(conn: psycopg.Connection, store: PhotoStore | None = None) -> int:
    """Attach and mark the demo's before/after photos; returns how many (0 when the demo has no
    completed project or closed event in the street)."""
    store = store or configured_store()
    cur = conn.cursor(row_factory=tuple_row)
    n = 0
    milestone = cur.execute(
        """select m.id from public.project p join public.project_milestone m on m.project_id = p.id
           join public.org_unit s on s.kind = 'street' and s.name = %s
           join public.org_unit o on o.id = p.org_unit_id
           where p.status = 'done' and p.street_id = s.id
           order by (o.name = %s) desc, p.end_date desc nulls last, p.id, m.position desc, m.id desc limit 1""",
        (STREET, COMMUNITY)).fetchone()
    if milestone is not None:
        _attach(cur, store, "milestone", milestone[0], scenes.picture("fire_lane"), "before",
                "整治前：消防通道长期被车辆占用", False)
        _attach(cur, store, "milestone", milestone[0], scenes.drawn(_fire_lane_clear), "after",
                "整治后：消防通道畅通，标线重新施划", False)
        n += 2
    event = cur.execute(
        """select e.id from public.event e join public.org_unit s on s.kind = 'street' and s.name = %s
           where e.closed_at is not null and e.street_id = s.id order by e.closed_at desc, e.id desc limit 1""",
        (STREET,)).fetchone()
    if event is not None:
        _attach(cur, store, "event", event[0], scenes.picture("bin"), "before", "垃圾桶满溢，周边散落垃圾袋", True)
        _attach(cur, store, "event", event[0], scenes.drawn(_bins_emptied), "after", "清运完毕，地面已清扫", True)
        n += 2
    return n

"""The demo district's 随手拍 photos: four street scenes drawn simply with Pillow at load time (a
street lamp out at night, cartons piled in a stairwell, a car parked across the fire lane, a
rubbish bin overflowing), attached to

- three of 丽水社区's messages on the suggestion box (the lamp, the bin, the stairwell), which the
  community's triage board shows;
- the findings of a night patrol of 丽水社区第一网格 an hour before the demo was loaded: cartons in
  the stairwell (solved on the spot), the lamp (reported up as a demand) and the fire lane (whistled
  up as an event to the departments its category is routed to) — shown on the grid worker's rounds,
  on the demand and on the event, where a finding's photos follow it.

Called by `gongzhi.demo.load_demo` in its transaction, as the owner. Each picture goes through
`gongzhi.photos.images.clean` like an upload and its bytes into the configured photo store, under a
key derived from its subject and bytes: loading the demo again into the same store finds the file
already there. The captions are Chinese text in the rows, not in the pixels.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Callable

import psycopg
from PIL import Image, ImageDraw
from psycopg.rows import tuple_row

from gongzhi.clock import BEIJING
from gongzhi.errors import DomainError
from gongzhi.photos import images
from gongzhi.photos.storage import PhotoStore, store as configured_store

SIZE = (640, 480)
COMMUNITY = "丽水社区"
GRID = "丽水社区第一网格"
PATROL_PLACE = "小区东门至5号楼"
# (the start of a demo message's text, the scene, the caption)
MESSAGE_PHOTOS = [
    ("3号楼东侧路灯坏了", "lamp", "3号楼东侧的路灯，晚上一直不亮"),
    ("小区南门外的垃圾桶", "bin", "南门外的垃圾桶，上午十点还没清运"),
    ("5号楼楼道里堆了很多纸箱", "cartons", "5号楼一单元楼道，纸箱堆到了楼梯口"),
]
# (what was found, category code, outcome, the scene, the caption)
FINDINGS = [
    ("楼道堆放纸箱杂物", None, "on_spot", "cartons", "5号楼楼道纸箱，已督促住户当场清理"),
    ("路灯损坏，夜间照明不足", "repair", "demand", "lamp", "东门内第二盏路灯不亮"),
    ("消防通道被私家车占用", "safety", "event", "fire_lane", "东门消防通道被私家车占用，车主电话无人接听"),
]


# ---------------------------------------------------------------- the scenes
def _sky(draw: ImageDraw.ImageDraw, top: tuple[int, int, int], bottom: tuple[int, int, int], height: int) -> None:
    for y in range(height):
        f = y / max(height - 1, 1)
        draw.line([(0, y), (SIZE[0], y)], fill=tuple(int(a + (b - a) * f) for a, b in zip(top, bottom)))


def _lamp(draw: ImageDraw.ImageDraw) -> None:
    """Night: a residential block, a road, one lamp lit far off and the near one dark."""
    _sky(draw, (12, 16, 40), (40, 48, 80), 300)
    draw.rectangle([40, 110, 300, 300], fill=(58, 60, 72))
    for row in range(4):
        for col in range(6):
            lit = (row * 6 + col) % 4 == 1
            x, y = 60 + col * 40, 130 + row * 40
            draw.rectangle([x, y, x + 20, y + 22], fill=(236, 200, 110) if lit else (34, 36, 46))
    draw.rectangle([0, 300, 640, 480], fill=(52, 52, 56))
    draw.polygon([(0, 380), (640, 360), (640, 372), (0, 394)], fill=(92, 92, 96))
    draw.pieslice([470, 150, 610, 330], 60, 120, fill=(120, 104, 60))          # the far lamp's light
    draw.rectangle([537, 110, 543, 330], fill=(90, 90, 96))
    draw.ellipse([524, 96, 556, 116], fill=(255, 236, 160))
    draw.rectangle([297, 60, 307, 420], fill=(80, 82, 88))                     # the near lamp, out
    draw.line([(302, 64), (362, 64)], fill=(80, 82, 88), width=8)
    draw.polygon([(344, 60), (382, 60), (374, 84), (352, 84)], fill=(30, 32, 36))
    draw.line([(354, 86), (372, 86)], fill=(70, 70, 74), width=2)


def _cartons(draw: ImageDraw.ImageDraw) -> None:
    """A stairwell: a pale wall, steps going up, cartons and a bag piled at the foot of the stairs."""
    draw.rectangle([0, 0, 640, 480], fill=(214, 210, 198))
    draw.rectangle([0, 0, 640, 120], fill=(232, 230, 222))
    draw.rectangle([0, 380, 640, 480], fill=(150, 146, 138))
    for i in range(7):                                                          # the steps
        x = 380 + i * 36
        draw.rectangle([x, 380 - i * 34, 640, 380 - (i - 1) * 34], fill=(170 - i * 4, 166 - i * 4, 158 - i * 4))
    draw.line([(380, 300), (640, 60)], fill=(90, 70, 50), width=6)              # the handrail
    boxes = [(40, 270, 190, 385), (170, 300, 320, 385), (70, 180, 200, 275), (200, 220, 300, 302),
             (110, 110, 220, 182), (300, 330, 390, 385)]
    for n, (x0, y0, x1, y1) in enumerate(boxes):
        draw.rectangle([x0, y0, x1, y1], fill=(176 - n * 6, 128 - n * 4, 72), outline=(110, 78, 40), width=3)
        mid = (x0 + x1) // 2
        draw.rectangle([mid - 6, y0, mid + 6, y1], fill=(200, 180, 140))         # tape
    draw.ellipse([300, 250, 400, 340], fill=(30, 30, 34))                       # a bag of rubbish
    draw.polygon([(340, 250), (350, 228), (362, 252)], fill=(30, 30, 34))
    draw.rectangle([560, 150, 600, 210], fill=(200, 40, 40))                    # the fire extinguisher box, blocked
    draw.rectangle([566, 160, 594, 200], fill=(240, 236, 230))


def _fire_lane(draw: ImageDraw.ImageDraw) -> None:
    """Day: a block, the fire lane's yellow hatching and red kerb, a car parked across it."""
    _sky(draw, (150, 190, 230), (210, 226, 240), 220)
    draw.rectangle([0, 60, 640, 240], fill=(196, 170, 146))
    for col in range(8):
        for row in range(3):
            x, y = 30 + col * 78, 80 + row * 52
            draw.rectangle([x, y, x + 40, y + 30], fill=(110, 140, 170))
    draw.rectangle([0, 240, 640, 480], fill=(120, 120, 118))
    draw.rectangle([60, 280, 580, 460], outline=(236, 200, 20), width=6)
    for x in range(60, 580, 40):
        draw.line([(x, 460), (x + 60, 280)], fill=(236, 200, 20), width=5)
    draw.rectangle([0, 250, 640, 262], fill=(210, 40, 36))
    draw.rounded_rectangle([170, 300, 470, 410], radius=26, fill=(176, 30, 36))  # the car
    draw.polygon([(220, 300), (260, 240), (390, 240), (430, 300)], fill=(176, 30, 36))
    draw.polygon([(236, 298), (268, 252), (320, 252), (320, 298)], fill=(150, 190, 214))
    draw.polygon([(330, 298), (330, 252), (382, 252), (414, 298)], fill=(150, 190, 214))
    for x in (225, 415):
        draw.ellipse([x - 32, 380, x + 32, 444], fill=(24, 24, 26))
        draw.ellipse([x - 14, 398, x + 14, 426], fill=(150, 150, 154))
    draw.rectangle([596, 150, 602, 300], fill=(90, 90, 90))                     # the no-parking sign
    draw.ellipse([572, 110, 626, 164], fill=(20, 60, 160), outline=(210, 30, 30), width=7)
    draw.line([(580, 118), (618, 156)], fill=(210, 30, 30), width=7)


def _bin(draw: ImageDraw.ImageDraw) -> None:
    """Morning by the south gate: two bins full to the lid, bags on the pavement around them."""
    _sky(draw, (176, 206, 232), (226, 234, 240), 200)
    draw.rectangle([0, 120, 640, 260], fill=(150, 150, 160))
    draw.rectangle([250, 60, 390, 260], fill=(120, 110, 100))                   # the gate's pillars
    draw.rectangle([270, 60, 370, 260], fill=(176, 206, 232))
    draw.rectangle([0, 260, 640, 480], fill=(170, 164, 156))
    for x0, color in ((120, (30, 120, 60)), (300, (60, 80, 150))):
        draw.rectangle([x0, 250, x0 + 130, 420], fill=color)
        draw.rectangle([x0 - 6, 236, x0 + 136, 252], fill=tuple(c - 20 for c in color))
    for x, y, w, h, c in ((110, 200, 70, 50, (40, 40, 44)), (170, 190, 80, 62, (220, 220, 214)),
                          (300, 206, 90, 46, (40, 40, 44)), (360, 196, 60, 56, (60, 120, 190)),
                          (450, 380, 90, 70, (40, 40, 44)), (60, 400, 70, 56, (230, 226, 210)),
                          (520, 410, 60, 50, (200, 60, 50))):
        draw.ellipse([x, y, x + w, y + h], fill=c)


SCENES = {"lamp": _lamp, "cartons": _cartons, "fire_lane": _fire_lane, "bin": _bin}


def drawn(scene: Callable[[ImageDraw.ImageDraw], None]) -> bytes:
    """A scene drawn as a JPEG, as a phone would send it (before the portal cleans it)."""
    image = Image.new("RGB", SIZE)
    scene(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=72)
    return out.getvalue()


def picture(scene: str) -> bytes:
    """One of SCENES as a JPEG."""
    return drawn(SCENES[scene])


# ---------------------------------------------------------------- the rows
def keys_of(kind: str, subject_id: int, clean: images.Clean) -> tuple[str, str]:
    """The photo's and its thumbnail's keys: named by the subject and the bytes, so a key always
    holds the same picture."""
    name = hashlib.blake2b(f"{kind}/{subject_id}/".encode() + clean.data, digest_size=16).hexdigest()
    return f"{kind}/{subject_id}/{name}.{clean.ext}", f"{kind}/{subject_id}/{name}.thumb.jpg"


def _attach(cur: psycopg.Cursor, store: PhotoStore, kind: str, subject_id: int, scene: str, caption: str,
            at: dt.datetime, drawn: dict[str, images.Clean]) -> None:
    """One photo of the `kind` row `subject_id`, taken when the row was written (`at`)."""
    if scene not in drawn:
        drawn[scene] = images.clean(picture(scene), 10 * 1024 * 1024)
    clean = drawn[scene]
    key, thumb = keys_of(kind, subject_id, clean)
    cur.execute("insert into public.photo (subject_kind, subject_id, object_key, thumb_key, content_type, size_bytes,"
                " width, height, caption, created_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (kind, subject_id, key, thumb, clean.content_type, len(clean.data), clean.width, clean.height,
                 caption, at))
    put(store, key, thumb, clean)


def put(store: PhotoStore, key: str, thumb: str, clean: images.Clean) -> None:
    """A cleaned photo and its thumbnail into the store, once: keys are named by the bytes, so a key
    already there (an earlier load of the demo) holds the same picture."""
    for k, body, ctype in ((key, clean.data, clean.content_type), (thumb, clean.thumb, "image/jpeg")):
        try:
            store.put(k, body, ctype)
        except FileExistsError:
            pass
        except DomainError as exc:
            if exc.key != "error.duplicate":
                raise


def load(conn: psycopg.Connection, store: PhotoStore | None = None, now: dt.datetime | None = None) -> int:
    """Attach the demo photos (after the suggestion box's and the grid worker's demo rows exist);
    returns how many."""
    store = store or configured_store()
    now = now or dt.datetime.now(dt.timezone.utc)
    cur = conn.cursor(row_factory=tuple_row)
    drawn: dict[str, images.Clean] = {}
    n = 0
    for start, scene, caption in MESSAGE_PHOTOS:
        row = cur.execute("select s.id, s.created_at from public.suggestion s join public.org_unit o on o.id = s.org_unit_id"
                          " where o.name = %s and starts_with(s.body, %s) order by s.id limit 1",
                          (COMMUNITY, start)).fetchone()
        if row is not None:
            _attach(cur, store, "suggestion", row[0], scene, caption, row[1], drawn)
            n += 1
    grid = cur.execute("select id from public.org_unit where name = %s and kind = 'grid'", (GRID,)).fetchone()[0]
    # An hour ago, but today in Beijing (the rounds page shows today's): after midnight there, at midnight.
    at = max(now - dt.timedelta(hours=1), dt.datetime.combine(now.astimezone(BEIJING).date(), dt.time(), BEIJING))
    visit = cur.execute(
        """insert into public.visit (kind, org_unit_id, visited_at, visited_on, place, people_met, note, created_at)
           values ('patrol', %s, %s, %s, %s, '物业保安', '夜间巡查', %s) returning id""",
        (grid, at, at.astimezone(BEIJING).date(), PATROL_PLACE, at)).fetchone()[0]
    categories = dict(cur.execute("select code, id from public.category"))
    for what, category, outcome, scene, caption in FINDINGS:
        demand = event = None
        if outcome == "demand":
            demand = cur.execute(
                "insert into public.demand (org_unit_id, category_id, title, address, description, created_at)"
                " values (%s, %s, %s, %s, %s, %s) returning id",
                (grid, categories[category], what, PATROL_PLACE, f"{PATROL_PLACE}：{what}", at)).fetchone()[0]
        elif outcome == "event":
            departments = [r[0] for r in cur.execute(
                "select department_id from public.event_routing where category_id = %s order by position",
                (categories[category],))]
            event = cur.execute(
                "insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments)"
                " values (%s, %s, %s, %s, %s, 'urgent', %s) returning id",
                (grid, categories[category], what, f"{PATROL_PLACE}：{what}", PATROL_PLACE, departments)).fetchone()[0]
        finding = cur.execute(
            "insert into public.finding (visit_id, what, outcome, demand_id, event_id, created_at)"
            " values (%s, %s, %s, %s, %s, %s) returning id", (visit, what, outcome, demand, event, at)).fetchone()[0]
        _attach(cur, store, "finding", finding, scene, caption, at, drawn)
        n += 1
    return n

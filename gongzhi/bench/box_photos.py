"""`bench box_photos`: 随手拍 on the suggestion box and the photo sweep.

`submit_photo_ms` is one resident's message with one phone-sized photo (1600×1200 JPEG, EXIF
included) through the portal's path (gongzhi.suggest.commands.submit: the photo sniffed, decoded,
re-encoded without metadata and thumbnailed, public.submit_suggestion_with_photos with every
limit, the bytes into a folder store); its baseline is the same message without a photo in the
same run (`submit_ms`), and `clean_ms` is the photo's cleaning alone, to show where the time goes.
`sweep_ms` is a dry-run sweep of a folder store holding FILES photo files (none named by a row);
its baseline is listing those files alone. The messages go into a demo district of their own
and are deleted afterwards; the files into a temporary folder.
"""
from __future__ import annotations

import io
import itertools
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from gongzhi import db
from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at

NAME = "box_photos"
DATABASE = "gongzhi_bench_box_photos"
FILES = 20_000
BODY = "小区南门外的路灯坏了，晚上很黑，附上现场照片。"


def _phone_photo() -> bytes:
    """A 1600×1200 JPEG with camera EXIF, about the size a phone sends after its own compression."""
    from PIL import Image
    image = Image.effect_mandelbrot((1600, 1200), (-2.0, -1.2, 1.0, 1.2), 60).convert("RGB")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Huawei", "P60"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _files(store, n: int) -> None:
    old = time.time() - 7200
    for i in range(n):
        key = f"suggestion/{900_000 + i // 10}/{uuid.uuid4().hex}.jpg"
        store.put(key, b"x", "image/jpeg")
        os.utime(store.root / key, (old, old))


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    from gongzhi.photos import images, sweep
    from gongzhi.photos.storage import FolderStore
    from gongzhi.suggest import commands

    url = bench_url(demands=0, resources=0, keep=keep, database=DATABASE)
    photo = _phone_photo()
    folder = Path(tempfile.mkdtemp(prefix="gongzhi-bench-photos-"))
    figures: dict[str, float] = {"photo_kb": round(len(photo) / 1024)}
    try:
        with pointing_at(url), psycopg.connect(url, autocommit=True) as conn:
            community = conn.execute("select code from public.org_unit where name = '丽水社区'").fetchone()[0]
            conn.execute("insert into public.security_setting (key, value) values"
                         " ('suggestion.per_community_hour', '10000'), ('suggestion.photos_per_community_day', '5000')"
                         " on conflict (key) do update set value = excluded.value")
            store = FolderStore(folder / "submitted")
            counter = itertools.count(1)

            def submit(photos: list[bytes]) -> None:
                n = next(counter)
                commands.submit(community, "repair", "complaint", BODY, None, True, f"198.19.{n // 250}.{n % 250}",
                                photos=photos, store=store)

            figures["submit_ms"] = timed_ms(lambda: submit([]))
            figures["submit_photo_ms"] = timed_ms(lambda: submit([photo]))
            figures["clean_ms"] = timed_ms(lambda: images.clean(photo, 10 * 1024 * 1024))
            figures["submit_photo_ratio"] = round(figures["submit_photo_ms"] / figures["submit_ms"], 2)
            conn.execute("delete from public.suggestion where body = %s", (BODY,))

            swept = FolderStore(folder / "sweep")
            _files(swept, FILES)
            figures["sweep_files"] = FILES
            with db.owner() as owner:
                figures["sweep_ms"] = timed_ms(lambda: sweep.sweep(owner, store=swept, dry_run=True), repeat=3, warmup=1)
            figures["sweep_listing_ms"] = timed_ms(lambda: list(swept.listing()), repeat=3, warmup=1)
            figures["sweep_ratio"] = round(figures["sweep_ms"] / figures["sweep_listing_ms"], 2)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return figures

"""Photo tests: pictures made on the spot with Pillow, and signed-in demo accounts on a database of
the test's own."""
import io

import pytest
from PIL import Image

from gongzhi.auth import load_identity
from gongzhi.db import owner
from tests.conftest import ACCOUNTS


def picture(fmt: str = "JPEG", size=(640, 480), exif: bytes | None = None, color=(200, 60, 40)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", size, color)
    kw = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kw)
    return out.getvalue()


def gps_exif() -> bytes:
    """EXIF naming a camera and a place (the GPS block): 30°35'N 114°17'E, Wuhan."""
    exif = Image.Exif()
    exif[0x010F] = "Huawei"           # Make
    exif[0x0110] = "P60"              # Model
    exif[0x0132] = "2026:12:01 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 35.0, 0.0)
    gps[3], gps[4] = "E", (114.0, 17.0, 0.0)
    return exif.tobytes()


def identity(email_or_key: str):
    email = ACCOUNTS.get(email_or_key, email_or_key)
    with owner() as conn:
        user_id = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()["id"]
    return load_identity(str(user_id), {"aal": "aal2"})


def unit(name: str) -> int:
    with owner() as conn:
        return conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()["id"]


def grid_worker_of(unit_name: str):
    """A signed-in grid worker of the grid `unit_name` (another than the demo `grid` account's)."""
    with owner() as conn:
        row = conn.execute("select u.email from public.staff s join public.org_unit o on o.id = s.org_unit_id"
                           " join auth.users u on u.id = s.user_id where o.name = %s and s.role = 'grid' and s.active"
                           " order by u.email limit 1", (unit_name,)).fetchone()
    assert row, unit_name
    return identity(row["email"])


def new_demand(unit_name: str) -> int:
    with owner() as conn:
        cat = conn.execute("select id from public.category order by id limit 1").fetchone()["id"]
        return conn.execute("insert into public.demand (org_unit_id, category_id, title) values (%s, %s, '楼道灯坏了')"
                            " returning id", (unit(unit_name), cat)).fetchone()["id"]


@pytest.fixture
def photo_db(fresh_db):
    return fresh_db

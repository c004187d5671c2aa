"""随手拍 on the suggestion box, as the portal calls it (gongzhi.suggest.commands.submit with
photos, the folder store): each photo is sniffed, re-encoded and stripped of EXIF and GPS before it
is stored; the community's staff read the thumbnails; a bad file, too many photos or a failing
store leave no message, no photo row and no file."""
import io

import pytest
from PIL import Image

from gongzhi import db
from gongzhi.errors import DomainError
from gongzhi.photos import queries as photo_queries
from gongzhi.photos.storage import FolderStore
from gongzhi.suggest import commands, queries
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of
from tests.photos.conftest import gps_exif, picture

BODY = "菜市场路口的井盖松动，下雨天有积水，老人经过很危险。"


@pytest.fixture
def store(fresh_db, tmp_path):
    return FolderStore(tmp_path / "photos")


def _community(name="丽水社区") -> str:
    with db.owner() as conn:
        return conn.execute("select code from public.org_unit where name = %s", (name,)).fetchone()["code"]


def _submit(photos, store, name="丽水社区") -> commands.Submitted:
    return commands.submit(_community(name), "repair", "complaint", BODY, None, True, "198.51.100.31",
                           photos=photos, store=store)


def _files(store) -> list:
    return sorted(p for p in store.root.rglob("*") if p.is_file()) if store.root.exists() else []


def _counts() -> tuple[int, int]:
    with db.owner() as conn:
        row = conn.execute("select (select count(*) from public.suggestion where body = %s) as s,"
                           " (select count(*) from public.photo where subject_kind = 'suggestion') as p",
                           (BODY,)).fetchone()
    return row["s"], row["p"]


def test_photos_are_cleaned_stored_and_seen_by_the_community(store):
    new = _submit([picture("JPEG", exif=gps_exif()), picture("PNG", size=(300, 900))], store)
    files = _files(store)
    assert len(files) == 4 and all(str(p.relative_to(store.root)).startswith(f"suggestion/{new.id}/") for p in files)
    staff = identity_of(DEMO_EMAILS["community"])
    rows = photo_queries.photos(staff, "suggestion", new.id)
    assert sorted(r["content_type"] for r in rows) == ["image/jpeg", "image/png"]
    jpeg = next(r for r in rows if r["content_type"] == "image/jpeg")
    body, ctype = photo_queries.image(staff, jpeg["id"], store=store)
    with Image.open(io.BytesIO(body)) as image:
        assert ctype == "image/jpeg" and not image.getexif() and "exif" not in image.info
    thumb, _ = photo_queries.image(staff, jpeg["id"], thumb=True, store=store)
    with Image.open(io.BytesIO(thumb)) as image:
        assert max(image.size) <= 320
    grid = identity_of(DEMO_EMAILS["grid"])
    assert photo_queries.photos(grid, "suggestion", new.id) == []
    with pytest.raises(DomainError) as refused:
        photo_queries.image(grid, jpeg["id"], store=store)
    assert refused.value.key == "photos.missing"
    found = queries.lookup(new.code)
    assert found["status"] == "received" and "photo" not in str(found)


@pytest.mark.parametrize("bad, key", [
    (b"this is a text file renamed to photo.jpg", "photos.bad_type"),
    (b"GIF89a" + b"\x00" * 64, "photos.bad_type"),
    (b"\xff\xd8\xff\xe0 broken jpeg", "photos.unreadable"),
    (b"", "photos.empty"),
])
def test_a_bad_file_refuses_the_whole_message(store, bad, key):
    before = _counts()
    with pytest.raises(DomainError) as refused:
        _submit([picture("JPEG"), bad], store)
    assert refused.value.key == key
    assert _counts() == before and _files(store) == []


def test_a_photo_over_the_boxs_size_is_refused(store):
    with db.owner() as conn:
        conn.execute("insert into public.security_setting (key, value) values ('suggestion.photo_max_mb', '1')"
                     " on conflict (key) do update set value = excluded.value")
    noise = Image.effect_noise((1400, 1400), 100).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 1024 * 1024
    before = _counts()
    with pytest.raises(DomainError) as refused:
        _submit([out.getvalue()], store)
    assert refused.value.key == "photos.too_large" and refused.value.params == {"mb": 1}
    assert _counts() == before and _files(store) == []


def test_more_photos_than_the_district_allows_are_refused_with_the_number(store):
    before = _counts()
    with pytest.raises(DomainError) as refused:
        _submit([picture("JPEG")] * 4, store)
    assert refused.value.key == "suggestion.photos_limit" and refused.value.params == {"n": 3}
    assert _counts() == before and _files(store) == []


class FailingStore(FolderStore):
    """A folder store that fails on its third put (the second photo's image)."""

    def __init__(self, root):
        super().__init__(root)
        self.puts = 0

    def put(self, key, data, content_type):
        self.puts += 1
        if self.puts == 3:
            raise DomainError("photos.store_unreachable")
        super().put(key, data, content_type)


def test_a_failing_store_leaves_no_message_and_no_file(fresh_db, tmp_path):
    store = FailingStore(tmp_path / "photos")
    before = _counts()
    with pytest.raises(DomainError) as refused:
        _submit([picture("JPEG"), picture("PNG")], store)
    assert refused.value.key == "photos.store_unreachable"
    assert _counts() == before and _files(store) == []

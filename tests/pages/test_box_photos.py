"""随手拍 on the suggestion box under AppTest with the real app.py: a resident signed out attaches a
photo with GPS EXIF to a message and gets a code; the community's triage board shows its thumbnail
and opens it; following the code shows no photo; a file that is not a photo is refused in Chinese
and neither the message nor any file is kept."""
import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from gongzhi import db
from tests.pages.conftest import APP, TIMEOUT
from tests.photos.conftest import gps_exif, picture

BODY = "丽水社区3号楼东侧路灯坏了一个多星期，晚上看不清路。"


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _box() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/box.py").run()
    assert not at.exception
    return at


def _write(at, photos) -> None:
    at.text_area(key="box_body").input(BODY)
    at.checkbox(key="box_notice_seen").check()
    at.file_uploader(key="box_photos_0").set_value(photos)
    at.button[0].click().run()


def _rows():
    with db.owner() as conn:
        return conn.execute("select s.id, p.id as photo, p.object_key from public.suggestion s"
                            " left join public.photo p on p.subject_kind = 'suggestion' and p.subject_id = s.id"
                            " where s.body = %s", (BODY,)).fetchall()


def test_a_resident_attaches_a_photo_and_the_community_sees_its_thumbnail(fresh_db, own_data_dir, app_as):
    at = _box()
    assert "最多 3 张" in at.file_uploader(key="box_photos_0").label
    _write(at, [("路灯.jpg", picture("JPEG", exif=gps_exif()), "image/jpeg")])
    assert not at.exception and not at.error
    assert "查询码" in at.success[0].value and any("已附 1 张照片" in c.value for c in at.caption)
    code = at.session_state["box_code"]
    rows = _rows()
    assert len(rows) == 1 and rows[0]["photo"] is not None
    stored = (own_data_dir / "photos" / rows[0]["object_key"]).read_bytes()
    assert b"Huawei" not in stored and Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825) == {}

    at.radio(key="box_view").set_value("track").run()
    at.text_input(key="box_track_code").input(code)
    at.button[0].click().run()
    assert not at.exception and "已收到" in at.subheader[0].value
    assert len(at.image) == 0

    staff = app_as("community", "pages/suggestions.py").run()
    staff.selectbox(key="triage_pick").set_value(rows[0]["id"]).run()
    assert not staff.exception
    assert any(m.value == "**居民随手拍**" for m in staff.markdown)
    assert len(staff.image) == 1
    staff.button(key=f"photos_suggestion_{rows[0]['id']}_open_{rows[0]['photo']}").click().run()
    assert not staff.exception and len(staff.image) == 2
    assert not [b for b in staff.button if b.label == "删除"]     # a resident's photo is read here, not removed


def test_a_file_that_is_not_a_photo_refuses_the_message(fresh_db, own_data_dir):
    at = _box()
    _write(at, [("路灯.jpg", picture("JPEG"), "image/jpeg"), ("假照片.jpg", b"not a photo at all", "image/jpeg")])
    assert any("只接受 JPEG、PNG 或 WebP" in e.value for e in at.error)
    assert not at.success and _rows() == []
    assert not (own_data_dir / "photos").exists() or not list((own_data_dir / "photos").rglob("*.*"))
    assert at.text_area(key="box_body").value == BODY       # what was typed is kept to try again

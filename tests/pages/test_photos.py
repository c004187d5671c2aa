"""Photos through the real pages: a grid worker uploads an after-the-fix photo with GPS EXIF to an
event, sees its thumbnail and opens it full size; a file that is not a photo is refused with a
message and nothing is stored; a demand's detail shows its gallery."""
import io

import pytest
from PIL import Image

from gongzhi.db import owner
from tests.photos.conftest import gps_exif, picture


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _db(sql, *params):
    with owner() as conn:
        return conn.execute(sql, params).fetchall()


def _no_errors(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_a_grid_worker_uploads_an_after_photo_to_an_event(app_as, own_data_dir):
    at = app_as("grid", "pages/events.py").run()
    _no_errors(at)
    event_id = at.selectbox(key="ev_selected").value
    where = f"photos_event_{event_id}"
    assert at.radio(key=f"{where}_stage").options == ["整改前", "整改后"]
    at.file_uploader(key=f"{where}_file").set_value(("现场.jpg", picture("JPEG", exif=gps_exif()), "image/jpeg"))
    at.radio(key=f"{where}_stage").set_value("after")
    at.text_input(key=f"{where}_caption").input("积水已排干")
    at.button(key=f"FormSubmitter:{where}_form-上传照片").click().run()
    _no_errors(at)
    rows = _db("select id, stage, caption, object_key from public.photo where subject_kind = 'event' and subject_id = %s",
               event_id)
    assert [(r["stage"], r["caption"]) for r in rows] == [("after", "积水已排干")]
    assert any("照片已上传" in s.value for s in at.success)
    stored = (own_data_dir / "photos" / rows[0]["object_key"]).read_bytes()
    assert b"Huawei" not in stored and Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825) == {}
    assert _db("select private.has_after_photo(%s) as a", event_id)[0]["a"] is True
    assert len(at.image) == 1                       # the thumbnail
    at.button(key=f"{where}_open_{rows[0]['id']}").click().run()
    _no_errors(at)
    assert len(at.image) == 2                       # and the photo at full size

    # A text file named like a photo: refused by its bytes, with a message; nothing stored.
    at.file_uploader(key=f"{where}_file").set_value(("假照片.jpg", b"not a photo at all", "image/jpeg"))
    at.button(key=f"FormSubmitter:{where}_form-上传照片").click().run()
    assert any("只接受 JPEG、PNG 或 WebP" in e.value for e in at.error)
    assert len(_db("select id from public.photo where subject_kind = 'event' and subject_id = %s", event_id)) == 1
    # No file chosen at all: asked for one.
    at.button(key=f"FormSubmitter:{where}_form-上传照片").click().run()
    assert any("请先选择一张照片" in e.value for e in at.error)
    assert len(list((own_data_dir / "photos").rglob("*.jpg"))) == 2


def test_a_demand_detail_shows_its_gallery_and_takes_a_photo(app_as):
    at = app_as("grid", "pages/demands.py").run()
    at.session_state["demand_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    _no_errors(at)
    demand_id = int(at.subheader[0].value.split()[0].lstrip("#"))
    where = f"photos_demand_{demand_id}"
    assert any(m.value == "**随手拍**" for m in at.markdown)
    at.file_uploader(key=f"{where}_file").set_value(("楼道.png", picture("PNG"), "image/png"))
    at.button(key=f"FormSubmitter:{where}_form-上传照片").click().run()
    _no_errors(at)
    assert [r["content_type"] for r in _db("select content_type from public.photo where subject_kind = 'demand'"
                                           " and subject_id = %s", demand_id)] == ["image/png"]
    assert len(at.image) == 1


def test_a_milestone_takes_a_photo(app_as):
    at = app_as("street", "pages/projects.py").run()
    at.text_input(key="project_f_keyword").input("长江路街道").run()
    at.session_state["project_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    project = int(at.subheader[0].value.split()[0].lstrip("#"))
    at.text_input(key=f"milestone_new_{project}_title").input("竣工验收")
    at.button(key=f"FormSubmitter:milestone_new_{project}-添加节点").click().run()
    milestone = _db("select id from public.project_milestone where project_id = %s and title = '竣工验收'", project)[0]["id"]
    at.toggle(key=f"milestone_photos_{milestone}").set_value(True).run()
    _no_errors(at)
    where = f"photos_milestone_{milestone}"
    at.file_uploader(key=f"{where}_file").set_value(("验收.webp", picture("WEBP"), "image/webp"))
    at.button(key=f"FormSubmitter:{where}_form-上传照片").click().run()
    _no_errors(at)
    assert [r["content_type"] for r in _db("select content_type from public.photo where subject_kind = 'milestone'"
                                           " and subject_id = %s", milestone)] == ["image/webp"]
    assert len(at.image) == 1

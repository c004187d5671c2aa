"""可公开 on the pages where photos show: street staff mark a milestone's photo public as the board's
before or after picture and take it back; staff who may not decide it see no such control."""
import pytest

from gongzhi.db import owner
from tests.photos.conftest import picture


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


def _milestone_with_photo(at, unit: str = "长江路街道") -> tuple[str, int]:
    at.text_input(key="project_f_keyword").input(unit).run()
    at.session_state["project_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    project = int(at.subheader[0].value.split()[0].lstrip("#"))
    at.text_input(key=f"milestone_new_{project}_title").input("竣工验收")
    at.button(key=f"FormSubmitter:milestone_new_{project}-添加节点").click().run()
    milestone = _db("select id from public.project_milestone where project_id = %s and title = '竣工验收'", project)[0]["id"]
    at.toggle(key=f"milestone_photos_{milestone}").set_value(True).run()
    where = f"photos_milestone_{milestone}"
    at.file_uploader(key=f"{where}_file").set_value(("验收.jpg", picture("JPEG"), "image/jpeg"))
    at.button(key=f"FormSubmitter:{where}_form-上传照片").click().run()
    _no_errors(at)
    photo = _db("select id from public.photo where subject_kind = 'milestone' and subject_id = %s", milestone)[0]["id"]
    return where, photo


def test_street_staff_mark_a_milestone_photo_public_and_take_it_back(app_as):
    at = app_as("street", "pages/projects.py").run()
    where, photo = _milestone_with_photo(at)
    at.button(key=f"{where}_public_{photo}_after").click().run()
    _no_errors(at)
    assert _db("select public_as from public.photo where id = %s", photo)[0]["public_as"] == "after"
    assert any("下次发布晒台时出现" in s.value for s in at.success)
    assert any("已公开（整改后）" in c.value for c in at.caption)
    at.button(key=f"{where}_public_{photo}").click().run()
    _no_errors(at)
    assert _db("select public_as from public.photo where id = %s", photo)[0]["public_as"] is None
    assert any("下次发布晒台时移除" in s.value for s in at.success)


def test_community_staff_see_no_control(app_as):
    at = app_as("community", "pages/projects.py").run()
    where, photo = _milestone_with_photo(at, "丽水社区")
    keys = {b.key for b in at.button}
    assert f"{where}_remove_{photo}" in keys, "the gallery is drawn"
    assert not any(k and k.startswith(f"{where}_public_") for k in keys)

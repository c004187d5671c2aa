"""Before/after photos on the public 晒 board: a photo is published only when street or district staff
marked it 可公开, only for a completed project's milestone or a closed whistle event, copied from the
photo store (both backends) as the cleaned image and its thumbnail under names derived from their
bytes; unmarking removes it from the next publish."""
import hashlib
import io
import json

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from gongzhi import publish
from gongzhi.errors import DomainError
from gongzhi.photos import commands
from gongzhi.photos.storage import FolderStore, SupabaseStore
from tests.photos.conftest import identity, new_demand, picture
from tests.photos.storage_server import SCHEMA, StorageServer, token
from tests.whistle.helpers import new_event

COMMUNITY = "丽水社区"


@pytest.fixture(params=["folder", "supabase"])
def store(request, tmp_path):
    if request.param == "folder":
        yield FolderStore(tmp_path / "photos")
        return
    db = request.getfixturevalue("fresh_db")
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        assert conn.execute("select private.install_photo_storage_policies()").fetchone()[0] is True
    with StorageServer(db) as server:
        yield SupabaseStore(server.url, "anon-key", token=token({"role": "service_role"}))


def _owner(url):
    return psycopg.connect(url, row_factory=dict_row, autocommit=True)


def _milestone(url: str, status: str) -> int:
    """As the owner: a project of 丽水社区 brought to `status`, and its milestone."""
    with _owner(url) as conn:
        community = conn.execute("select id from public.org_unit where name = %s", (COMMUNITY,)).fetchone()["id"]
        project = conn.execute("insert into public.project (org_unit_id, kind, name, status, end_date)"
                               " values (%s, 'livelihood', '东门消防通道整治', 'planning', current_date) returning id",
                               (community,)).fetchone()["id"]
        for step in ("in_progress", "done")[:("in_progress", "done").index(status) + 1]:
            conn.execute("update public.project set status = %s where id = %s", (step, project))
        return conn.execute("insert into public.project_milestone (project_id, title) values (%s, '竣工验收')"
                            " returning id", (project,)).fetchone()["id"]


def _keys(url: str, photo: int) -> tuple[str, str]:
    with _owner(url) as conn:
        row = conn.execute("select object_key, thumb_key from public.photo where id = %s", (photo,)).fetchone()
    return row["object_key"], row["thumb_key"]


def _asset(store, key: str) -> str:
    data = store.get(key)
    return f"assets/photos/{hashlib.sha256(data).hexdigest()[:32]}.{key.rsplit('.', 1)[-1]}"


def _page(out, code: str, lang: str) -> str:
    return (out / f"community-{code}{'' if lang == 'zh' else '.en'}.html").read_text(encoding="utf-8")


def test_only_marked_photos_of_completed_projects_reach_the_board(fresh_db, store, tmp_path):
    community, street = identity("community"), identity("street")
    done, going = _milestone(fresh_db, "done"), _milestone(fresh_db, "in_progress")
    before = commands.upload(community, "milestone", done, picture(color=(200, 60, 40)), caption="整治前 东门", store=store)
    after = commands.upload(community, "milestone", done, picture(color=(40, 160, 60)),
                            caption="整治后 联系13912345678", store=store)
    kept = commands.upload(community, "milestone", done, picture(color=(20, 20, 200)), store=store)
    early = commands.upload(community, "milestone", going, picture(color=(220, 220, 20)), store=store)
    with pytest.raises(DomainError) as refused:
        commands.set_public(community, before, "before")
    assert refused.value.key == "photos.cannot_publish", "community staff do not decide what is public"
    commands.set_public(street, before, "before")
    commands.set_public(street, after, "after")
    commands.set_public(street, early, "after")

    out = tmp_path / "site"
    done_run = publish.publish(fresh_db, out, store=store)
    assert "photo" in done_run.sections
    with _owner(fresh_db) as conn:
        code = conn.execute("select code from public.org_unit where name = %s", (COMMUNITY,)).fetchone()["code"]
    shown = {p: [_asset(store, k) for k in _keys(fresh_db, p)] for p in (before, after, kept, early)}
    for lang in ("zh", "en"):
        page = _page(out, code, lang)
        for photo in (before, after):
            assert all(f'"{a}"' in page for a in shown[photo]), (lang, photo)
        for photo in (kept, early):
            assert not any(a in page for a in shown[photo]), (lang, photo)
        assert "13912345678" not in page and "整治后 联系＊＊＊" in page
    assert ("整治前" in _page(out, code, "zh")) and ("Before" in _page(out, code, "en"))
    assert f'"{shown[before][1]}"' in (out / "index.html").read_text(encoding="utf-8"), "the district page too"
    # The files are the store's cleaned image and thumbnail, byte for byte, without EXIF.
    for photo in (before, after):
        for key, asset in zip(_keys(fresh_db, photo), shown[photo]):
            assert (out / asset).read_bytes() == store.get(key)
            assert not Image.open(io.BytesIO((out / asset).read_bytes())).getexif()
    assert not any((out / a).exists() for p in (kept, early) for a in shown[p])
    data = json.loads((out / "data" / f"{code}.json").read_text(encoding="utf-8"))
    items = data["sections"]["photo"]["galleries"]["before_after"]
    mine = [i for i in items if any(p["image"] == shown[before][0] for p in i["photos"])]
    assert [[p["stage"] for p in i["photos"]] for i in mine] == [["before", "after"]]

    # Unmarked: the next publish leaves it out, files included.
    commands.set_public(street, after, None)
    publish.publish(fresh_db, out, store=store)
    assert not any((out / a).exists() for a in shown[after])
    assert not any(a in _page(out, code, lang) for a in shown[after] for lang in ("zh", "en"))
    assert all((out / a).exists() for a in shown[before])


def test_event_photos_go_up_as_their_stage_and_only_when_the_event_is_closed(fresh_db, tmp_path):
    store = FolderStore(tmp_path / "photos")
    district, grid = identity("district"), identity("grid")
    with _owner(fresh_db) as conn:
        unit = conn.execute("select id from public.org_unit where name = '丽水社区第一网格'").fetchone()["id"]
        closed = conn.execute("select id from public.event where closed_at is not null order by id limit 1").fetchone()["id"]
        still_open = new_event(conn, unit)
    shots = {}
    for event, stage, color in ((closed, "before", (90, 90, 90)), (closed, "after", (10, 200, 200)),
                                (still_open, "after", (250, 100, 0))):
        shots[(event, stage)] = commands.upload(district, "event", event, picture(color=color), stage=stage, store=store)
    with pytest.raises(DomainError) as refused:
        commands.set_public(district, shots[(closed, "before")], "after")
    assert refused.value.key == "photos.publish_stage"
    for photo in shots.values():
        commands.set_public(district, photo, _stage_of(fresh_db, photo))
    demand_photo = commands.upload(grid, "demand", new_demand("丽水社区第一网格"), picture(), store=store)
    with pytest.raises(DomainError) as refused:
        commands.set_public(district, demand_photo, "after")
    assert refused.value.key == "photos.publish_kind"

    out = tmp_path / "site"
    publish.publish(fresh_db, out, store=store)
    page = (out / "index.html").read_text(encoding="utf-8")
    for (event, stage), photo in shots.items():
        present = all(f'"{_asset(store, k)}"' in page for k in _keys(fresh_db, photo))
        assert present == (event == closed), (event, stage)
    assert _asset(store, _keys(fresh_db, demand_photo)[1]) not in page


def _stage_of(url: str, photo: int) -> str:
    with _owner(url) as conn:
        return conn.execute("select stage from public.photo where id = %s", (photo,)).fetchone()["stage"]


def test_the_database_stamps_who_marked_a_photo_and_clears_it_on_unmarking(fresh_db, tmp_path):
    store = FolderStore(tmp_path / "photos")
    street = identity("street")
    done = _milestone(fresh_db, "done")
    photo = commands.upload(identity("community"), "milestone", done, picture(), store=store)
    commands.set_public(street, photo, "after")
    with _owner(fresh_db) as conn:
        row = conn.execute("select public_as, published_by, published_at from public.photo where id = %s",
                           (photo,)).fetchone()
        assert row["public_as"] == "after" and str(row["published_by"]) == street.user_id and row["published_at"]
        audited = conn.execute("select count(*) as n from public.audit_log where table_name = 'photo'"
                               " and action = 'update' and row_id = %s", (str(photo),)).fetchone()["n"]
        assert audited == 1
    commands.set_public(street, photo, None)
    with _owner(fresh_db) as conn:
        row = conn.execute("select public_as, published_by, published_at from public.photo where id = %s",
                           (photo,)).fetchone()
    assert row == {"public_as": None, "published_by": None, "published_at": None}
    with pytest.raises(DomainError) as refused:
        commands.set_public(street, photo, "sideways")
    assert refused.value.key == "photos.bad_stage"

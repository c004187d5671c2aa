"""The photo store on both backends, through gongzhi.photos as signed-in staff: a photo is seen by
the territory of its row and by nobody else, bad input stores nothing, and the Supabase backend
speaks Storage's HTTP contract to a real server on loopback (tests/photos/storage_server.py)
whose answers come from the bucket's policies in the database."""
import io
import os
import stat

import psycopg
import pytest
from PIL import Image

from gongzhi.errors import DomainError
from gongzhi.photos import commands, queries
from gongzhi.photos.storage import FolderStore, SupabaseStore
from tests.photos.conftest import gps_exif, grid_worker_of, identity, new_demand, picture
from tests.photos.storage_server import SCHEMA, StorageServer, token


@pytest.fixture
def storage_db(fresh_db):
    """fresh_db with a `storage` schema like Supabase's and the photos migration's bucket policies."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        assert conn.execute("select private.install_photo_storage_policies()").fetchone()[0] is True
    return fresh_db


@pytest.fixture(params=["folder", "supabase"])
def backend(request, tmp_path):
    if request.param == "folder":
        yield FolderStore(tmp_path / "photos"), None
        return
    db = request.getfixturevalue("storage_db")
    with StorageServer(db) as server:
        yield SupabaseStore(server.url, "anon-key", token=token({"role": "service_role"})), server


def _keys(db_url: str, photo_id: int) -> dict:
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute("select object_key, thumb_key from public.photo where id = %s", (photo_id,)).fetchone()
    return {"object": row[0], "thumb": row[1]}


def test_a_photo_is_seen_by_its_territory_only(fresh_db, backend):
    store, server = backend
    grid, other = identity("grid"), grid_worker_of("江滩社区第一网格")
    demand = new_demand("丽水社区第一网格")
    photo = commands.upload(grid, "demand", demand, picture("JPEG", exif=gps_exif()), caption="漏水处", store=store)
    body, ctype = queries.image(grid, photo, store=store)
    assert ctype == "image/jpeg" and b"Huawei" not in body and Image.open(io.BytesIO(body)).getexif().get_ifd(0x8825) == {}
    assert Image.open(io.BytesIO(queries.image(grid, photo, thumb=True, store=store)[0])).size[0] <= 320
    assert [p["id"] for p in queries.photos(grid, "demand", demand)] == [photo]
    assert [p["id"] for p in queries.photos(identity("street"), "demand", demand)] == [photo]
    # Another community's grid worker: no row, no bytes — the same answer as for a missing photo.
    assert queries.photos(other, "demand", demand) == []
    with pytest.raises(DomainError) as refused:
        queries.image(other, photo, store=store)
    assert refused.value.key == "photos.missing"
    with pytest.raises(DomainError):
        commands.remove(other, photo, store=store)
    commands.remove(grid, photo, store=store)
    assert queries.photos(grid, "demand", demand) == []


def test_bad_input_stores_nothing(fresh_db, backend):
    store, server = backend
    grid = identity("grid")
    demand, elsewhere = new_demand("丽水社区第一网格"), new_demand("江滩社区第一网格")
    for data, key in ((b"%PDF-1.4", "photos.bad_type"), (b"", "photos.empty")):
        with pytest.raises(DomainError) as refused:
            commands.upload(grid, "demand", demand, data, store=store)
        assert refused.value.key == key
    with pytest.raises(DomainError) as refused:
        commands.upload(grid, "demand", elsewhere, picture(), store=store)
    assert refused.value.key == "error.forbidden"
    with pytest.raises(DomainError) as refused:
        commands.upload(grid, "demand", demand, picture(), stage="after", store=store)
    assert refused.value.key == "photos.stage_not_allowed"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from public.photo where subject_kind = 'demand'").fetchone()[0] == 0
    if server is None:
        assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))
    else:
        assert server.objects == {}


def test_the_district_limit_applies(fresh_db, backend):
    store, _server = backend
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("insert into public.security_setting (key, value) values ('photos.max_mb', '1'::jsonb)"
                     " on conflict (key) do update set value = excluded.value")
    noisy = Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert len(out.getvalue()) > 1024 * 1024
    with pytest.raises(DomainError) as refused:
        commands.upload(identity("grid"), "demand", new_demand("丽水社区第一网格"), out.getvalue(), store=store)
    assert refused.value.key == "photos.too_large" and refused.value.params == {"mb": 1}


def test_the_folder_is_the_server_users_alone(fresh_db, tmp_path):
    store = FolderStore(tmp_path / "photos")
    photo = commands.upload(identity("grid"), "demand", new_demand("丽水社区第一网格"), picture(), store=store)
    keys = _keys(fresh_db, photo)
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.root / keys["object"]).st_mode) == 0o600
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_storage_policies_follow_the_photo_row(fresh_db, storage_db):
    """Straight to Storage with staff's own tokens: the bucket's policies decide per territory."""
    grid, other = identity("grid"), grid_worker_of("江滩社区第一网格")
    demand = new_demand("丽水社区第一网格")
    with StorageServer(storage_db) as server:
        service = SupabaseStore(server.url, "anon-key", token=token({"role": "service_role"}))
        photo = commands.upload(grid, "demand", demand, picture(), store=service)
        keys = _keys(fresh_db, photo)
        as_grid = SupabaseStore(server.url, "anon-key", token=token({"sub": grid.user_id, "role": "authenticated", "aal": "aal2"}))
        as_other = SupabaseStore(server.url, "anon-key", token=token({"sub": other.user_id, "role": "authenticated", "aal": "aal2"}))
        assert as_grid.get(keys["object"])[:3] == b"\xff\xd8\xff"
        with pytest.raises(DomainError) as refused:
            as_other.get(keys["object"])
        assert refused.value.key == "photos.missing"
        # Uploads: into a row of one's own territory, not into another's.
        mine = f"demand/{demand}/{'a' * 32}.jpg"
        as_grid.put(mine, b"\xff\xd8\xff", "image/jpeg")
        with pytest.raises(DomainError) as refused:
            as_other.put(f"demand/{demand}/{'b' * 32}.jpg", b"\xff\xd8\xff", "image/jpeg")
        assert refused.value.key == "error.forbidden"
        with pytest.raises(DomainError) as refused:
            as_grid.put(mine, b"\xff\xd8\xff", "image/jpeg")
        assert refused.value.key == "error.duplicate"
        # The contract: object paths, both headers on every call.
        methods = [(m, p) for m, p, _h in server.requests]
        assert ("POST", f"/storage/v1/object/photos/{keys['object']}") in methods
        assert ("GET", f"/storage/v1/object/authenticated/photos/{keys['object']}") in methods
        assert all(h.get("apikey") == "anon-key" and h.get("Authorization", "").startswith("Bearer ")
                   for _m, _p, h in server.requests)
        # Without credentials Storage answers 401, which the store reports as forbidden.
        with pytest.raises(DomainError) as refused:
            SupabaseStore(server.url, "", token="").get(keys["object"])
        assert refused.value.key == "error.forbidden"
        commands.remove(grid, photo, store=service)
        assert (("photos", keys["object"]) not in server.objects and ("photos", keys["thumb"]) not in server.objects)
        # An upload whose row never came: another territory can neither read nor remove it; its own can.
        with pytest.raises(DomainError):
            as_other.get(mine)
        as_other.delete(mine)              # Storage answers "not found": the policies hide it
        assert ("photos", mine) in server.objects
        as_grid.delete(mine)
        assert ("photos", mine) not in server.objects


def test_an_unreachable_store_keeps_nothing(fresh_db):
    store = SupabaseStore("http://127.0.0.1:9", "k", token="t")
    with pytest.raises(DomainError) as refused:
        commands.upload(identity("grid"), "demand", new_demand("丽水社区第一网格"), picture(), store=store)
    assert refused.value.key == "photos.store_unreachable"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from public.photo where subject_kind = 'demand'").fetchone()[0] == 0


def test_department_adds_an_after_photo_to_its_event(fresh_db, tmp_path):
    from gongzhi.photos.queries import has_after_photo
    store = FolderStore(tmp_path / "photos")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        event, dept_email = conn.execute(
            "select e.id, u.email from public.event e join public.staff s on s.department_id = e.departments[1]"
            " join auth.users u on u.id = s.user_id where s.active and s.role = 'department'"
            " order by e.id limit 1").fetchone()
    department = identity(dept_email)
    assert has_after_photo(department, event) is False
    commands.upload(department, "event", event, picture("WEBP"), stage="after", store=store)
    assert has_after_photo(department, event) is True

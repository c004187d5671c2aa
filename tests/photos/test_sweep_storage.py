"""The sweep of the photo store on Supabase Storage, over real HTTP to the loopback Storage server
(tests/photos/storage_server.py): the bucket is listed through Storage's list endpoint, folder by
folder and page by page, with the same client the uploads use; objects no photo row names are
removed once older than the grace period, younger ones and the objects of live rows are kept, and
objects not shaped like a photo key are never touched; a dry run removes nothing; the command
sweeps the bucket when Supabase is configured."""
import datetime as dt
import uuid

import psycopg
import pytest
from click.testing import CliRunner

from gongzhi import db
from gongzhi.cli import main
from gongzhi.photos import commands, sweep
from gongzhi.photos.storage import SupabaseStore
from tests.photos.conftest import identity, new_demand, picture
from tests.photos.storage_server import SCHEMA, StorageServer, token

SERVICE = {"role": "service_role"}


@pytest.fixture
def storage_db(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        assert conn.execute("select private.install_photo_storage_policies()").fetchone()[0] is True
    return fresh_db


@pytest.fixture
def server(storage_db):
    with StorageServer(storage_db) as s:
        yield s


def _key(subject: str) -> str:
    return f"{subject}/{uuid.uuid4().hex}.jpg"


def _put(store: SupabaseStore, key: str, hours_old: float = 2) -> str:
    store.put(key, b"\xff\xd8\xff bytes", "image/jpeg")
    _age(store, key, hours_old)
    return key


def _age(store: SupabaseStore, key: str, hours_old: float) -> None:
    with db.owner() as conn:
        conn.execute("update storage.objects set created_at = now() - make_interval(secs => %s),"
                     " updated_at = now() - make_interval(secs => %s) where name = %s",
                     (hours_old * 3600, hours_old * 3600, key))


def _stray(server: StorageServer, name: str) -> None:
    """An object in the bucket that is not shaped like a photo key, old."""
    with db.owner() as conn:
        conn.execute("insert into storage.objects (bucket_id, name, created_at, updated_at)"
                     " values ('photos', %s, now() - interval '1 day', now() - interval '1 day')", (name,))
    server.objects[("photos", name)] = (b"text", "text/plain")


def _orphaned_row(store: SupabaseStore) -> tuple[str, str]:
    """A demand's photo row left behind by a delete with triggers off, with its two objects."""
    with db.owner() as conn, conn.transaction():
        demand = new_demand_in(conn)
        name = uuid.uuid4().hex
        image, thumb = f"demand/{demand}/{name}.jpg", f"demand/{demand}/{name}.thumb.jpg"
        conn.execute("insert into public.photo (subject_kind, subject_id, object_key, thumb_key, content_type,"
                     " size_bytes, width, height) values ('demand', %s, %s, %s, 'image/jpeg', 5, 1, 1)",
                     (demand, image, thumb))
        conn.execute("set local session_replication_role = replica")
        conn.execute("delete from public.demand where id = %s", (demand,))
    return _put(store, image), _put(store, thumb)


def new_demand_in(conn) -> int:
    return conn.execute("insert into public.demand (org_unit_id, category_id, title) select o.id,"
                        " (select min(id) from public.category), '楼道灯坏了' from public.org_unit o"
                        " where o.kind = 'grid' order by o.terr limit 1 returning id").fetchone()["id"]


def _bucket(server: StorageServer) -> set[str]:
    with db.owner() as conn:
        rows = {r["name"] for r in conn.execute("select name from storage.objects where bucket_id = 'photos'")}
    assert rows == {name for (_bucket, name) in server.objects}, "the server's bytes and rows agree"
    return rows


def test_the_sweep_lists_the_bucket_page_by_page_and_removes_only_old_orphans(server):
    store = SupabaseStore(server.url, "anon-key", token=token(SERVICE), list_page=2)
    demand = new_demand("丽水社区第一网格")
    photo = commands.upload(identity("grid"), "demand", demand, picture(), store=store)
    live = sorted(k for k in _bucket(server))
    assert len(live) == 2
    for key in live:                                             # a live row's objects, however old
        _age(store, key, 48)
    old_orphans = [_put(store, _key(f"suggestion/{999_000 + i}")) for i in range(3)]
    young_orphan = _put(store, _key("event/888888"), hours_old=0)
    gone_row = _orphaned_row(store)
    for stray in ("notes/readme.txt", "demand/abc/photo.jpg", "top.jpg"):
        _stray(server, stray)
    listed = sorted(k for k, _ in store.listing())
    assert listed == sorted([*live, *old_orphans, young_orphan, *gone_row])
    lists = [body for (verb, _path, body) in server.requests if verb == "LIST"]
    assert {b["prefix"] for b in lists} >= {"", "suggestion/", "demand/", f"demand/{demand}/"}
    assert any(b["offset"] > 0 for b in lists), "more folders than a page: the listing pages on"
    assert all(b["limit"] == 2 for b in lists)

    with db.owner() as conn:
        dry = sweep.sweep(conn, store=store, dry_run=True)
    assert dry == sweep.Swept(rows_orphaned=1, files_seen=8, files_orphaned=5, files_young=1, removed=False)
    assert len(_bucket(server)) == 8 + 3

    with db.owner() as conn:
        done = sweep.sweep(conn, store=store)
    assert done == sweep.Swept(rows_orphaned=1, files_seen=8, files_orphaned=5, files_young=1, removed=True)
    assert _bucket(server) == {*live, young_orphan, "notes/readme.txt", "demand/abc/photo.jpg", "top.jpg"}
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.photo where id = %s", (photo,)).fetchone()["n"] == 1
        assert conn.execute("select count(*) as n from public.photo where object_key = %s",
                            (gone_row[0],)).fetchone()["n"] == 0
    assert store.get(live[0])                                    # the live photo's bytes are still served

    with db.owner() as conn:
        again = sweep.sweep(conn, store=store, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    assert again == sweep.Swept(rows_orphaned=0, files_seen=3, files_orphaned=1, files_young=0, removed=True)
    assert _bucket(server) == {*live, "notes/readme.txt", "demand/abc/photo.jpg", "top.jpg"}


def test_a_refused_listing_is_said_so_and_nothing_is_removed(server):
    store = SupabaseStore(server.url, "anon-key", token=token(SERVICE))
    orphan = _put(store, _key("suggestion/777777"))
    gone_row = _orphaned_row(store)
    stranger = SupabaseStore(server.url, "anon-key", token="not-a-jwt")
    from gongzhi.errors import DomainError
    with db.owner() as conn, pytest.raises(DomainError) as refused:
        sweep.sweep(conn, store=stranger)
    assert refused.value.key == "error.forbidden"
    assert {orphan, *gone_row} <= _bucket(server)
    with db.owner() as conn:                                     # the orphaned row waits for a run that can list
        assert conn.execute("select count(*) as n from public.photo where object_key = %s",
                            (gone_row[0],)).fetchone()["n"] == 1


def test_the_command_sweeps_the_bucket_when_supabase_is_configured(server, monkeypatch):
    monkeypatch.setenv("SUPABASE_URL", server.url)
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", token(SERVICE))
    monkeypatch.delenv("GONGZHI_PHOTO_STORE", raising=False)
    store = SupabaseStore(server.url, "anon-key", token=token(SERVICE))
    orphan = _put(store, _key("milestone/424242"))
    runner = CliRunner()
    dry = runner.invoke(main, ["photos", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 1, kept 0 younger than 60 minutes" in dry.output and orphan in _bucket(server)
    done = runner.invoke(main, ["photos", "sweep"])
    assert done.exit_code == 0, done.output
    assert "removed 1, kept 0" in done.output and orphan not in _bucket(server)

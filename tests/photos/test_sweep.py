"""The sweep of the photo store (`python -m gongzhi photos sweep`), with the folder store: files no
photo row names are removed once older than the grace period, younger ones are kept (a submission
may still be committing), files of live rows and files not named like photos are never touched;
rows whose subject is gone go first and their files with them; a dry run removes nothing and
counts what the real run removes; a rerun finds nothing; a store that cannot list is refused."""
import datetime as dt
import os
import time
import uuid

import pytest
from click.testing import CliRunner

from gongzhi import db
from gongzhi.cli import main
from gongzhi.errors import DomainError
from gongzhi.photos import sweep
from gongzhi.photos.storage import FolderStore, SupabaseStore
from gongzhi.suggest import commands
from tests.photos.conftest import picture

HOURS_AGO = time.time() - 2 * 3600


def _file(store: FolderStore, key: str, old: bool = True) -> str:
    store.put(key, b"bytes", "image/jpeg")
    if old:
        os.utime(store.root / key, (HOURS_AGO, HOURS_AGO))
    return key


def _keys(subject: str) -> tuple[str, str]:
    name = uuid.uuid4().hex
    return f"{subject}/{name}.jpg", f"{subject}/{name}.thumb.jpg"


def _orphaned_row(store: FolderStore) -> tuple[str, str]:
    """A demand's photo row left behind by a delete that ran with triggers off, with its files."""
    with db.owner() as conn, conn.transaction():
        demand = conn.execute("insert into public.demand (org_unit_id, category_id, title) select o.id,"
                              " (select min(id) from public.category), '楼道灯坏了' from public.org_unit o"
                              " where o.kind = 'grid' order by o.terr limit 1 returning id").fetchone()["id"]
        image, thumb = _keys(f"demand/{demand}")
        conn.execute("insert into public.photo (subject_kind, subject_id, object_key, thumb_key, content_type,"
                     " size_bytes, width, height) values ('demand', %s, %s, %s, 'image/jpeg', 5, 1, 1)",
                     (demand, image, thumb))
        conn.execute("set local session_replication_role = replica")
        conn.execute("delete from public.demand where id = %s", (demand,))
    return _file(store, image), _file(store, thumb)


@pytest.fixture
def store(fresh_db, tmp_path):
    return FolderStore(tmp_path / "photos")


def test_the_sweep_removes_only_old_orphans(store):
    live = commands.submit(commands_community(), "repair", "need", "楼下路灯不亮已经三天了。", None, True,
                           "198.51.100.61", photos=[picture("JPEG")], store=store)
    live_files = sorted(k for k, _ in store.listing())
    assert len(live_files) == 2
    for key in live_files:                                           # a live row's files, however old
        os.utime(store.root / key, (HOURS_AGO, HOURS_AGO))
    old_orphan = _file(store, _keys("suggestion/999999")[0])
    young_orphan = _file(store, _keys("event/888888")[0], old=False)
    gone_row = _orphaned_row(store)
    (store.root / "README.txt").write_text("not a photo")

    with db.owner() as conn:
        dry = sweep.sweep(conn, store=store, dry_run=True)
    assert dry == sweep.Swept(rows_orphaned=1, files_seen=6, files_orphaned=3, files_young=1, removed=False)
    assert len(list(store.listing())) == 6
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.photo where object_key = %s",
                            (gone_row[0],)).fetchone()["n"] == 1

    with db.owner() as conn:
        done = sweep.sweep(conn, store=store)
    assert done == sweep.Swept(rows_orphaned=1, files_seen=6, files_orphaned=3, files_young=1, removed=True)
    left = sorted(k for k, _ in store.listing())
    assert left == sorted([*live_files, young_orphan])
    assert old_orphan not in left and not set(gone_row) & set(left)
    assert (store.root / "README.txt").exists()
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.photo where object_key = %s",
                            (gone_row[0],)).fetchone()["n"] == 0
        assert conn.execute("select count(*) as n from public.photo where subject_kind = 'suggestion'"
                            " and subject_id = %s", (live.id,)).fetchone()["n"] == 1

    with db.owner() as conn:
        again = sweep.sweep(conn, store=store, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    assert again == sweep.Swept(rows_orphaned=0, files_seen=3, files_orphaned=1, files_young=0, removed=True)
    assert sorted(k for k, _ in store.listing()) == live_files


def commands_community() -> str:
    with db.owner() as conn:
        return conn.execute("select code from public.org_unit where name = '丽水社区'").fetchone()["code"]


def test_the_command_reports_counts_and_a_dry_run_keeps_everything(fresh_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GONGZHI_PHOTO_STORE", "folder")
    store = FolderStore(tmp_path / "data" / "photos")
    orphan = _file(store, _keys("milestone/424242")[0])
    runner = CliRunner()
    dry = runner.invoke(main, ["photos", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 1, kept 0 younger than 60 minutes" in dry.output and (store.root / orphan).exists()
    done = runner.invoke(main, ["photos", "sweep", "--grace-minutes", "30"])
    assert done.exit_code == 0, done.output
    assert "removed 1, kept 0 younger than 30 minutes" in done.output and not (store.root / orphan).exists()
    refused = runner.invoke(main, ["photos", "sweep", "--grace-minutes", "1"])
    assert refused.exit_code != 0 and "--grace-minutes" in refused.output


class _WriteOnlyStore:
    """A store that keeps bytes but cannot list them."""
    name = "write_only"

    def put(self, key, data, content_type): ...

    def get(self, key): ...

    def delete(self, key): ...


def test_a_store_that_cannot_list_is_refused(fresh_db):
    with db.owner() as conn, pytest.raises(DomainError) as refused:
        sweep.sweep(conn, store=_WriteOnlyStore())
    assert refused.value.key == "photos.sweep_unsupported" and refused.value.params == {"store": "write_only"}


def test_an_unreachable_storage_is_said_so_and_nothing_is_removed(fresh_db):
    with db.owner() as conn, pytest.raises(DomainError) as refused:
        sweep.sweep(conn, store=SupabaseStore("http://127.0.0.1:9", "key"))
    assert refused.value.key == "photos.store_unreachable"

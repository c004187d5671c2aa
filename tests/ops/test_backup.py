"""Backup and restore: a round trip keeps every row; a bad file or a non-empty target changes nothing."""
from __future__ import annotations

import json
import tarfile

import psycopg
import pytest
from click.testing import CliRunner

from gongzhi import backup as ops
from gongzhi.cli import main
from gongzhi.db import migrate
from gongzhi.errors import DomainError
from tests.conftest import clone_database, drop_database
from tests.ops.helpers import table_digests


@pytest.fixture
def empty_db(pg_admin_url):
    name = "gz_restore_target"
    drop_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    yield pg_admin_url.replace("/postgres?", f"/{name}?")
    drop_database(pg_admin_url, name)


@pytest.fixture
def demo_backup(fresh_db, tmp_path):
    path, manifest = ops.backup(fresh_db, tmp_path / "demo.backup")
    return path, manifest, fresh_db


def test_round_trip_keeps_every_table_row_for_row(demo_backup, empty_db):
    path, manifest, source = demo_backup
    before = table_digests(source)
    assert manifest.tables["public.demand"] == before["public.demand"][0] > 0
    assert manifest.schema_version == migrate.migrations()[-1].version
    ops.restore(path, empty_db)
    after = table_digests(empty_db)
    # The restored log holds the backup's entries and one more: the restore itself.
    log_before, log_after = before.pop("private.security_log"), after.pop("private.security_log")
    assert after == before and log_after[0] == log_before[0] + 1


def test_backup_is_private_and_pruned_to_keep(fresh_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_BACKUP_DIR", str(tmp_path / "nightly"))
    made = [ops.backup(fresh_db, keep=2)[0] for _ in range(3)]
    left = sorted(p.name for p in (tmp_path / "nightly").iterdir())
    assert left == sorted(p.name for p in made[1:])
    assert (tmp_path / "nightly").stat().st_mode & 0o077 == 0
    assert made[-1].stat().st_mode & 0o077 == 0


def test_restore_refuses_a_database_with_data_unless_forced(demo_backup, pg_admin_url, template_url):
    path, _, _ = demo_backup
    name, target = clone_database(pg_admin_url, template_url, "gz_nonempty")
    try:
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("update public.demand set title = '恢复前的标题' where id = (select min(id) from public.demand)")
        before = table_digests(target)
        with pytest.raises(DomainError) as refused:
            ops.restore(path, target)
        assert refused.value.key == "backup.target_not_empty"
        assert table_digests(target) == before
        ops.restore(path, target, force=True)
        after = table_digests(target)
        assert after != before and after["public.demand"][0] == before["public.demand"][0]
    finally:
        drop_database(pg_admin_url, name)


def _rewrite(path, tmp_path, *, manifest=None, archive=None):
    """A copy of the backup at `path` with its manifest and/or archive replaced."""
    with tarfile.open(path) as tar:
        members = {m: tar.extractfile(m).read() for m in tar.getnames()}
    if manifest is not None:
        members[ops.MANIFEST] = json.dumps(manifest(json.loads(members[ops.MANIFEST]))).encode()
    if archive is not None:
        members[ops.ARCHIVE] = archive(members[ops.ARCHIVE])
    out = tmp_path / "edited.backup"
    with tarfile.open(out, "w") as tar:
        for name, data in members.items():
            ops._add_bytes(tar, name, data)
    return out


@pytest.mark.parametrize("damage, key", [
    ("truncated", "backup.truncated"),
    ("flipped byte", "backup.truncated"),
    ("not a tar", "backup.not_a_backup"),
    ("newer format", "backup.wrong_format"),
    ("unknown schema", "backup.unknown_schema"),
])
def test_a_bad_file_is_refused_and_changes_nothing(demo_backup, pg_admin_url, template_url, tmp_path, damage, key):
    path, _, _ = demo_backup
    data = path.read_bytes()
    if damage == "truncated":
        bad = tmp_path / "bad.backup"
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "flipped byte":
        bad = _rewrite(path, tmp_path, archive=lambda a: a[:5000] + bytes([a[5000] ^ 0xFF]) + a[5001:])
    elif damage == "not a tar":
        bad = tmp_path / "bad.backup"
        bad.write_text("这不是备份")
    elif damage == "newer format":
        bad = _rewrite(path, tmp_path, manifest=lambda m: {**m, "format": "gongzhi-backup/9"})
    else:
        bad = _rewrite(path, tmp_path, manifest=lambda m: {**m, "migrations": m["migrations"] + ["29991231000000"]})
    name, target = clone_database(pg_admin_url, template_url, "gz_badfile")
    try:
        before = table_digests(target)
        with pytest.raises(DomainError) as refused:
            ops.restore(bad, target, force=True)
        assert refused.value.key == key
        assert table_digests(target) == before
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            assert admin.execute("select count(*) from pg_database where datname like 'gz_badfile_%'").fetchone()[0] == 1
    finally:
        drop_database(pg_admin_url, name)


def test_a_backup_of_an_older_schema_is_migrated_after_restoring(pg_admin_url, empty_db, tmp_path):
    versions = [m.version for m in migrate.migrations()]
    name = "gz_older_release"
    drop_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    older = pg_admin_url.replace("/postgres?", f"/{name}?")
    try:
        assert migrate.migrate(older, until=versions[-2]) == versions[:-1]
        with psycopg.connect(older) as conn:
            conn.execute("insert into public.org_unit (kind, name, code) values ('district', '旧版区', '330100')")
        path, manifest = ops.backup(older, tmp_path / "older.backup")
        assert manifest.schema_version == versions[-2]
        ops.restore(path, empty_db)
        with psycopg.connect(empty_db) as conn:
            assert sorted(migrate.applied(conn)) == versions
            assert conn.execute("select name from public.org_unit").fetchall() == [("旧版区",)]
    finally:
        drop_database(pg_admin_url, name)


def test_cli_restore_force_says_what_it_replaces_and_asks(demo_backup):
    path, _, _ = demo_backup
    runner = CliRunner()
    refused = runner.invoke(main, ["restore", str(path)])
    assert refused.exit_code == 1 and "--force" in refused.output
    declined = runner.invoke(main, ["restore", str(path), "--force"], input="n\n")
    assert declined.exit_code == 1 and "public.demand" in declined.output and "Replace them" in declined.output
    accepted = runner.invoke(main, ["restore", str(path), "--force"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "restored schema" in accepted.output

"""A backup of a database prepared like a hosted Supabase project, taken as its non-superuser
`postgres`: it holds the schemas Gongzhi owns, not Supabase's own, and every row of them."""
from __future__ import annotations

import subprocess

import pytest

from gongzhi import backup as ops
from gongzhi.db import embedded
from gongzhi.errors import DomainError


def test_backup_holds_gongzhi_s_schemas_and_every_row_of_them(supabase_db, tmp_path):
    path, manifest = ops.backup(supabase_db, tmp_path / "hosted.backup")
    assert manifest.schemas == list(ops.SUPABASE_SCHEMAS)
    assert {t.split(".")[0] for t in manifest.tables} <= set(ops.SUPABASE_SCHEMAS)
    assert manifest.tables["public.demand"] > 0 and "auth.users" not in manifest.tables
    archive = tmp_path / "unpacked"
    archive.mkdir()
    ops.read(path, archive)
    listing = subprocess.run([str(embedded.bin_path("pg_restore")), "--list", str(archive / ops.ARCHIVE)],
                             check=True, capture_output=True, text=True).stdout
    assert " TABLE DATA public demand " in listing and " TABLE DATA auth " not in listing


def test_restoring_into_a_hosted_project_is_left_to_supabase_s_own_restore(supabase_db, tmp_path):
    path, _ = ops.backup(supabase_db, tmp_path / "hosted.backup")
    with pytest.raises(DomainError) as refused:
        ops.restore(path, supabase_db, force=True)
    assert refused.value.key == "backup.needs_createdb"

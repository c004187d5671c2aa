"""Upgrade safety: a database made by the first release (0.1.0, the squashed baseline), kept as a
backup with the demo district in tests/fixtures, restores and migrates to the newest schema with
every row of every table as it was (over the release's columns; the dashboard's tallies by their
sums). A migration that must change stored data changes this test with it, on purpose."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import backup as ops
from gongzhi.auth import load_identity
from gongzhi.db import migrate
from gongzhi.home import overview
from gongzhi.personal import crypto
from gongzhi.personal.inventory import encrypted_fields
from tests.conftest import drop_database
from tests.ops.helpers import digest_sql, table_digests

FIXTURES = Path(__file__).parent.parent / "fixtures"
RELEASE = FIXTURES / "release-0.1.0.backup"
DIGESTS = json.loads((FIXTURES / "release-0.1.0.digests.json").read_text(encoding="utf-8"))
MIGRATIONS_TABLE = "supabase_migrations.schema_migrations"  # grows by the migrations applied
# Grows by the status machines of later features (suggestion, deliberation, secretary_project): the
# release's own rows are compared alone.
TRANSITIONS = "public.status_transition"
RELEASED_ENTITIES = ("demand", "resource", "project", "match")


@pytest.fixture
def upgraded(pg_admin_url, monkeypatch):
    name = "gz_upgraded"
    drop_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    url = pg_admin_url.replace("/postgres?", f"/{name}?")
    monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
    yield url, ops.restore(RELEASE, url)
    drop_database(pg_admin_url, name)


def test_the_first_release_migrates_to_the_newest_schema_with_nothing_lost(upgraded):
    url, manifest = upgraded
    versions = [m.version for m in migrate.migrations()]
    assert manifest.schema_version == "20261201001300" and manifest.schema_version in versions
    with psycopg.connect(url) as conn:
        assert sorted(migrate.applied(conn)) == versions
    now = table_digests(url, {table: _as_released(url, table, d["columns"]) for table, d in DIGESTS.items()})
    changed = {table: ((d["rows"], d["md5"]), now.get(table)) for table, d in DIGESTS.items()
               if table not in (MIGRATIONS_TABLE, TRANSITIONS) and now.get(table) != (d["rows"], d["md5"])}
    assert changed == {}
    released = "(select * from {} where entity in ({})) st".format(TRANSITIONS, ", ".join(f"'{e}'" for e in RELEASED_ENTITIES))
    with psycopg.connect(url, autocommit=True) as conn:
        kept = tuple(conn.execute(digest_sql(released, DIGESTS[TRANSITIONS]["columns"])).fetchone())
    assert kept == (DIGESTS[TRANSITIONS]["rows"], DIGESTS[TRANSITIONS]["md5"])
    assert sum(d["rows"] for d in DIGESTS.values()) > 10_000


def _as_released(url: str, table: str, columns: list[str]) -> list[str]:
    """The release's columns of `table`, its phones read back through the data keys: the migration
    replaced each plaintext phone by ciphertext (decrypted here into test_plain.value), and a
    public sign-up's transient phone by its blind index (always empty, as the phone was)."""
    schema, name = table.split(".")
    sealed = {f.column: f for f in encrypted_fields() if schema == "public" and f.table == name}
    if not sealed and not (table == "public.signup"):
        return columns
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists test_plain")
        conn.execute("create table if not exists test_plain.value (tbl text, col text, row_id text, value text)")
        id_col = "user_id" if name == "staff" else "id"
        for column, f in sealed.items():
            rows = conn.execute(f"select {id_col}::text, {column}_enc from {table} where {column}_enc is not null").fetchall()
            with conn.cursor().copy("copy test_plain.value from stdin") as copy:
                for row_id, blob in rows:
                    copy.write_row((name, column, row_id, crypto.decrypt(f.kind, blob)))
    out = []
    for c in columns:
        if c in sealed:
            out.append(f"(select p.value from test_plain.value p where p.tbl = '{name}' and p.col = '{c}'"
                       f" and p.row_id = {table}.{'user_id' if name == 'staff' else 'id'}::text) as {c}")
        elif name == "demand" and c == "beneficiary_phone_masked":
            out.append("(select private.mask_phone(p.value) from test_plain.value p where p.tbl = 'demand'"
                       " and p.col = 'beneficiary_phone' and p.row_id = public.demand.id::text) as beneficiary_phone_masked")
        elif table == "public.signup" and c == "claim_phone":
            out.append("claim_phone_bidx::text as claim_phone")
        else:
            out.append(c)
    return out


def test_the_upgraded_database_holds_no_plaintext_phone(upgraded):
    """The migrate command's Python step encrypted every phone of the release and emptied the holding table."""
    from tests.security.test_personal_at_rest import plaintext_phones
    url, _ = upgraded
    with psycopg.connect(url, row_factory=dict_row) as conn:
        assert conn.execute("select count(*) as n from private.plaintext_pending").fetchone()["n"] == 0
        assert plaintext_phones(conn) == {}
        assert conn.execute("select count(*) as n from public.volunteer where phone_enc is null").fetchone()["n"] == 0
        assert conn.execute("select bool_and(convalidated) as v from pg_constraint where conname like '%%phone_required'"
                            ).fetchone()["v"] is True


def test_the_upgraded_database_serves_the_portal(upgraded):
    url, _ = upgraded
    with psycopg.connect(url) as conn:
        district = conn.execute("select id from auth.users where email = 'qu@demo.gongzhi.cn'").fetchone()[0]
    # Every account of this old database is a demo account, so the upgrade keeps it in demo mode,
    # where neither the second factor nor a new password is asked for. Out of demo mode (and once
    # the accounts have set their own passwords) the second factor is required: a district session
    # that presented it reads everything, a password-only one nothing.
    figures = overview(load_identity(str(district), {"aal": "aal2"}))
    assert figures["demands"] == DIGESTS["public.demand"]["rows"]
    assert overview(load_identity(str(district), {"aal": "aal1"}))["demands"] == figures["demands"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update public.security_setting set value = 'false' where key = 'demo_mode'")
        conn.execute("update private.password_state set must_change = false, reason = null where demo")
    assert overview(load_identity(str(district), {"aal": "aal2"}))["demands"] == figures["demands"]
    assert overview(load_identity(str(district), {"aal": "aal1"}))["demands"] == 0

"""Personal data at rest (数据保密性, issue #25): phones are stored as SM4-GCM ciphertext, a blind
index and a masked copy, never in plain text — in no table, no backup, no row audit — and every
comparison of phones still works through the blind index. Unmasking is a logged act with a reason."""
from __future__ import annotations

import base64
import re
import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import backup as ops
from gongzhi.auth import load_identity
from gongzhi.errors import DomainError
from gongzhi.lists import commands
from gongzhi.lists.commands import LikelyDuplicates
from gongzhi.personal import blind_index, crypto, find, inventory, keys, unmask
from gongzhi.volunteers import commands as volunteer_commands
from gongzhi.volunteers.forms import ApplicationForm
from gongzhi.lists.fields import Lookups
from gongzhi.db import migrate
from tests.conftest import DEMO_EMAILS, act_as, act_as_owner, drop_database, unit_id, user_id
from tests.personal import act_as_public, columns, sealed, values

MOBILE = re.compile(r"(?<![0-9a-fA-F])1[3-9][0-9]{9}(?![0-9a-fA-F])")


def plaintext_phones(conn) -> dict[str, str]:
    """`schema.table.column` → a value that looks like a mobile number, over every text, varchar,
    json and text[] column of schemas public, private and auth (written independently of doctor's scan)."""
    found = {}
    cols = conn.execute(
        """select n.nspname, c.relname, a.attname from pg_attribute a
           join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
           where n.nspname in ('public', 'private', 'auth') and c.relkind in ('r', 'p') and a.attnum > 0
             and not a.attisdropped and a.atttypid in ('text'::regtype, 'varchar'::regtype, 'jsonb'::regtype,
                                                        'json'::regtype, 'text[]'::regtype)""").fetchall()
    for r in cols:
        schema, table, column = (r["nspname"], r["relname"], r["attname"]) if isinstance(r, dict) else r
        row = conn.execute(f'select "{column}"::text as v from "{schema}"."{table}"'
                           f" where \"{column}\"::text ~ '(^|[^0-9a-fA-F])1[3-9][0-9]{{9}}([^0-9a-fA-F]|$)' limit 1").fetchone()
        if row is not None:
            found[f"{schema}.{table}.{column}"] = (row["v"] if isinstance(row, dict) else row[0])[:80]
    return found


# ---------------------------------------------------------------- the crypto itself
def test_round_trip_and_the_stored_shape():
    s = crypto.seal("phone", " 138-0013-8000 ")
    assert s.enc[0] == crypto.ring().current_id and len(s.enc) == 1 + 12 + len("138-0013-8000") + 16
    assert crypto.decrypt("phone", s.enc) == "138-0013-8000"
    assert s.masked == "138****8000" and len(s.bidx) == 32
    assert crypto.seal("phone", "13800138000").enc != crypto.seal("phone", "13800138000").enc   # random nonces
    assert s.bidx == blind_index("phone", "13800138000") == blind_index("phone", "138 0013 8000")
    assert blind_index("phone", "13800138001") != s.bidx
    i = crypto.seal("id_number", "11010519491231002x")
    assert i.masked == "1101**********002X" and crypto.decrypt("id_number", i.enc) == "11010519491231002x"
    with pytest.raises(crypto.BadValue):
        crypto.seal("phone", "12345")


def test_a_wrong_or_damaged_key_is_a_clear_error():
    s = crypto.seal("phone", "13800138000")
    other = keys.new_keyring("another keyring")
    with pytest.raises(keys.KeyError_, match="not the one the data was written with"):
        crypto.decrypt("phone", s.enc, other)
    tampered = s.enc[:-1] + bytes([s.enc[-1] ^ 1])
    with pytest.raises(keys.KeyError_):
        crypto.decrypt("phone", tampered)
    with pytest.raises(keys.KeyError_):  # a phone's ciphertext does not open as an ID number
        crypto.decrypt("id_number", s.enc)
    missing = keys.Keyring(other.index_key, {9: other.keys[1]}, set(), "a keyring without key 1")
    with pytest.raises(keys.KeyError_, match="Data key 1 is not in the keyring"):
        crypto.decrypt("phone", s.enc, missing)
    with pytest.raises(keys.KeyError_, match="corrupt at entry 2"):
        keys.parse("index " + base64.b64encode(bytes(32)).decode() + "\nkey one abc\n", "test")


def test_the_embedded_default_makes_a_private_keyring_once(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.ENV, raising=False)
    monkeypatch.delenv("GONGZHI_DATABASE_URL", raising=False)
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path))
    with pytest.raises(keys.KeyError_, match="No data keys"):   # only the migrate command makes one
        keys.load()
    ring = keys.load(create=True)
    path = tmp_path / "secrets" / "data-keys"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert keys.load().keys == ring.keys and keys.load().index_key == ring.index_key
    path.write_text("index nonsense\n")
    with pytest.raises(keys.KeyError_, match="corrupt"):
        keys.load()
    path.unlink()
    with pytest.raises(keys.KeyError_, match="No data keys"):
        keys.load()
    assert not path.exists()


def test_migrate_never_replaces_a_lost_keyring(conn, pg_admin_url, tmp_path, monkeypatch):
    """With ciphertext in the database, a missing keyring is an error (a new one could not read the
    phones), and so is a keyring that does not open them; without ciphertext the embedded default
    gets a new keyring."""
    from gongzhi.personal import pending
    act_as_owner(conn)
    monkeypatch.delenv(keys.ENV, raising=False)
    monkeypatch.delenv("GONGZHI_DATABASE_URL", raising=False)
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path))
    crypto.forget()
    with pytest.raises(keys.KeyError_, match="no data keyring"):
        pending.ensure_keys(conn)
    assert not keys.configured()
    keys.save(keys.new_keyring())
    with pytest.raises(keys.KeyError_, match="not the one the data was written with"):
        pending.ensure_keys(conn)
    keys.path().unlink()
    drop_database(pg_admin_url, "gz_new_district")
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("create database gz_new_district")
    url = pg_admin_url.replace("/postgres?", "/gz_new_district?", 1)
    try:
        migrate.migrate(url)   # no ciphertext yet: the embedded default makes its keyring
        assert keys.configured() and keys.path().stat().st_mode & 0o777 == 0o600
    finally:
        drop_database(pg_admin_url, "gz_new_district")
        crypto.forget()


# ---------------------------------------------------------------- the schema
def test_the_database_lists_the_inventorys_encrypted_fields_and_no_plain_column(conn):
    act_as_owner(conn)
    listed = {(r["table_name"], r["column_name"], r["kind"])
              for r in conn.execute("select * from private.encrypted_field")}
    assert listed == {(f.table, f.column, f.kind) for f in inventory.encrypted_fields()}
    personal_keys = set(conn.execute("select private.personal_keys() as k").fetchone()["k"])
    for f in inventory.encrypted_fields():
        have = {r["column_name"]: r["data_type"] for r in conn.execute(
            "select column_name, data_type from information_schema.columns where table_schema = 'public'"
            " and table_name = %s", (f.table,))}
        assert f.column not in have, f"{f.table}.{f.column} still in plain text"
        assert (have[f"{f.column}_enc"], have[f"{f.column}_bidx"], have[f"{f.column}_masked"]) == ("bytea", "bytea", "text")
        assert {f"{f.column}_enc", f"{f.column}_bidx", f"{f.column}_masked"} <= personal_keys
        assert conn.execute("select count(*) as n from pg_indexes where schemaname = 'public' and tablename = %s"
                            " and indexdef like %s", (f.table, f"%({f.column}_bidx%")).fetchone()["n"] >= 1


def test_no_plaintext_phone_anywhere_in_the_demo(conn):
    act_as_owner(conn)
    assert conn.execute("select count(*) as n from private.plaintext_pending").fetchone()["n"] == 0
    assert plaintext_phones(conn) == {}
    assert conn.execute("select count(*) as n from public.volunteer where phone_enc is null").fetchone()["n"] == 0
    assert conn.execute("select count(*) as n from public.demand where beneficiary_phone_enc is not null"
                        ).fetchone()["n"] > 100


def test_anon_writes_nothing_and_the_portal_alone_becomes_the_public_role(conn):
    act_as_owner(conn)
    community = unit_id(conn, "丽水社区")
    members = {r["r"] for r in conn.execute(
        "select m.rolname as r from pg_auth_members am join pg_roles g on g.oid = am.roleid"
        " join pg_roles m on m.oid = am.member where g.rolname = 'gongzhi_public'")}
    assert members == {"gongzhi_portal"}
    assert conn.execute("select rolcanlogin from pg_roles where rolname = 'gongzhi_public'").fetchone()["rolcanlogin"] is False
    act_as(conn, None)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()})"
                     f" values ('volunteer', %(c)s, '李梅', {values()})", {"c": community, **sealed("13700001234")})
    act_as_public(conn)
    conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()}, notice_version)"
                 f" values ('volunteer', %(c)s, '李梅', {values()}, 'application_v1')",
                 {"c": community, **sealed("13700001234")})
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select count(*) from public.application")


# ---------------------------------------------------------------- every write path, then a scan
@pytest.fixture
def identities(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        return {role: load_identity(user_id(c, role)) for role in DEMO_EMAILS}


def test_no_plaintext_after_every_write_path(fresh_db, identities, tmp_path):
    from gongzhi import accounts
    from gongzhi.imports import importer
    from tests.imports.conftest import xlsx
    grid, district = identities["grid"], identities["district"]
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        grid_unit, community = unit_id(c, "丽水社区第一网格"), unit_id(c, "丽水社区")
        category = c.execute("select id, name_zh from public.category order by id limit 1").fetchone()
        post = c.execute("select id from public.post where status = 'open' and kind = 'post' and community_id = %s"
                         " limit 1", (community,)).fetchone()["id"]
    demand = commands.create(grid, "demand", {"title": "楼道灯坏了", "category_id": category["id"],
                                              "org_unit_id": grid_unit, "beneficiary_phone": "13911112222"})
    commands.update(grid, "demand", demand, {"beneficiary_phone": "13911113333"})
    commands.create(grid, "resource", {"name": "活动室", "kind": "venue", "category_id": category["id"],
                                       "org_unit_id": grid_unit, "provider": "物业", "contact_phone": "13911114444"})
    sheet = xlsx([["标题", "类别", "所属区域", "联系电话"], ["下水道堵塞", "维修维护", "丽水社区第一网格", "13911115555"]])
    importer.import_file(grid, "demand", "demands.xlsx", sheet)
    lookups = Lookups(categories={}, org_units={"丽水社区": community})
    volunteer_commands.submit_application(
        ApplicationForm(kind="volunteer", org_unit_id="丽水社区", name="周红", phone="13911116666"), lookups, "203.0.113.9", True)
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        app_id = c.execute("select id from public.application where phone_bidx = %s",
                           (blind_index("phone", "13911116666"),)).fetchone()["id"]
    volunteer_commands.decide_application(identities["community"], app_id, approve=True)
    with pytest.raises(DomainError):
        volunteer_commands.public_sign_up(post, "13911117777", "WRONG000", True)
    accounts.create_staff(email="new-staff@demo.gongzhi.cn", password="Gongzhi-Test-2026!", role="grid",
                          org="丽水社区第一网格", display_name="新同事", phone="13911118888")
    list(commands.queries.export_rows(district, "demand", commands.queries.ListFilters()))
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        assert plaintext_phones(c) == {}
        # …and every phone written went in sealed, findable by its blind index
        for phone, table in (("13911113333", "demand"), ("13911114444", "resource"), ("13911115555", "demand"),
                             ("13911116666", "application"), ("13911116666", "volunteer"), ("13911118888", "staff")):
            assert table in {t for t, _id in find(c, "phone", phone)}, (phone, table)
    path, _ = ops.backup(fresh_db, tmp_path / "after-writes.backup")
    assert _plaintext_in_backup(path, tmp_path) == []


def _plaintext_in_backup(path: Path, tmp_path: Path) -> list[str]:
    """Mobile numbers in a backup file: in the raw bytes of each file it packs (not the tar headers,
    whose octal times are digit runs) and in the SQL its archive restores to."""
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    with tarfile.open(path) as tar:
        tar.extractall(unpacked, filter="data")
    raw = [m for f in sorted(unpacked.rglob("*")) if f.is_file()
           for m in MOBILE.findall(f.read_bytes().decode("latin-1"))]
    script = subprocess.run([ops._tool("pg_restore"), "-f", "-", str(unpacked / ops.ARCHIVE)],
                            check=True, capture_output=True).stdout.decode()
    return raw + MOBILE.findall(script)


def test_a_backup_holds_no_plaintext_phone(fresh_db, tmp_path):
    path, _ = ops.backup(fresh_db, tmp_path / "demo.backup")
    assert _plaintext_in_backup(path, tmp_path) == []


# ---------------------------------------------------------------- comparisons by blind index
def test_duplicate_demands_are_still_found_by_phone(fresh_db, identities):
    grid = identities["grid"]
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        unit, category = unit_id(c, "丽水社区第一网格"), c.execute("select min(id) as id from public.category").fetchone()["id"]
    first = commands.create(grid, "demand", {"title": "独居老人水管爆裂", "category_id": category, "org_unit_id": unit,
                                             "beneficiary_phone": "139 2222 3333"})
    with pytest.raises(LikelyDuplicates) as found:
        commands.create(grid, "demand", {"title": "完全不同的事情", "category_id": category, "org_unit_id": unit,
                                         "beneficiary_phone": "13922223333"}, check_duplicates=True)
    assert (first, "phone") in {(r["id"], r["reason"]) for r in found.value.rows}


def test_duplicate_applications_are_still_flagged_by_phone(conn):
    act_as_owner(conn)
    community = unit_id(conn, "丽水社区")
    known = conn.execute("select phone_enc from public.volunteer where active and community_id = %s limit 1",
                         (community,)).fetchone()["phone_enc"]
    act_as_public(conn)
    for phone in (crypto.decrypt("phone", known), "13733334444"):
        conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()}, notice_version)"
                     f" values ('volunteer', %(c)s, '李梅', {values()}, 'application_v1')",
                     {"c": community, **sealed(phone)})
    act_as_owner(conn)
    flags = [r["duplicate"] for r in conn.execute(
        "select duplicate from public.application where name = '李梅' order by id")]
    assert flags == [True, False]


def test_a_public_sign_up_names_the_volunteer_by_blind_index(fresh_db):
    from gongzhi.volunteers.seed import DEMO_CODE, DEMO_PHONE
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        post = c.execute("select p.id from public.post p join public.org_unit o on o.id = p.community_id"
                         " where o.name = '丽水社区' and p.status = 'open' and p.kind = 'post' limit 1").fetchone()["id"]
    volunteer_commands.public_sign_up(post, "138-0013-8000", DEMO_CODE, True)
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        row = c.execute("select s.via, v.phone_bidx from public.signup s join public.volunteer v on v.id = s.volunteer_id"
                        " where s.post_id = %s order by s.id desc limit 1", (post,)).fetchone()
    assert row["via"] == "public" and bytes(row["phone_bidx"]) == blind_index("phone", DEMO_PHONE)


# ---------------------------------------------------------------- unmasking
def _unmask_log(url: str) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as c:
        return c.execute("select actor, object, details from private.security_log where kind = 'unmask' order by id"
                         ).fetchall()


def test_unmask_needs_a_reason_the_right_and_leaves_an_entry(fresh_db, identities):
    grid = identities["grid"]
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        unit, category = unit_id(c, "丽水社区第一网格"), c.execute("select min(id) as id from public.category").fetchone()["id"]
    demand = commands.create(grid, "demand", {"title": "助老", "category_id": category, "org_unit_id": unit,
                                              "beneficiary_phone": "13955556666"})
    assert unmask(grid, "demand", demand, "beneficiary_phone", "回访老人确认维修时间") == "13955556666"
    assert unmask(identities["district"], "demand", demand, "beneficiary_phone", "督办核实") == "13955556666"
    for role in ("street", "community", "department"):
        with pytest.raises(DomainError) as refused:
            unmask(identities[role], "demand", demand, "beneficiary_phone", "想看看")
        assert refused.value.key == "personal.unmask_refused", role
    with pytest.raises(DomainError) as refused:
        unmask(grid, "demand", demand, "beneficiary_phone", "   ")
    assert refused.value.key == "personal.reason_required"
    with pytest.raises(DomainError):
        unmask(grid, "demand", demand, "title", "不是个人字段")
    entries = _unmask_log(fresh_db)
    assert [(e["object"], e["details"]) for e in entries] == [
        (f"demand:{demand}", {"field": "beneficiary_phone", "reason": "回访老人确认维修时间"}),
        (f"demand:{demand}", {"field": "beneficiary_phone", "reason": "督办核实"})]
    assert str(entries[0]["actor"]) == str(grid.user_id)
    assert not any("13955556666" in str(e) for e in entries)


def test_community_staff_unmask_their_volunteers_not_others(fresh_db, identities):
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        mine = c.execute("select v.id from public.volunteer v join public.org_unit o on o.id = v.community_id"
                         " where o.name = '丽水社区' limit 1").fetchone()["id"]
        other = c.execute("select v.id from public.volunteer v join public.org_unit o on o.id = v.community_id"
                          " where o.name <> '丽水社区' limit 1").fetchone()["id"]
    assert MOBILE.fullmatch(unmask(identities["community"], "volunteer", mine, "phone", "联系志愿者"))
    with pytest.raises(DomainError):
        unmask(identities["community"], "volunteer", other, "phone", "联系志愿者")


# ---------------------------------------------------------------- doctor
def test_doctor_reports_plaintext(fresh_db):
    from gongzhi import doctor
    ok = {f.check: f for f in doctor.run(fresh_db)}["plaintext"]
    assert ok.ok, ok
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("update public.demand set description = description || ' 联系人电话13912345678'"
                  " where id = (select min(id) from public.demand)")
    found = {f.check: f for f in doctor.run(fresh_db)}["plaintext"]
    assert not found.ok and "public.demand.description" in found.params["columns"]
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into private.plaintext_pending values ('demand', 'beneficiary_phone', '1', '13912345678')")
    waiting = {f.check: f for f in doctor.run(fresh_db)}["plaintext"]
    assert not waiting.ok and waiting.key == "doctor.plaintext.pending"


def test_pending_values_are_sealed_in_place_through_each_rows_key(conn):
    """The migrate step seals queued plain values batch by batch, finding each row by its key's
    index (never a scan of the table per value: an upgrade of a 1M-demand district must be linear),
    for integer and uuid keys alike, and empties the queue."""
    from gongzhi.personal import pending
    act_as_owner(conn)
    demands = [r["id"] for r in conn.execute("select id from public.demand order by id limit 3")]
    staff = conn.execute("select user_id from public.staff where phone_enc is not null limit 1").fetchone()["user_id"]
    conn.execute("select set_config('gongzhi.rekey', 'on', true)")
    conn.execute("update public.demand set beneficiary_phone_enc = null, beneficiary_phone_bidx = null,"
                 " beneficiary_phone_masked = null where id = any(%s)", (demands,))
    queued = {("demand", "beneficiary_phone", str(d)): f"1391234000{i}" for i, d in enumerate(demands)}
    queued[("staff", "phone", str(staff))] = "13912349999"
    for (table, column, row_id), value in queued.items():
        conn.execute("insert into private.plaintext_pending values (%s, %s, %s, %s)", (table, column, row_id, value))
    scans = "select coalesce(sum(seq_scan), 0) as n from pg_stat_xact_user_tables where relname in ('demand', 'staff')"
    before = conn.execute(scans).fetchone()["n"]
    assert pending.encrypt_pending(conn, batch=2) == 4
    assert conn.execute(scans).fetchone()["n"] == before
    assert conn.execute("select count(*) as n from private.plaintext_pending").fetchone()["n"] == 0
    for d in demands:
        enc = conn.execute("select beneficiary_phone_enc as e from public.demand where id = %s", (d,)).fetchone()["e"]
        assert crypto.decrypt("phone", enc) == queued[("demand", "beneficiary_phone", str(d))]
    enc = conn.execute("select phone_enc as e from public.staff where user_id = %s", (staff,)).fetchone()["e"]
    assert crypto.decrypt("phone", enc) == "13912349999"

"""The security log (安全日志, issue #25): one entry per sign-in, failure, sign-out, account change,
export and restore, without personal data; nobody changes or deletes an entry; the SM3 chain is
verified, survives concurrent writers and pruning, and names the first broken entry."""
import threading
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import errors
from psycopg.rows import dict_row
from streamlit.testing.v1 import AppTest

from gongzhi import backup as ops
from gongzhi import security_log
from gongzhi.auth import load_identity, local
from gongzhi.cli import main
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from gongzhi.lists import queries
from gongzhi.org import commands
from tests.conftest import DEMO_EMAILS, act_as, act_as_owner, drop_database, user_id

APP_TIMEOUT = 30
PERSONAL = ("13", "wangge@demo.gongzhi.cn", DEMO_PASSWORD, "wrong-password")


def _owner(url):
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def _entries_after(url, last_id):
    with _owner(url) as c:
        return c.execute("select * from private.security_log where id > %s order by id", (last_id,)).fetchall()


def _last(url):
    with _owner(url) as c:
        return c.execute("select coalesce(max(id), 0) as n from private.security_log").fetchone()["n"]


def _identity(url, key):
    with _owner(url) as c:
        return load_identity(user_id(c, key))


def _no_personal_data(entry, *extra):
    text = " ".join(str(entry[k]) for k in ("object", "details", "client"))
    for needle in (*PERSONAL[1:], *extra):
        assert needle not in text


# ---------------------------------------------------------------- what is logged
def test_a_sign_in_leaves_one_entry_with_the_user_and_the_client(fresh_db):
    before = _last(fresh_db)
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, "203.0.113.5")
    [entry] = _entries_after(fresh_db, before)
    assert (entry["kind"], str(entry["actor"]), entry["client"], entry["object"]) == \
        ("sign_in", user.user_id, "203.0.113.5", f"user:{user.user_id}")
    _no_personal_data(entry)


def test_a_failed_sign_in_leaves_one_entry_naming_the_account_but_not_what_was_typed(fresh_db):
    before = _last(fresh_db)
    with pytest.raises(DomainError):
        local.sign_in(DEMO_EMAILS["grid"], "wrong-password", "203.0.113.6")
    with pytest.raises(DomainError):
        local.sign_in("nobody@demo.gongzhi.cn", "wrong-password", "203.0.113.6")
    known, unknown = _entries_after(fresh_db, before)
    with _owner(fresh_db) as c:
        grid = user_id(c, "grid")
    assert (known["kind"], known["actor"], known["client"], known["object"], known["details"]) == \
        ("sign_in_failed", None, "203.0.113.6", f"user:{grid}", {"reason": "wrong_password"})
    assert (unknown["kind"], unknown["object"]) == ("sign_in_failed", None)
    for entry in (known, unknown):
        _no_personal_data(entry, "nobody@demo.gongzhi.cn")


def test_signing_out_leaves_one_entry(fresh_db):
    from tests.pages.conftest import APP
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    at.text_input(key="login_email").input(DEMO_EMAILS["grid"])
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    before = _last(fresh_db)
    at.button(key="sign_out").click().run()
    assert not at.exception
    [entry] = _entries_after(fresh_db, before)
    with _owner(fresh_db) as c:
        assert (entry["kind"], str(entry["actor"])) == ("sign_out", user_id(c, "grid"))


def test_an_export_leaves_one_entry_with_the_list_the_filters_and_the_count(fresh_db):
    user = _identity(fresh_db, "community")
    before = _last(fresh_db)
    filters = queries.ListFilters(status=("new",), keyword="王")
    rows = list(queries.export_rows(user, "demand", filters))
    [entry] = _entries_after(fresh_db, before)
    assert (entry["kind"], str(entry["actor"]), entry["object"]) == ("export", user.user_id, "demand")
    assert entry["details"] == {"list": "demand", "rows": len(rows),
                                "filters": {"status": ["new"], "keyword": True}}
    _no_personal_data(entry, "王")


def test_account_changes_leave_one_entry_each_without_the_password(fresh_db):
    district = _identity(fresh_db, "system")
    with _owner(fresh_db) as c:
        grid = user_id(c, "grid")
    before = _last(fresh_db)
    password = commands.reset_password(district, grid)
    commands.set_active(district, grid, False)
    commands.set_active(district, grid, True)
    entries = _entries_after(fresh_db, before)
    assert [(e["kind"], str(e["actor"]), e["object"], e["details"].get("action")) for e in entries] == [
        ("password_reset", district.user_id, f"user:{grid}", None),
        ("account", district.user_id, f"user:{grid}", "disable"),
        ("account", district.user_id, f"user:{grid}", "enable")]
    for entry in entries:
        _no_personal_data(entry, password)


def test_a_restore_leaves_one_entry_in_the_restored_database(fresh_db, pg_admin_url, tmp_path):
    local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, "203.0.113.7")
    path, manifest = ops.backup(fresh_db, tmp_path / "before.backup")
    before = _last(fresh_db)
    name = "gz_security_log_restore"
    drop_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    target = pg_admin_url.replace("/postgres?", f"/{name}?")
    try:
        ops.restore(path, target)
        [entry] = _entries_after(target, before)
        assert (entry["kind"], entry["actor"], entry["object"]) == ("restore", None, "before.backup")
        assert entry["details"]["backup_made_at"] == manifest.created_at
        with _owner(target) as c:
            assert security_log.verify(c).ok
    finally:
        drop_database(pg_admin_url, name)


# ---------------------------------------------------------------- nobody changes it
ROLES = ["anon", "grid", "community", "street", "district", "department", "system", "security", "audit",
         "gongzhi_auth", "gongzhi_portal"]


def _become(conn, role):
    if role in ("gongzhi_auth", "gongzhi_portal"):
        act_as_owner(conn)
        conn.execute(f"set local role {role}")
    else:
        act_as(conn, None if role == "anon" else role)


@pytest.mark.parametrize("statement", ["update private.security_log set kind = 'export'",
                                       "delete from private.security_log",
                                       "truncate private.security_log"])
@pytest.mark.parametrize("role", ROLES)
def test_no_role_may_change_or_delete_an_entry(conn, role, statement):
    security_log.append(conn, "export", object="demand", details={"rows": 1})
    _become(conn, role)
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied"), conn.transaction():
        conn.execute(statement)
    act_as_owner(conn)


@pytest.mark.parametrize("statement", ["update private.security_log set kind = 'export'",
                                       "delete from private.security_log",
                                       "truncate private.security_log"])
def test_even_the_owner_is_refused_by_the_guard(conn, statement):
    security_log.append(conn, "export", object="demand", details={"rows": 1})
    with pytest.raises(errors.InsufficientPrivilege, match="security_log.append_only"), conn.transaction():
        conn.execute(statement)


@pytest.mark.parametrize("role", ["grid", "district", "gongzhi_auth"])
def test_writers_append_only_through_the_chain(conn, role):
    _become(conn, role)
    security_log.append(conn, "export", object="demand", details={"rows": 1})
    with pytest.raises(errors.SerializationFailure, match="not_the_head"), conn.transaction():
        conn.execute("select private.security_log_append(1, 'export', null, null, '{}', %s, %s)",
                     ("0" * 64, "1" * 64))
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into private.security_log (id, kind, prev_hash, hash) values (999999, 'export', %s, %s)",
                     ("0" * 64, "1" * 64))
    act_as_owner(conn)


@pytest.mark.parametrize("role,may", [("audit", True), ("district", False), ("system", False), ("security", False),
                                      ("street", False), ("grid", False), ("department", False),
                                      ("anon", False), ("gongzhi_auth", False)])
@pytest.mark.parametrize("query", ["select * from private.security_log_page(null, null, null, '', '', 50, 0)",
                                   "select * from private.security_log_rows(null, null, null, '', '')"])
def test_only_the_audit_administrator_reads_the_log(conn, role, may, query):
    security_log.append(conn, "export", object="demand", details={"rows": 1})
    _become(conn, role)
    if may:
        rows = conn.execute(query).fetchall()
        assert rows and rows[-1 if "rows" in query else 0]["kind"] == "export"
    else:
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute(query)
    act_as_owner(conn)


# ---------------------------------------------------------------- the chain
def _write_some(url, n=4):
    with _owner(url) as c:
        for i in range(n):
            security_log.append(c, "export", object="demand", details={"rows": i})


def _tamper(url, statement):
    with _owner(url) as c:
        c.execute("alter table private.security_log disable trigger security_log_append_only")
        c.execute(statement)
        c.execute("alter table private.security_log enable trigger security_log_append_only")


def test_verify_passes_on_a_good_chain(fresh_db):
    _write_some(fresh_db)
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{_last(fresh_db)} entries; the chain begins at entry 1" in result.output
    with _owner(fresh_db) as c:
        last = c.execute("select hash from private.security_log order by id desc limit 1").fetchone()["hash"]
    assert result.output.strip().endswith(f"last hash {last}")


def test_verify_names_an_edited_entry(fresh_db):
    _write_some(fresh_db)
    _tamper(fresh_db, "update private.security_log set details = '{\"rows\": 99}' where id = 3")
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "broken at entry 3 (hash)" in result.output


def test_verify_names_the_entry_after_a_deleted_one(fresh_db):
    _write_some(fresh_db)
    _tamper(fresh_db, "delete from private.security_log where id = 2")
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "broken at entry 3 (missing)" in result.output


def test_verify_notices_the_oldest_entries_removed_without_pruning(fresh_db):
    _write_some(fresh_db)
    _tamper(fresh_db, "delete from private.security_log where id = 1")
    with _owner(fresh_db) as c:
        verdict = security_log.verify(c)
    assert (verdict.broken_id, verdict.reason) == (2, "start")


def test_concurrent_writers_still_make_one_chain(fresh_db):
    per_writer, barrier, failures = 15, threading.Barrier(2), []

    def writer(key):
        try:
            user = _identity(fresh_db, key)
            barrier.wait()
            for i in range(per_writer):
                security_log.record(user, "export", object="demand", details={"rows": i})
        except Exception as exc:  # reported below; a thread's exception would otherwise be lost
            failures.append(exc)

    before = _last(fresh_db)
    threads = [threading.Thread(target=writer, args=(k,)) for k in ("grid", "district")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(_entries_after(fresh_db, before)) == 2 * per_writer
    with _owner(fresh_db) as c:
        assert security_log.verify(c).ok


# ---------------------------------------------------------------- retention
def _old_entries(url, days_ago, n):
    """`n` entries written `days_ago` days ago (as they would have been), chained properly."""
    with _owner(url) as c:
        assert c.execute("select count(*) as n from private.security_log").fetchone()["n"] == 0
        prev = security_log.GENESIS
        for i in range(1, n + 1):
            entry = {"id": i, "at": datetime.now(timezone.utc) - timedelta(days=days_ago, minutes=n - i),
                     "kind": "export", "actor": None, "client": None, "object": "demand",
                     "details": {"rows": i}, "prev_hash": prev}
            prev = security_log.entry_hash(entry)
            c.execute("insert into private.security_log (id, at, kind, object, details, prev_hash, hash)"
                      " values (%s, %s, 'export', 'demand', %s, %s, %s)",
                      (i, entry["at"], psycopg.types.json.Jsonb(entry["details"]), entry["prev_hash"], prev))


def test_prune_refuses_less_than_180_days(fresh_db):
    result = CliRunner().invoke(main, ["audit", "prune", "--days", "179"])
    assert result.exit_code == 1 and "180" in result.output
    with _owner(fresh_db) as c, pytest.raises(errors.CheckViolation, match="retention_too_short"):
        c.execute("select * from private.security_log_prune(30)")


def test_prune_removes_old_entries_records_itself_and_verify_still_passes(fresh_db):
    _old_entries(fresh_db, 400, 3)
    _write_some(fresh_db, 2)
    result = CliRunner().invoke(main, ["audit", "prune", "--days", "365"])
    assert result.exit_code == 0 and "removed 3 entries; the chain now begins at entry 4" in result.output
    entries = _entries_after(fresh_db, 0)
    assert [e["id"] for e in entries] == [4, 5, 6] and entries[-1]["kind"] == "prune"
    assert entries[-1]["details"]["removed"] == 3
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0 and "3 entries; the chain begins at entry 4" in result.output


def test_the_guard_lets_only_the_retention_delete_and_only_old_entries(fresh_db):
    _old_entries(fresh_db, 400, 2)
    _write_some(fresh_db, 1)
    with _owner(fresh_db) as c:
        with pytest.raises(errors.InsufficientPrivilege), c.transaction():
            c.execute("delete from private.security_log where id = 1")
        with pytest.raises(errors.InsufficientPrivilege), c.transaction():   # a recent entry, even so flagged
            c.execute("select set_config('gongzhi.security_log_prune', 'on', true)")
            c.execute("delete from private.security_log where id = 3")


def test_the_database_refuses_details_with_personal_keys(conn):
    act_as(conn, "grid")
    with pytest.raises(errors.CheckViolation, match="security_log.personal_data"), conn.transaction():
        security_log.append(conn, "export", details={"phone": "13912345678"})
    act_as_owner(conn)

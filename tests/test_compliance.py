"""`python -m gongzhi compliance` on the demo district: every control point, in Chinese by default and
in English, as JSON; each state follows what the database and the backup folder show."""
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from gongzhi import compliance, security_log
from gongzhi.cli import main
from gongzhi.personal import retention
from tests.conftest import unit_id


def _point(points, name):
    return next(p for p in points if p.name == name)


def _keys(point):
    return {e.key: e for e in point.evidence}


@pytest.fixture
def empty_backups(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_BACKUP_DIR", str(tmp_path))
    return tmp_path


def test_every_control_point_is_assessed_with_evidence(conn, empty_backups):
    points = compliance.assess(conn)
    assert [p.name for p in points] == list(compliance.POINTS)
    assert all(p.evidence and p.state in compliance.STATES for p in points)
    assert _point(points, "backup").state == "action"                      # no backup yet
    assert "retention_never" in _keys(_point(points, "residual"))          # the job never ran
    assert _point(points, "personal").state == "met"
    assert _keys(_point(points, "audit"))["chain"].state == "met"


def test_a_backup_and_a_retention_run_turn_their_points_met(conn, empty_backups):
    (empty_backups / "gongzhi-20261205-023000-000000.backup").write_bytes(b"x")
    retention.run(conn)
    points = compliance.assess(conn)
    assert _point(points, "backup").state == "met"
    assert _keys(_point(points, "residual"))["retention_last"].state == "met"
    old = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    assert _point(compliance.assess(conn, now=old), "backup").state == "action"   # two days later: stale


def test_a_request_past_its_deadline_needs_action(conn, empty_backups):
    conn.execute("insert into public.subject_request (org_unit_id, kind, received_on, phone_masked)"
                 " values (%s, 'copy', current_date - 40, '139****0000')", (unit_id(conn, "丽水社区"),))
    evidence = _keys(_point(compliance.assess(conn), "personal"))["requests"]
    assert evidence.state == "action" and evidence.params["late"] >= 1


def test_an_edited_security_log_entry_breaks_the_audit_point(conn, empty_backups):
    security_log.append(conn, "setting", object="setting:test", details={"from": 1, "to": 2})
    conn.execute("alter table private.security_log disable trigger security_log_append_only")
    conn.execute("update private.security_log set object = 'setting:other' where object = 'setting:test'")
    audit = _point(compliance.assess(conn), "audit")
    assert audit.state == "action" and "chain_broken" in _keys(audit)


def test_plaintext_phones_are_counted_until_encrypted(conn, empty_backups):
    sealed = _keys(_point(compliance.assess(conn), "confidentiality"))
    assert sealed["plaintext"].state == "met" and sealed["encryption"].state == "met"
    conn.execute("insert into private.plaintext_pending (table_name, column_name, row_id, value)"
                 " select 'volunteer', 'phone', id::text, '13900001111' from public.volunteer")
    evidence = _keys(_point(compliance.assess(conn), "confidentiality"))["plaintext"]
    plain = conn.execute("select count(*) as n from public.volunteer").fetchone()["n"]
    assert evidence.state == "action" and evidence.params["n"] == plain > 0


def test_a_phone_typed_into_free_text_is_found(conn, empty_backups):
    conn.execute("update public.application set note = '电话 13900001111' where id = (select min(id) from public.application)")
    evidence = _keys(_point(compliance.assess(conn), "confidentiality"))
    assert evidence["encryption_found"].state == "action"
    assert "public.application.note" in evidence["encryption_found"].params["columns"]


def test_the_command_prints_chinese_english_and_json(fresh_db, empty_backups):
    zh = CliRunner().invoke(main, ["compliance"])
    assert zh.exit_code == 0, zh.output
    for title in ("身份鉴别", "访问控制", "安全审计", "入侵防范", "数据完整性", "数据保密性", "数据备份恢复",
                  "剩余信息保护", "个人信息保护"):
        assert title in zh.output
    assert "部署方还须" in zh.output and "个控制点中" in zh.output
    en = CliRunner().invoke(main, ["compliance", "--lang", "en"])
    assert "Residual information protection" in en.output and "needs action by the deployer" in en.output
    data = json.loads(CliRunner().invoke(main, ["compliance", "--json"]).output)
    assert [p["point"] for p in data["points"]] == list(compliance.POINTS)
    assert {p["state"] for p in data["points"]} <= set(compliance.STATES)


def test_retention_run_says_what_it_did_per_table(fresh_db):
    dry = CliRunner().invoke(main, ["retention", "run", "--dry-run"])
    assert dry.exit_code == 0 and "demand: would anonymise 0 rows" in dry.output
    done = CliRunner().invoke(main, ["retention", "run"])
    assert done.exit_code == 0 and "logged in the security log" in done.output
    assert all(f"{t}: anonymised" in done.output for t in retention.RULES)


def test_the_inventory_markdown_is_printed(fresh_db):
    out = CliRunner().invoke(main, ["compliance", "--inventory-markdown"]).output
    assert "beneficiary_phone" in out and "| 数据表 |" in out and "| Table |" in out

"""`doctor` on backups: the backup job's and the restore drill's newest outcomes, read from the
security log; a failed one is a problem, in the reader's language, until a later one succeeds."""
import psycopg
from click.testing import CliRunner

from gongzhi import doctor, security_log
from gongzhi.cli import main


def _finding(url: str, check) -> doctor.Finding:
    with psycopg.connect(url) as conn:
        return check(conn)


def _append(url: str, kind: str, details: dict) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        security_log.append(conn, kind, object="-", details=details)


def test_a_failed_drill_or_backup_is_a_problem_until_a_later_one_succeeds(fresh_db):
    assert _finding(fresh_db, doctor.check_drill).key == "doctor.drill.none"
    assert _finding(fresh_db, doctor.check_backup).key == "doctor.backup.none"

    _append(fresh_db, "drill", {"ok": False, "problems": ["barman check failed: WAL archive"]})
    _append(fresh_db, "backup", {"ok": False, "problem": "backup.dump_failed",
                                 "params": {"detail": "pg_dump: error: connection lost"}})
    drill, backup = _finding(fresh_db, doctor.check_drill), _finding(fresh_db, doctor.check_backup)
    assert not drill.ok and "barman check failed: WAL archive" in drill.render("en")
    assert not backup.ok and backup.render("zh").startswith("✘ 数据备份: 备份失败：pg_dump: error: connection lost")
    shown = CliRunner().invoke(main, ["doctor", "--lang", "en"])
    assert shown.exit_code == 1 and "✘ Restore drills" in shown.output and "✘ Backups" in shown.output

    _append(fresh_db, "drill", {"ok": True, "rto_s": 31.5, "problems": []})
    _append(fresh_db, "backup", {"ok": True, "bytes": 1, "rows": 1})
    assert _finding(fresh_db, doctor.check_drill).ok and "31.5" in _finding(fresh_db, doctor.check_drill).render("en")
    assert _finding(fresh_db, doctor.check_backup).ok

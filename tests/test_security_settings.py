"""The security settings: defaults, bounds, and a change logged in the security log."""
import pytest

from gongzhi import security_log, security_settings
from gongzhi.errors import DomainError


def test_log_kinds_agree_with_the_database(conn):
    kinds = {r["kind"] for r in conn.execute("select kind from private.security_log_kind")}
    assert kinds == set(security_log.KINDS)


def test_a_value_out_of_bounds_or_of_the_wrong_kind_is_refused(monkeypatch):
    monkeypatch.setitem(security_settings.DEFAULTS, "test.minutes", security_settings.Setting(30, low=5, high=60))
    monkeypatch.setitem(security_settings.DEFAULTS, "test.flag", security_settings.Setting(True))
    assert security_settings.check("test.minutes", "45") == 45
    for bad in (4, 61, "soon", None):
        with pytest.raises(DomainError):
            security_settings.check("test.minutes", bad)
    with pytest.raises(DomainError, match="not_bool"):
        security_settings.check("test.flag", "yes")
    with pytest.raises(DomainError, match="unknown"):
        security_settings.check("no.such.key", 1)


def test_a_change_is_stored_and_logged_and_only_the_security_administrator_may_make_it(fresh_db, monkeypatch):
    import psycopg
    from psycopg.rows import dict_row

    from gongzhi.auth import load_identity
    from tests.conftest import user_id

    monkeypatch.setitem(security_settings.DEFAULTS, "test.minutes", security_settings.Setting(30, low=5, high=60))
    with psycopg.connect(fresh_db, autocommit=True, row_factory=dict_row) as c:
        security, *others = (load_identity(user_id(c, role)) for role in ("security", "grid", "district", "system",
                                                                           "audit"))
    security_settings.change(security, "test.minutes", 20)
    for other in others:
        with pytest.raises(Exception):
            security_settings.change(other, "test.minutes", 10)
    with psycopg.connect(fresh_db, autocommit=True, row_factory=dict_row) as c:
        assert security_settings.get(c, "test.minutes") == 20
        entry = c.execute("select * from private.security_log order by id desc limit 1").fetchone()
    assert (entry["kind"], entry["object"], entry["details"]) == ("setting", "setting:test.minutes", {"from": 30, "to": 20})

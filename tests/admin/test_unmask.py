"""Who may unmask personal data: granted with a reason and withdrawn by the security administrator,
each logged; `private.may_unmask()` follows; nobody else may change the list."""
import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi.admin import unmask
from gongzhi.errors import DomainError


def _may_unmask(identity) -> bool:
    with identity.session() as conn:
        return conn.execute("select private.may_unmask() as ok").fetchone()["ok"]


def test_grant_and_withdraw_with_a_reason_each_logged(fresh_db, user_of):
    security, grid = user_of("security"), user_of("grid")
    assert grid.user_id in {str(p["user_id"]) for p in unmask.candidates(security)}
    assert not {str(p["user_id"]) for p in unmask.candidates(security)} & {user_of(a).user_id for a in ("system", "audit")}
    with pytest.raises(DomainError, match="admin.unmask.reason_required"):
        unmask.grant(security, grid.user_id, "   ")
    with pytest.raises(DomainError, match="admin.unmask.reason_too_long"):
        unmask.grant(security, grid.user_id, "长" * 201)
    assert not _may_unmask(grid)
    unmask.grant(security, grid.user_id, "核实困难家庭补贴名单")
    assert _may_unmask(grid)
    [row] = unmask.grants(security)
    assert (row["display_name"], row["reason"], row["granted_by_name"]) == ("刘洋", "核实困难家庭补贴名单", "郑晓燕")
    with pytest.raises(DomainError):
        unmask.grant(security, grid.user_id, "再来一次")
    unmask.withdraw(security, grid.user_id)
    assert not _may_unmask(grid) and unmask.grants(security) == []
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        entries = c.execute("select kind, object, details from private.security_log order by id desc limit 2").fetchall()
    assert [(e["kind"], e["object"], e["details"]["action"]) for e in entries] == [
        ("capability", f"user:{grid.user_id}", "unmask_withdraw"), ("capability", f"user:{grid.user_id}", "unmask_grant")]


@pytest.mark.parametrize("who", ["district", "system", "audit", "grid"])
def test_nobody_else_grants_unmasking(fresh_db, user_of, who):
    with pytest.raises(DomainError, match="error.forbidden"):
        unmask.grant(user_of(who), user_of("grid").user_id, "想看")
    assert not _may_unmask(user_of("grid"))

"""The 报·审·督·晒 state machine lives in the database: moves outside public.status_transition are
refused, only the level above reviews (审), only the owning level submits, reports and publishes,
and every refusal carries an i18n key."""
import psycopg
import pytest

from gongzhi import i18n
from tests.conftest import act_as, act_as_owner, unit_id


def _claim(conn, unit_name: str, role: str) -> int:
    """As `role` (staff of `unit_name`): a secretary project and its claim at their own unit."""
    act_as(conn, role)
    unit = unit_id(conn, unit_name)
    project = conn.execute("insert into public.project (org_unit_id, kind, name, budget) values (%s, 'secretary',"
                           " '老旧小区改造', 100000) returning id", (unit,)).fetchone()["id"]
    return conn.execute("""insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline)
                           values (%s, %s, '张伟', '改造老旧小区', '改造小区3个', current_date + 90) returning id""",
                        (project, unit)).fetchone()["id"]


def _move(conn, role: str, claim: int, status: str, note: str | None = None) -> None:
    act_as(conn, role)
    with conn.transaction():
        n = conn.execute("update public.secretary_project set status = %s, review_note = coalesce(%s, review_note)"
                         " where id = %s",
                         (status, note, claim)).rowcount
    assert n == 1, f"{role} could not see the claim"


def _refused(conn, role: str, claim: int, status: str, note: str | None = None) -> str:
    act_as(conn, role)
    with pytest.raises(psycopg.Error) as caught, conn.transaction():
        n = conn.execute("update public.secretary_project set status = %s, review_note = coalesce(%s, review_note)"
                         " where id = %s",
                         (status, note, claim)).rowcount
        if n == 0:
            raise psycopg.errors.InsufficientPrivilege("gongzhi:error.forbidden")
    message = caught.value.diag.message_primary or str(caught.value)
    key = message.removeprefix("gongzhi:")
    assert message.startswith("gongzhi:") and i18n.has(key), message
    return key


def _status(conn, claim: int) -> str:
    act_as_owner(conn)
    return conn.execute("select status from public.secretary_project where id = %s", (claim,)).fetchone()["status"]


def test_the_whole_path_claim_submit_approve_report_note_publish(conn):
    claim = _claim(conn, "丽水社区", "community")
    _move(conn, "community", claim, "submitted")
    _move(conn, "street", claim, "approved", "同意")
    act_as(conn, "community")
    conn.execute("insert into public.secretary_update (secretary_project_id, kind, body, progress)"
                 " values (%s, 'report', '已完成摸排', 40)", (claim,))
    act_as(conn, "street")
    conn.execute("insert into public.secretary_update (secretary_project_id, kind, body) values (%s, 'note', '加快进度')",
                 (claim,))
    act_as(conn, "community")
    conn.execute("""update public.secretary_project set status = 'published', result = '完成改造3个小区',
                    problems_solved = 12, people_reached = 900, published_on = current_date where id = %s""", (claim,))
    assert _status(conn, claim) == "published"
    row = conn.execute("select reviewed_by, submitted_at from public.secretary_project where id = %s", (claim,)).fetchone()
    assert row["reviewed_by"] is not None, row
    assert row["submitted_at"] is not None, row


def test_a_returned_claim_needs_reasons_and_goes_back_up(conn):
    claim = _claim(conn, "丽水社区", "community")
    _move(conn, "community", claim, "submitted")
    assert _refused(conn, "street", claim, "returned", "") == "secretary.error.reasons"
    _move(conn, "street", claim, "returned", "指标不够具体")
    _move(conn, "community", claim, "submitted")
    assert _status(conn, claim) == "submitted"


@pytest.mark.parametrize("path, bad", [
    ([], "approved"), ([], "published"), ([], "returned"),
    (["submitted"], "claimed"), (["submitted"], "published"),
    (["submitted", "approved"], "submitted"), (["submitted", "approved"], "returned"),
])
def test_moves_outside_the_machine_are_refused(conn, path, bad):
    claim = _claim(conn, "丽水社区", "community")
    for step in path:
        reviewing = step in ("approved", "returned")
        _move(conn, "street" if reviewing else "community", claim, step, "理由" if reviewing else None)
    reviewing = bad in ("approved", "returned")
    key = _refused(conn, "street" if reviewing else "community", claim, bad, "理由" if reviewing else None)
    assert key == "status.invalid_transition"
    assert _status(conn, claim) == (path[-1] if path else "claimed")


@pytest.mark.parametrize("role", ["community", "grid", "district"])
def test_only_the_level_above_reviews_a_community_claim(conn, role):
    claim = _claim(conn, "丽水社区", "community")
    _move(conn, "community", claim, "submitted")
    key = _refused(conn, role, claim, "approved")
    assert key in ("secretary.level_above_only", "error.forbidden")
    assert _status(conn, claim) == "submitted"



def test_a_street_claim_is_reviewed_by_the_district_not_by_itself(conn):
    claim = _claim(conn, "长江路街道", "street")
    _move(conn, "street", claim, "submitted")
    assert _refused(conn, "street", claim, "approved") == "secretary.level_above_only"
    _move(conn, "district", claim, "approved")
    assert _status(conn, claim) == "approved"


def test_the_level_above_neither_submits_nor_edits_nor_reports(conn):
    claim = _claim(conn, "丽水社区", "community")
    assert _refused(conn, "street", claim, "submitted") == "secretary.own_level_only"
    act_as(conn, "street")
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.own_level_only"), conn.transaction():
        conn.execute("update public.secretary_project set goal = '改写目标' where id = %s", (claim,))
    _move(conn, "community", claim, "submitted")
    _move(conn, "street", claim, "approved")
    act_as(conn, "street")
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.own_level_only"), conn.transaction():
        conn.execute("insert into public.secretary_update (secretary_project_id, kind, body, progress)"
                     " values (%s, 'report', '代报', 50)", (claim,))
    act_as(conn, "community")
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.level_above_only"), conn.transaction():
        conn.execute("insert into public.secretary_update (secretary_project_id, kind, body) values (%s, 'note', '自督')",
                     (claim,))


def test_a_submitted_claim_is_locked_and_a_report_waits_for_approval(conn):
    claim = _claim(conn, "丽水社区", "community")
    act_as(conn, "community")
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.report_after_approval"), conn.transaction():
        conn.execute("insert into public.secretary_update (secretary_project_id, kind, body, progress)"
                     " values (%s, 'report', '提前报告', 10)", (claim,))
    _move(conn, "community", claim, "submitted")
    act_as(conn, "community")
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.claim_locked"), conn.transaction():
        conn.execute("update public.secretary_project set targets = '改造小区1个' where id = %s", (claim,))


def test_a_claim_is_made_at_the_claimers_own_unit_only(conn):
    act_as(conn, "street")
    project = conn.execute("insert into public.project (org_unit_id, kind, name) values (%s, 'secretary', '代认领')"
                           " returning id", (unit_id(conn, "丽水社区"),)).fetchone()["id"]
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.own_level_only"), conn.transaction():
        conn.execute("""insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline)
                        values (%s, %s, '李秀英', '目标', '指标', current_date + 30)""",
                     (project, unit_id(conn, "丽水社区")))


def test_only_secretary_projects_of_district_street_or_community_are_claimed(conn):
    act_as(conn, "community")
    project = conn.execute("insert into public.project (org_unit_id, kind, name) values (%s, 'joint', '共建项目')"
                           " returning id", (unit_id(conn, "丽水社区"),)).fetchone()["id"]
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.not_a_secretary_project"), conn.transaction():
        conn.execute("""insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline)
                        values (%s, %s, '张伟', '目标', '指标', current_date + 30)""", (project, unit_id(conn, "丽水社区")))
    act_as(conn, "grid")
    project = conn.execute("insert into public.project (org_unit_id, kind, name) values (%s, 'secretary', '网格项目')"
                           " returning id", (unit_id(conn, "丽水社区第一网格"),)).fetchone()["id"]
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.level"), conn.transaction():
        conn.execute("""insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline)
                        values (%s, %s, '刘洋', '目标', '指标', current_date + 30)""",
                     (project, unit_id(conn, "丽水社区第一网格")))


def test_publishing_needs_a_result_and_then_is_final(conn):
    claim = _claim(conn, "丽水社区", "community")
    _move(conn, "community", claim, "submitted")
    _move(conn, "street", claim, "approved", "同意")
    assert _refused(conn, "community", claim, "published") == "secretary.result_needed"
    act_as(conn, "community")
    conn.execute("update public.secretary_project set status = 'published', result = '完成' where id = %s", (claim,))
    act_as(conn, "community")
    with pytest.raises(psycopg.Error, match="gongzhi:secretary.published_is_final"), conn.transaction():
        conn.execute("update public.secretary_project set people_reached = 99999 where id = %s", (claim,))
    act_as_owner(conn)
    assert conn.execute("select published_on = current_date as today from public.secretary_project where id = %s",
                        (claim,)).fetchone()["today"]

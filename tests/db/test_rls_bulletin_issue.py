"""RLS matrix: a bulletin's issue (月通报签发) is written by the district and read by the street it
covers and that street's communities; the district's own bulletin is read by every street and
community. A bulletin covers the district or a street, so a place stands for its street (the
district's place for the district): for a community, inside, outside (a community of the same
street) and above are all its own street, and the crafted read of another street is tested below."""
import pytest
from psycopg import errors as pgerr

from tests.conftest import act_as, act_as_owner, unit_id, user_id
from tests.db.rls import ALL, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test


def _scope(conn, unit: int) -> int:
    return conn.execute("select case when kind = 'district' then id else street_id end as id"
                        " from public.org_unit where id = %s", (unit,)).fetchone()["id"]


def _free_period(conn, scope: int):
    """A month before this one that the scope's bulletin has not been issued for."""
    return conn.execute("""select (coalesce(min(period), date_trunc('month', now() at time zone 'Asia/Shanghai')::date)
                                   - interval '1 month')::date as p
                           from public.bulletin_issue where org_unit_id = %s""", (scope,)).fetchone()["p"]


def _prepare(conn, unit):
    scope = _scope(conn, unit)
    return {"unit": scope, "period": _free_period(conn, scope)}


def _make(conn, unit):
    key = _prepare(conn, unit)
    return {"id": conn.execute("insert into public.bulletin_issue (org_unit_id, period) values (%(unit)s, %(period)s)"
                               " returning id", key).fetchone()["id"]}


SPEC = Spec(
    table="bulletin_issue",
    key="id = %(id)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.bulletin_issue (org_unit_id, period) values (%(unit)s, %(period)s)",
    update_set="period = period",
)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=NONE, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "community": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "grid": NOTHING,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def _issue(conn, unit_name: str) -> int:
    act_as_owner(conn)
    return _make(conn, unit_id(conn, unit_name))["id"]


def _sees(conn, role: str, issue: int) -> bool:
    act_as(conn, role)
    n = conn.execute("select count(*) as n from public.bulletin_issue where id = %s", (issue,)).fetchone()["n"]
    act_as_owner(conn)
    return n == 1


def test_a_community_reads_its_street_and_district_but_not_another_street(conn):
    assert _sees(conn, "community", _issue(conn, "长江路街道"))
    assert _sees(conn, "community", _issue(conn, "滨江区"))
    assert not _sees(conn, "community", _issue(conn, "新华街道"))
    assert not _sees(conn, "street", _issue(conn, "新华街道"))


@pytest.mark.parametrize("unit,month,key", [
    ("丽水社区", "last", "bulletin.issue.scope"),         # a community's bulletin is not issued
    ("长江路街道", "this", "bulletin.issue.not_ended"),   # this month has not ended
])
def test_the_district_cannot_issue_what_is_not_a_bulletin(conn, unit, month, key):
    act_as_owner(conn)
    period = conn.execute("select (date_trunc('month', now() at time zone 'Asia/Shanghai')"
                          + (" - interval '1 month'" if month == "last" else "") + ")::date as p").fetchone()["p"]
    target = unit_id(conn, unit)
    act_as(conn, "district")
    with pytest.raises(pgerr.RaiseException, match=f"gongzhi:{key}"):
        with conn.transaction():
            conn.execute("insert into public.bulletin_issue (org_unit_id, period) values (%s, %s)", (target, period))
    act_as_owner(conn)


def test_a_bulletin_is_issued_once_and_stamped_with_the_issuer(conn):
    act_as_owner(conn)
    street, issuer = unit_id(conn, "长江路街道"), user_id(conn, "district")
    act_as(conn, "district")
    row = conn.execute("""insert into public.bulletin_issue (org_unit_id, period, created_by)
                          values (%s, '2026-01-01', null) returning created_by, terr""", (street,)).fetchone()
    assert str(row["created_by"]) == issuer
    with pytest.raises(pgerr.UniqueViolation):
        with conn.transaction():
            conn.execute("insert into public.bulletin_issue (org_unit_id, period) values (%s, '2026-01-01')", (street,))
    act_as_owner(conn)

"""The district's card 月通报未签发 counts each bulletin (the district's and each street's) of every
month that has ended since the unit began — and no further back than todo.BULLETIN_MONTHS months —
whose bulletin is not issued; its list (`gongzhi.dashboard.issue.unissued`) holds exactly those."""
import datetime as dt

from gongzhi import todo
from tests.conftest import act_as, act_as_owner, unit_id

NOW = dt.datetime.now(dt.timezone.utc)
STREET = "长江路街道"


def _months_back(n: int) -> dt.date:
    last = todo.params(NOW)["last_month"]
    index = last.year * 12 + last.month - 1 - (n - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def _card(conn) -> int:
    act_as(conn, "district")
    found = next(c.total for c in todo.counts_on(conn, "district", NOW, None) if c.card.key == "bulletin_unissued")
    act_as_owner(conn)
    return found


def _listed(conn) -> list[tuple[str, dt.date]]:
    act_as(conn, "district")
    rows = conn.execute(f"""select o.name, m.period from {todo.source('bulletin_unissued', 'org_unit')}
                            where {todo.predicate('bulletin_unissued', 'org_unit')} order by m.period, o.terr""",
                        todo.params(NOW)).fetchall()
    act_as_owner(conn)
    return [(r["name"], r["period"]) for r in rows]


def _began(conn, name: str, months: int) -> None:
    conn.execute("update public.org_unit set created_at = %s::date + interval '10 days' where name = %s",
                 (_months_back(months), name))


def test_the_demo_district_has_last_months_five_to_issue(conn):
    # The demo issued the two months before last (gongzhi.dashboard.demo): those units began then.
    assert _card(conn) == 5
    assert {period for _name, period in _listed(conn)} == {_months_back(1)}


def test_every_ended_month_since_the_unit_began_counts_until_issued(conn):
    _began(conn, STREET, 5)      # months 5 and 4 back were never issued; 3 and 2 back were
    assert _card(conn) == 7
    listed = _listed(conn)
    assert len(listed) == 7
    assert [p for n, p in listed if n == STREET] == [_months_back(5), _months_back(4), _months_back(1)]
    conn.execute("insert into public.bulletin_issue (org_unit_id, period) values (%s, %s)",
                 (unit_id(conn, STREET), _months_back(4)))
    assert _card(conn) == 6 and (STREET, _months_back(4)) not in _listed(conn)


def test_no_further_back_than_the_horizon(conn):
    _began(conn, STREET, 40)
    # Within the horizon, months 3 and 2 back are issued: the other ten count, and the rest of the
    # district's last month (four bulletins).
    assert _card(conn) == todo.BULLETIN_MONTHS - 2 + 4
    assert min(p for _n, p in _listed(conn)) == _months_back(todo.BULLETIN_MONTHS) == todo.params(NOW)["horizon"]


def test_a_street_begun_this_month_owes_nothing_yet(conn):
    conn.execute("""insert into public.org_unit (parent_id, kind, name, code)
                    values ((select id from public.org_unit where kind = 'district'), 'street', '新城街道', 'XC01')""")
    assert _card(conn) == 5 and "新城街道" not in [n for n, _p in _listed(conn)]
    _began(conn, "新城街道", 1)    # begun last month: last month's bulletin is due
    assert _card(conn) == 6 and ("新城街道", _months_back(1)) in _listed(conn)

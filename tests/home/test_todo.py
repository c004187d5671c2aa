"""The 待办 cards count rows of the user's territory only: a row planted outside it changes nothing,
the same row inside it counts once (row-level security, the user's own transaction)."""
import datetime as dt

import pytest

from gongzhi import todo
from gongzhi.errors import DomainError
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import PLACES

NOW = dt.datetime.now(dt.timezone.utc)


def _counts(conn, role) -> dict[str, int]:
    act_as(conn, role)
    found = {c.card.key: c.total for c in todo.counts_on(conn, role, NOW, None)}
    act_as_owner(conn)
    return found


def _demand(conn, unit: int, **extra) -> None:
    conn.execute("""insert into public.demand (org_unit_id, category_id, title, needed_by)
                    values (%(unit)s, (select min(id) from public.category), '代购药品', %(needed_by)s)""",
                 {"unit": unit, "needed_by": extra.get("needed_by")})


def _red_event(conn, unit: int) -> None:
    new = conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments)
                          values (%(unit)s, (select min(id) from public.category), '占道经营', '江滩路 1 号',
                                  array[(select min(id) from public.department)]) returning id""",
                       {"unit": unit}).fetchone()["id"]
    conn.execute("""update public.event set deadline = now() - interval '1 day', yellow_at = now() - interval '2 days'
                    where id = %s""", (new,))


PLANTS = {   # role → (card, how to plant a row of it at a unit)
    "grid": ("demands_to_confirm", _demand),
    "community": ("demands_overdue", lambda conn, unit: _demand(conn, unit, needed_by=dt.date(2020, 1, 1))),
    "street": ("lights_red", _red_event),
    "district": ("lights_red", _red_event),
}


@pytest.mark.parametrize("role", list(PLANTS))
def test_a_card_counts_its_territory_only(conn, role):
    card, plant = PLANTS[role]
    before = _counts(conn, role)[card]
    if role != "district":    # the district's territory is everything
        plant(conn, unit_id(conn, PLACES[role]["outside"]))
        assert _counts(conn, role)[card] == before
    plant(conn, unit_id(conn, PLACES[role]["inside"]))
    assert _counts(conn, role)[card] == before + 1


def test_a_department_counts_only_its_own_summons(conn):
    before = _counts(conn, "department")["summons_to_report"]
    conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments)
                    values (%s, (select min(id) from public.category), '井盖缺失', '丽水路 2 号',
                            array[(select max(id) from public.department d   -- not a 包联 unit's own: it answers only where paired
                                    where not exists (select from public.baolian_unit b where b.department_id = d.id))])""",
                 (unit_id(conn, PLACES["grid"]["inside"]),))
    assert _counts(conn, "department")["summons_to_report"] == before


def test_a_card_belongs_to_its_roles_and_its_page():
    assert todo.card("lights_red", "street", "supervision").key == "lights_red"
    for key, role, page in (("lights_red", "grid", "supervision"), ("lights_red", "street", "events"),
                            ("nope", "grid", "demands"), (None, "grid", "demands")):
        with pytest.raises(DomainError) as refused:
            todo.card(key, role, page)
        assert refused.value.key == "todo.bad_link"
    with pytest.raises(DomainError):
        todo.predicate("lights_red", "demand")

"""包联 in the database, through the domain functions as district staff: the proposal honours every
unit's capacity and explains each pair; the database refuses a pair over capacity; confirming
registers the unit at the community (单位报到, with its sealed contact phone) and the pair is then
final; others only read."""
import psycopg
import pytest

from gongzhi.errors import DomainError
from gongzhi.levers import baolian
from gongzhi.lists.forms import FormError
from tests.pages.conftest import identity_of
from tests.conftest import ACCOUNTS


@pytest.fixture
def district(fresh_db):
    return identity_of(ACCOUNTS["district"])


def _first_proposed(district) -> dict:
    """The first proposed pair (the demo district also has a confirmed one)."""
    return next(p for p in baolian.pairs(district, limit=500) if p["status"] == "proposed")


def test_the_proposal_honours_capacity_and_gives_reasons(district):
    n = baolian.propose(district)
    assert n > 0
    rows = baolian.pairs(district, limit=500)
    held = {}
    for r in rows:
        held[r["baolian_unit_id"]] = held.get(r["baolian_unit_id"], 0) + 1
        assert len(r["reasons"]) >= (4 if r["status"] == "proposed" else 3) and all(x["key"].startswith("baolian.reason.") for x in r["reasons"])
    capacity = {u["id"]: u["capacity"] for u in baolian.units(district)}
    assert all(held[u] <= capacity[u] for u in held)
    assert sum(capacity.values()) >= n


def test_a_second_proposal_replaces_the_first_and_keeps_confirmed_pairs(district):
    baolian.propose(district)
    first = [p for p in baolian.pairs(district, limit=500) if p["status"] == "proposed"]
    assert baolian.confirm(district, first[0]["id"], "王主任", "13812345678")
    baolian.propose(district)
    again = baolian.pairs(district, limit=500)
    kept = [r for r in again if r["id"] == first[0]["id"]]
    assert kept and kept[0]["status"] == "confirmed"
    held = {}
    for r in again:
        held[r["baolian_unit_id"]] = held.get(r["baolian_unit_id"], 0) + 1
    capacity = {u["id"]: u["capacity"] for u in baolian.units(district)}
    assert all(held[u] <= capacity[u] for u in held)


def test_confirming_registers_the_unit_at_the_community_and_is_final(district, fresh_db):
    baolian.propose(district)
    pair = _first_proposed(district)
    with pytest.raises(FormError):
        baolian.confirm(district, pair["id"], "王主任", "12")
    assert not baolian.registered(district, pair["id"])
    baolian.confirm(district, pair["id"], "王主任", "13812345678")
    assert baolian.registered(district, pair["id"])
    with psycopg.connect(fresh_db) as conn:
        unit = conn.execute("""select u.org_unit_id, u.name, u.phone_masked from public.baolian_pair p
                               join public.unit u on u.id = p.unit_id where p.id = %s""", (pair["id"],)).fetchone()
    assert unit[:2] == (pair["community_id"], pair["unit_name"]) and "5678" in unit[2] and "1234" not in unit[2]
    with pytest.raises(DomainError) as refused:
        baolian.remove_pair(district, pair["id"])
    assert refused.value.key == "baolian.confirmed_is_final"


def test_the_database_refuses_a_pair_over_capacity(district):
    unit = next(u for u in baolian.units(district) if u["capacity"] == 1)
    communities = baolian.communities(district)
    baolian.add_pair(district, unit["id"], communities[0]["id"])
    with pytest.raises(DomainError) as refused:
        baolian.add_pair(district, unit["id"], communities[1]["id"])
    assert refused.value.key == "baolian.over_capacity"


def test_a_community_reads_its_pairs_but_cannot_propose(district, fresh_db):
    baolian.propose(district)
    community = identity_of(ACCOUNTS["community"])
    seen = baolian.pairs(community, limit=100)
    assert seen and {r["community_name"] for r in seen} == {"丽水社区"}
    with pytest.raises(DomainError):
        baolian.propose(community)


def test_the_database_refuses_a_confirmation_without_a_registration_there(district, fresh_db):
    baolian.propose(district)
    pair = _first_proposed(district)
    with district.session() as conn, pytest.raises(psycopg.Error, match="gongzhi:baolian.contact_needed"):
        conn.execute("update public.baolian_pair set status = 'confirmed' where id = %s", (pair["id"],))

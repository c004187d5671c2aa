"""Photos on the grid worker's rounds: a round and each of its findings carry photos, seen by the
territory that sees the round; a finding reported up as a demand or an event shows its photos on
that demand or event (linked, not copied), and nowhere else."""
import psycopg
import pytest

from gongzhi.errors import DomainError
from gongzhi.fieldwork import commands as field
from gongzhi.fieldwork.forms import FindingForm, RoundForm
from gongzhi.photos import commands, queries
from gongzhi.photos.storage import FolderStore
from tests.photos.conftest import grid_worker_of, identity, picture, unit

GRID = "丽水社区第一网格"


def test_rounds_and_findings_carry_photos_to_the_demand_and_event_they_become(fresh_db, tmp_path):
    store = FolderStore(tmp_path / "photos")
    grid, community, street = identity("grid"), identity("community"), identity("street")
    other = grid_worker_of("江滩社区第一网格")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        safety = conn.execute("select id from public.category where code = 'safety'").fetchone()[0]
    visit = field.log_round(grid, RoundForm(
        kind="patrol", org_unit_id=unit(GRID), place="5号楼车棚",
        findings=[FindingForm("消防通道堆放杂物", "demand", category_id=safety),
                  FindingForm("电动车飞线充电", "on_spot")]))
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        (to_demand, demand), (on_spot, _) = conn.execute(
            "select id, demand_id from public.finding where visit_id = %s order by id", (visit,)).fetchall()

    round_photo = commands.upload(grid, "visit", visit, picture(), caption="车棚全景", store=store)
    demand_photo = commands.upload(grid, "finding", to_demand, picture("PNG"), store=store)
    spot_photo = commands.upload(grid, "finding", on_spot, picture("WEBP"), caption="飞线", store=store)

    assert [p["id"] for p in queries.photos(community, "visit", visit)] == [round_photo]
    assert queries.photos(other, "visit", visit) == []
    with pytest.raises(DomainError) as refused:
        commands.upload(other, "finding", on_spot, picture(), store=store)
    assert refused.value.key == "error.forbidden"

    # the demand the finding became shows the finding's photo to whoever sees the demand's round
    assert [(p["id"], p["finding_id"]) for p in queries.linked(community, "demand", demand)] == \
        [(demand_photo, to_demand)]
    assert queries.linked(other, "demand", demand) == []
    assert queries.image(street, demand_photo, thumb=True, store=store)[1] == "image/jpeg"

    # reported up later in one tap: the event shows the photo taken on the spot
    event = field.report_up(grid, on_spot, "event", safety)
    assert [p["id"] for p in queries.linked(street, "event", event)] == [spot_photo]
    assert [p["id"] for p in queries.linked(street, "demand", demand)] == [demand_photo]
    with pytest.raises(DomainError):
        queries.linked(street, "milestone", 1)

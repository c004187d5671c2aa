"""A finding reported up as a whistle event: the department summoned to the event sees the photos
taken on the round (without the finding's text); another department sees none of them."""
import psycopg

from gongzhi.errors import DomainError
from gongzhi.fieldwork import commands as field
from gongzhi.fieldwork.forms import FindingForm, RoundForm
from gongzhi.photos import commands, queries
from gongzhi.photos.storage import FolderStore
from tests.photos.conftest import identity, picture, unit

GRID = "丽水社区第一网格"


def test_the_summoned_department_sees_the_rounds_photos_on_the_event(fresh_db, tmp_path):
    store = FolderStore(tmp_path / "photos")
    grid, department = identity("grid"), identity("department")
    other_department = identity("dept-gongan@demo.gongzhi.cn")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        chengguan = conn.execute("select id from public.department where code = 'chengguan'").fetchone()[0]
        category = conn.execute("select c.id from public.category c join public.event_routing r on r.category_id = c.id"
                                " where r.department_id = %s and not exists (select from public.event_routing o"
                                " join public.department d on d.id = o.department_id"
                                " where o.category_id = c.id and d.code = 'gongan') order by c.id limit 1",
                                (chengguan,)).fetchone()
    assert category is not None, "the demo routes some category to 城管 and not to 公安"
    visit = field.log_round(grid, RoundForm(kind="patrol", org_unit_id=unit(GRID), place="5号楼车棚",
                                            findings=[FindingForm("电动车飞线充电", "on_spot")]))
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        finding = conn.execute("select id from public.finding where visit_id = %s", (visit,)).fetchone()[0]
    photo = commands.upload(grid, "finding", finding, picture(), caption="飞线", store=store)
    event = field.report_up(grid, finding, "event", category[0])

    seen = queries.linked(department, "event", event)
    assert [(p["id"], p["finding_id"], p["caption"], p["what"]) for p in seen] == [(photo, finding, "飞线", None)]
    assert queries.image(department, photo, thumb=True, store=store)[1] == "image/jpeg"
    assert queries.linked(identity("street"), "event", event)[0]["what"] == "电动车飞线充电"

    assert queries.linked(other_department, "event", event) == []
    try:
        queries.image(other_department, photo, store=store)
    except DomainError as exc:
        assert exc.key == "photos.missing"
    else:
        raise AssertionError("another department fetched the photo")

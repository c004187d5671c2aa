"""A finding's photo where the event went, under the real app.py: a grid worker's round finds a
problem, takes a photo and reports it up as an event; the street's 督办 board shows that photo for
the event's number (and says so for a number it does not see), and the summoned department sees it
on 事件办理."""
import psycopg
import pytest

from gongzhi.fieldwork import commands as field
from gongzhi.fieldwork.forms import FindingForm, RoundForm
from gongzhi.photos import commands as photo_commands
from tests.photos.conftest import identity, picture, unit


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _reported_event(fresh_db) -> tuple[int, int]:
    grid = identity("grid")
    with psycopg.connect(fresh_db) as c:
        category = c.execute("""select r.category_id from public.event_routing r join public.department d
                                  on d.id = r.department_id and d.code = 'chengguan'
                                where not exists (select from public.event_routing o join public.department g
                                                    on g.id = o.department_id and g.code = 'gongan'
                                                  where o.category_id = r.category_id)
                                order by r.category_id limit 1""").fetchone()[0]
    visit = field.log_round(grid, RoundForm(kind="patrol", org_unit_id=unit("丽水社区第一网格"), place="7号楼车棚",
                                            findings=[FindingForm("车棚内电动车飞线充电（页面测试）", "on_spot")]))
    with psycopg.connect(fresh_db) as c:
        finding = c.execute("select id from public.finding where visit_id = %s", (visit,)).fetchone()[0]
    photo = photo_commands.upload(grid, "finding", finding, picture(), caption="飞线现场")
    return field.report_up(grid, finding, "event", category), photo


def test_the_street_sees_the_rounds_photo_on_the_board(app_as, fresh_db):
    event, _photo = _reported_event(fresh_db)
    at = app_as("street", "pages/supervision.py").run()
    assert not at.exception
    assert not at.image
    at.number_input(key="sv_photos_event").set_value(event).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.image) == 1
    assert any("走访/巡查时拍摄" in c.value for c in at.caption)
    assert not at.get("file_uploader")                      # to look at, not to change
    at.number_input(key="sv_photos_event").set_value(999_999_999).run()
    assert not at.exception and not at.image
    assert any("#999999999" in i.value for i in at.info)


def test_the_summoned_department_sees_it_on_its_event(app_as, fresh_db):
    event, _photo = _reported_event(fresh_db)
    at = app_as("department", "pages/events.py").run()
    at.selectbox(key="ev_selected").set_value(event).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.image) == 1
    assert any("走访/巡查时拍摄" in c.value for c in at.caption)

"""The demo's 随手拍 photos on the pages where photos show, under the real app.py with the
configured store (where loading the demo put them): the community's triage board shows a
message's photo and opens it at full size, the grid worker's rounds show tonight's patrol's
findings' photos, and the street's 督办 board shows the photo of the finding that was whistled up
as the event."""
import psycopg

from gongzhi.photos import demo as photos_demo


def test_the_triage_board_shows_a_messages_demo_photo(app_as, fresh_db):
    with psycopg.connect(fresh_db) as c:
        lamp = c.execute("""select s.id from public.suggestion s join public.org_unit o on o.id = s.org_unit_id
                            where o.name = '丽水社区' and starts_with(s.body, '3号楼东侧路灯坏了')""").fetchone()[0]
    at = app_as("community", "pages/suggestions.py").run()
    at.selectbox(key="triage_pick").set_value(lamp).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.image) == 1
    at.button(key=f"photos_suggestion_{lamp}_open_" + str(_photo_of(fresh_db, "suggestion", lamp))).click().run()
    assert not at.exception and len(at.image) == 2                # and at full size


def _photo_of(url: str, kind: str, subject: int) -> int:
    with psycopg.connect(url) as c:
        return c.execute("select id from public.photo where subject_kind = %s and subject_id = %s",
                         (kind, subject)).fetchone()[0]


def test_the_grid_workers_rounds_show_the_findings_demo_photos(app_as, fresh_db):
    at = app_as("grid", "pages/field_today.py").run()
    at.segmented_control(key="field_view").set_value("rounds").run()
    assert not at.exception
    assert any(photos_demo.PATROL_PLACE in m.value for m in at.markdown)
    with psycopg.connect(fresh_db) as c:
        findings = [r[0] for r in c.execute("select f.id from public.finding f join public.visit v on v.id = f.visit_id"
                                            " where v.place = %s order by f.id", (photos_demo.PATROL_PLACE,))]
    assert len(findings) == 3
    for finding in findings:
        at.toggle(key=f"finding_photos_{finding}").set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.image) == 3


def test_the_event_a_finding_became_shows_its_photo_on_the_street_board(app_as, fresh_db):
    with psycopg.connect(fresh_db) as c:
        event = c.execute("select f.event_id from public.finding f join public.visit v on v.id = f.visit_id"
                          " where v.place = %s and f.outcome = 'event'", (photos_demo.PATROL_PLACE,)).fetchone()[0]
    at = app_as("street", "pages/supervision.py").run()
    at.number_input(key="sv_photos_event").set_value(event).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.image) == 1
    assert any("走访/巡查时拍摄" in c.value for c in at.caption)

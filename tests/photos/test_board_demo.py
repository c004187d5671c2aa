"""The demo's before/after pairs for the public 晒 board (gongzhi/photos/board_demo.py): one on a
completed project's milestone, one on a closed whistle event, both in 长江路街道, marked 可公开 as
before and after, their cleaned bytes in the configured store."""
import io

from PIL import Image

from gongzhi.photos.storage import store as configured_store


def test_the_demo_marks_a_before_and_after_pair_on_a_completed_project_and_a_closed_event(conn):
    rows = conn.execute(
        """select p.subject_kind, p.stage, p.public_as, p.object_key, p.thumb_key, p.caption,
                  coalesce(pr.status, case when e.closed_at is not null then 'closed' end) as subject_state,
                  s.name as street
           from public.photo p
           left join public.project_milestone m on p.subject_kind = 'milestone' and m.id = p.subject_id
           left join public.project pr on pr.id = m.project_id
           left join public.event e on p.subject_kind = 'event' and e.id = p.subject_id
           join public.org_unit s on s.id = coalesce(pr.street_id, e.street_id)
           where p.public_as is not null order by p.subject_kind, p.public_as desc""").fetchall()
    assert [(r["subject_kind"], r["public_as"]) for r in rows] == [
        ("event", "before"), ("event", "after"), ("milestone", "before"), ("milestone", "after")]
    assert all(r["street"] == "长江路街道" for r in rows)
    assert {r["subject_state"] for r in rows} == {"done", "closed"}
    assert all(r["stage"] == r["public_as"] for r in rows if r["subject_kind"] == "event")
    store = configured_store()
    for r in rows:
        with Image.open(io.BytesIO(store.get(r["object_key"]))) as image:
            assert image.format == "JPEG" and not image.getexif()
        assert store.get(r["thumb_key"])
    assert len({store.get(r["object_key"]) for r in rows}) == 4, "four different pictures"

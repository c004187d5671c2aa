"""The demo district's 随手拍 photos: 丽水社区's messages about the lamp, the bin and the stairwell carry
a photo each, and tonight's patrol of 丽水社区第一网格 has three findings with photos — solved on the
spot, reported up as a demand, whistled up as an event. The pictures are real JPEGs made by
Pillow, cleaned like an upload, small (all of them under 300 kB), their bytes in the configured
store; loading the demo again into the same store is harmless. (The board's marked before/after pairs
are gongzhi/photos/board_demo.py's: tests/photos/test_board_demo.py.) The pages where photos show draw
them: the community's triage board, the grid worker's rounds, the demand, and the event on the
street's 督办 board (tests/pages/test_demo_photos.py)."""
import datetime as dt
import io

from PIL import Image

from gongzhi.photos import demo as photos_demo
from gongzhi.photos.storage import FolderStore, store as configured_store
from tests.conftest import act_as, act_as_owner

MESSAGE_STARTS = [start for start, _scene, _caption in photos_demo.MESSAGE_PHOTOS]


def _demo_photos(conn) -> list[dict]:
    return conn.execute(
        """select p.id, p.subject_kind, p.subject_id, p.object_key, p.thumb_key, p.content_type, p.size_bytes,
                  p.width, p.height, p.caption, coalesce(s.body, f.what) as about, f.outcome, f.demand_id, f.event_id
           from public.photo p
           left join public.suggestion s on p.subject_kind = 'suggestion' and s.id = p.subject_id
           left join public.finding f on p.subject_kind = 'finding' and f.id = p.subject_id
           where p.public_as is null
           order by p.id""").fetchall()


def test_the_demo_has_photos_on_messages_and_on_the_patrols_findings(conn):
    rows = _demo_photos(conn)
    messages = [r for r in rows if r["subject_kind"] == "suggestion"]
    findings = [r for r in rows if r["subject_kind"] == "finding"]
    assert sorted(start for start in MESSAGE_STARTS if any(m["about"].startswith(start) for m in messages)) == \
        sorted(MESSAGE_STARTS)
    assert sorted(f["outcome"] for f in findings) == ["demand", "event", "on_spot"]
    assert all(f["demand_id"] for f in findings if f["outcome"] == "demand")
    assert all(f["event_id"] for f in findings if f["outcome"] == "event")
    assert all(r["caption"] and any("\u4e00" <= ch <= "\u9fff" for ch in r["caption"]) for r in rows)
    places = {r["name"] for r in conn.execute(
        "select distinct o.name from public.photo p join public.org_unit o on o.terr = p.terr"
        " where o.kind in ('community', 'grid')")}
    assert places <= {"丽水社区", "丽水社区第一网格"}
    patrol = conn.execute("""select v.visited_on, v.kind from public.visit v join public.finding f on f.visit_id = v.id
                             where f.id = %s""", (findings[0]["subject_id"],)).fetchone()
    assert patrol["kind"] == "patrol" and patrol["visited_on"] >= dt.date.today() - dt.timedelta(days=1)


def test_the_pictures_are_clean_small_jpegs_in_the_store(conn):
    store = configured_store()
    total = 0
    for row in _demo_photos(conn):
        body, thumb = store.get(row["object_key"]), store.get(row["thumb_key"])
        assert len(body) == row["size_bytes"] and row["content_type"] == "image/jpeg"
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "JPEG" and image.size == (row["width"], row["height"]) == photos_demo.SIZE
            assert not image.getexif()
        with Image.open(io.BytesIO(thumb)) as small:
            assert max(small.size) <= 320
        total += len(body) + len(thumb)
    assert 0 < total < 300 * 1024


def test_the_staff_who_see_the_row_see_its_demo_photo(conn):
    act_as(conn, "community")
    assert {r["subject_kind"] for r in conn.execute("select subject_kind from public.photo")} >= {"suggestion"}
    act_as(conn, "grid")
    assert {r["subject_kind"] for r in conn.execute("select subject_kind from public.photo where public_as is null")} \
        == {"finding"}
    act_as_owner(conn)


def test_a_key_holds_one_picture_so_a_second_load_into_the_same_store_is_harmless(conn, tmp_path):
    """Two databases loaded from the demo (the tests' template on each worker, a rebuilt server)
    name the same keys for the same pictures: a file already there is kept, not an error."""
    store = FolderStore(tmp_path / "photos")
    rows = _demo_photos(conn)
    act_as_owner(conn)
    conn.execute("delete from public.photo")
    clean = photos_demo.images.clean(photos_demo.picture("lamp"), 10 * 1024 * 1024)
    first = [r for r in rows if r["subject_kind"] == "suggestion"][0]
    key, thumb = photos_demo.keys_of("suggestion", first["subject_id"], clean)
    store.put(key, clean.data, "image/jpeg")                   # an earlier load put the picture there
    assert photos_demo.load(conn, store=store) == 6
    again = conn.execute("select object_key, thumb_key from public.photo where subject_kind = 'suggestion'"
                         " and subject_id = %s", (first["subject_id"],)).fetchone()
    assert (again["object_key"], again["thumb_key"]) == (key, thumb)
    assert store.get(key) == clean.data and store.get(thumb) == clean.thumb
    assert len([p for p in store.root.rglob("*") if p.is_file()]) == 12

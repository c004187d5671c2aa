"""The public 晒 board: `publish` writes the demo district as a static site whose every file is free
of personal data, whose figures are the database's, and which refuses to write over other files."""
import json
import re

import psycopg
import pytest
from click.testing import CliRunner
from PIL import Image
from psycopg.rows import dict_row

from gongzhi import cli, publish
from gongzhi.errors import DomainError
from gongzhi.personal.inventory import FIELDS
from gongzhi.publish import sections, site

PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
MASKED_PHONE = re.compile(r"(?<!\d)1[3-9]\d[*＊xX]{4}\d{4}(?!\d)")   # the catalogue's mask, 138****8000
# GB 11643: six-digit area code, birth date 18xx–20xx, three-digit sequence, check digit or X
ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9])")


def _names(conn) -> set[str]:
    """Every resident's name of the demo data: each field the data inventory calls a name."""
    out = set()
    for f in FIELDS:
        if f.kind == "name":
            out |= {r["v"] for r in conn.execute(f"select distinct {f.column} as v from public.{f.table}"
                                                 f" where {f.column} is not null")}
    return {n.strip() for n in out if n and n.strip()}


def _masked_phones(conn) -> set[str]:
    out = set()
    for f in FIELDS:
        if f.kind == "phone" and f.encrypted:
            out |= {r["v"] for r in conn.execute(f"select distinct {f.column}_masked as v from public.{f.table}"
                                                 f" where {f.column}_masked is not null")}
    return out


def _plant(url: str) -> None:
    """As the owner, committed in the test's own database: a completed project whose name carries a
    phone and an ID number, as a careless entry would; the board must not repeat them."""
    with psycopg.connect(url) as conn:
        community = conn.execute("select id from public.org_unit where name = '丽水社区'").fetchone()[0]
        project = conn.execute(
            """insert into public.project (org_unit_id, kind, name, status, progress, beneficiaries, end_date)
               values (%s, 'livelihood', '加装电梯 联系13912345678 身份证330106199001011234', 'planning', 0, 12,
                       current_date) returning id""", (community,)).fetchone()[0]
        conn.execute("update public.project set status = 'in_progress' where id = %s", (project,))
        conn.execute("update public.project set status = 'done', progress = 100 where id = %s", (project,))


def test_the_published_demo_district_holds_no_personal_data(fresh_db, tmp_path):
    _plant(fresh_db)
    done = publish.publish(fresh_db, tmp_path / "site")
    assert done.sections == ("demands", "projects", "whistle", "volunteers", "suggestions", "deliberation", "secretary",
                             "photo")
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert len(files) == done.files and done.pages == 2 * (1 + 4 + 16)
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        names, masked = _names(conn), _masked_phones(conn)
    assert len(names) > 50 and len(masked) > 50, "the scan looks for the demo's residents"
    found = []
    photos = [p for p in files if p.suffix in (".jpg", ".png", ".webp")]
    assert photos, "the demo's marked before/after photos are published"
    for path in photos:   # pixels only: no EXIF (camera, time, GPS) and no text chunks
        image = Image.open(path)
        assert not image.getexif() and not getattr(image, "text", None), path.name
    for path in (p for p in files if p not in photos):
        text = path.read_text(encoding="utf-8-sig")
        found += [(path.name, "phone", m) for m in PHONE.findall(text) + MASKED_PHONE.findall(text)]
        found += [(path.name, "id_number", m) for m in ID_NUMBER.findall(text)]
        found += [(path.name, "masked", m) for m in masked if m in text]
        found += [(path.name, "name", n) for n in names if n in text]
    assert found == []
    page = (tmp_path / "site" / "community-330100001001.html").read_text(encoding="utf-8")
    assert "加装电梯 联系＊＊＊" in page, "the planted project is published, its numbers hidden"


def test_the_scan_finds_what_it_looks_for():
    assert PHONE.findall("电话 13912345678，") and MASKED_PHONE.findall("139****5678")
    assert ID_NUMBER.findall("身份证330106199001011234") and not ID_NUMBER.findall("2026-12-05 330100001001")


def test_every_page_has_its_english_twin_the_data_and_the_charts_offline(shared_url, tmp_path, conn):
    out = tmp_path / "site"
    publish.publish(shared_url, out)
    index, english = (out / "index.html").read_text(encoding="utf-8"), (out / "index.en.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index and 'href="index.en.html"' in index and 'href="index.html"' in english
    assert "需求清单：收到与解决" in index and "Demands received and resolved" in english
    assert "http" not in re.sub(r'"\$schema": "https://vega[^"]*"', "", index).replace("https://", "http"), \
        "nothing is fetched from another host"
    assert (out / "assets" / "vega.js").stat().st_size > 100_000 and 'src="assets/vega.js"' in index
    assert 'name="viewport"' in index
    streets = [p.name for p in out.glob("street-*.html")]
    assert len(streets) == 8 and all(f'href="{p}"' in index for p in streets if not p.endswith(".en.html"))
    data = json.loads((out / "data" / "330100.json").read_text(encoding="utf-8"))
    received = conn.execute("select count(*) as n from public.demand").fetchone()["n"]
    assert data["sections"]["demands"]["figures"]["demands_received"] == received
    done = conn.execute("select count(*) as n from public.project where status = 'done'").fetchone()["n"]
    assert data["sections"]["projects"]["figures"]["projects_done"] == done
    csv = (out / "data" / "330100-demands_by_unit.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and "单位,收到,解决" in csv.decode("utf-8-sig").splitlines()[0]


def test_the_three_rates_are_those_of_the_supervision_ranking(fresh_db, tmp_path):
    from gongzhi.whistle import queries
    from tests.conftest import DEMO_EMAILS
    from tests.pages.conftest import identity_of
    publish.publish(fresh_db, tmp_path / "site")
    data = json.loads((tmp_path / "site" / "data" / "330100.json").read_text(encoding="utf-8"))
    table = data["sections"]["whistle"]["tables"]["rates_by_unit"]
    published = {row[0]: row[2:] for row in table["rows"]}
    ranking = {r["name_zh"]: [r["response_rate"], r["resolution_rate"], r["satisfaction_rate"]]
               for r in queries.rates(identity_of(DEMO_EMAILS["district"]), "street")}
    assert ranking and {k: v for k, v in published.items() if k in ranking} == ranking


def test_a_folder_with_other_files_is_refused_and_left_alone(shared_url, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DomainError) as refused:
        publish.publish(shared_url, tmp_path)
    assert refused.value.key == "publish.folder_not_empty"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_publishing_again_replaces_the_previous_site(shared_url, tmp_path):
    out = tmp_path / "site"
    publish.publish(shared_url, out)
    (out / "street-gone.html").write_text("old page")
    (out / "data" / "gone.json").write_text("{}")
    publish.publish(shared_url, out)
    assert not (out / "street-gone.html").exists() and not (out / "data" / "gone.json").exists()
    assert (out / site.MARKER).exists()


def test_the_command_line_publishes_and_explains_a_refusal(fresh_db, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli.main, ["publish", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output and (tmp_path / "site" / "index.html").exists()
    assert "数据截至 " in result.output and "读自主库" in result.output
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    refused = runner.invoke(cli.main, ["publish", str(tmp_path / "other")])
    assert refused.exit_code == 1 and "不是空目录" in refused.output


def test_a_section_registered_later_joins_every_page(shared_url, tmp_path, monkeypatch):
    def counts(conn, tree):
        n = conn.execute("select count(*) as n from public.org_unit where kind = 'grid'").fetchone()["n"]
        return {tree.district.id: sections.Block(figures={"demands_open": n})}
    monkeypatch.setitem(sections._REGISTRY, "demands_extra", sections.Section("demands_extra", counts))
    monkeypatch.setitem(sections._REGISTRY, "absent", sections.Section("absent", counts, requires="no_such_table"))
    done = publish.publish(shared_url, tmp_path / "site")
    assert done.sections[-1] == "demands_extra" and "absent" not in done.sections
    data = json.loads((tmp_path / "site" / "data" / "330100.json").read_text(encoding="utf-8"))
    assert data["sections"]["demands_extra"]["figures"] == {"demands_open": 80}


def test_the_board_reads_from_the_standby_when_one_is_configured(monkeypatch, fresh_db):
    monkeypatch.setenv("GONGZHI_DATABASE_URL", fresh_db)
    monkeypatch.delenv("GONGZHI_READ_DATABASE_URL", raising=False)
    assert publish.source_url() == fresh_db
    standby = fresh_db + ("&" if "?" in fresh_db else "?") + "application_name=standby"
    monkeypatch.setenv("GONGZHI_READ_DATABASE_URL", standby)
    assert publish.source_url() == standby

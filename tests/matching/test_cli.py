"""`python -m gongzhi match lapse`, run with click's CliRunner against a database of its own."""
import psycopg
from click.testing import CliRunner
from psycopg.rows import dict_row

from gongzhi.cli import main
from gongzhi.matching import queries
from tests.conftest import DEMO_EMAILS
from tests.matching import helpers as h
from tests.pages.conftest import identity_of


def test_lapse_returns_capacity_and_staff_see_the_provider(fresh_db, monkeypatch):
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        cat = h.new_category(conn)
        grid = h.unit(conn, "丽水社区第一网格")
        r = h.resource(conn, grid, cat, provider="拖延单位", capacity=2)
        old, fresh = h.match(conn, h.demand(conn, grid, cat), r), h.match(conn, h.demand(conn, grid, cat), r)
        conn.execute("update public.match set created_at = now() - interval '4 days' where id = %s", (old,))
        conn.commit()
    runner = CliRunner()
    refused = runner.invoke(main, ["match", "lapse", "--days", "0"])
    assert refused.exit_code != 0 and "失效天数应为正整数" in refused.output
    monkeypatch.setenv("GONGZHI_MATCH_LAPSE_DAYS", "3")
    result = runner.invoke(main, ["match", "lapse"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "lapsed 1 proposal(s)"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select allocated from public.resource where id = %s", (r,)).fetchone()[0] == 1
        statuses = dict(conn.execute("select id, status from public.match where id in (%s, %s)", (old, fresh)).fetchall())
    assert statuses == {old: "lapsed", fresh: "proposed"}
    report = queries.lapses_by_provider(identity_of(DEMO_EMAILS["grid"]))
    assert [(row["provider"], row["lapsed"], row["matches"]) for row in report] == [("拖延单位", 1, 2)]

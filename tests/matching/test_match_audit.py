"""A new match's audit row is built from its columns by name (`private.audit_match_inserted`, the
对接会's commit, migration 20261205122000) rather than from the whole row less the omitted keys: it
must still be exactly the image `private.audit_rows()` writes for every other table, so a column
added to `match` and not to the function fails here."""
from tests.conftest import act_as, act_as_owner, user_id
from tests.matching import helpers as h

GRID = "丽水社区第一网格"


def test_each_new_match_is_audited_with_the_generic_image(conn):
    cat = h.new_category(conn)
    grid = h.unit(conn, GRID)
    demands = [h.demand(conn, grid, cat) for _ in range(3)]
    r = h.resource(conn, grid, cat, capacity=5)
    act_as(conn, "community")
    made = [row["id"] for row in conn.execute(
        "insert into public.match (demand_id, resource_id, score, reasons)"
        " select d, %s, 7.5, '{\"distance\": 3}'::jsonb from unnest(%s::bigint[]) d returning id",
        (r, demands)).fetchall()]
    act_as_owner(conn)
    rows = conn.execute("""
        select a.actor, a.terr, a.action, a.old_row, a.new_row,
               to_jsonb(m) - private.audit_omitted_keys() as generic, m.terr as match_terr
        from public.audit_log a join public.match m on a.row_id = m.id::text
        where a.table_name = 'match' and m.id = any (%s) order by m.id""", (made,)).fetchall()
    assert len(rows) == 3
    for row in rows:
        assert row["new_row"] == row["generic"]
        assert "reasons" not in row["new_row"] and row["new_row"]["score"] == 7.5
        assert (row["action"], row["old_row"], row["terr"]) == ("insert", None, row["match_terr"])
        assert str(row["actor"]) == user_id(conn, "community")

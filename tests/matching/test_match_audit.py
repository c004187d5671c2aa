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


def test_every_audited_column_of_a_resource_is_compared(conn):
    """`private.audit_resource_updated` images only rows whose audited columns changed: a column of
    `resource` missing from its comparison would go unaudited."""
    body = conn.execute("select prosrc from pg_proc where oid = 'private.audit_resource_updated()'::regprocedure"
                        ).fetchone()["prosrc"]
    columns = [r["attname"] for r in conn.execute("""
        select attname from pg_attribute where attrelid = 'public.resource'::regclass and attnum > 0
          and not attisdropped and attname <> 'id' and attname <> all (private.audit_omitted_keys())""")]
    new_side, old_side = body[body.index("where (n."):].split("is distinct from")
    compared = {side: {c.strip(" ()\n").split(".")[1] for c in text.split("where", 1)[-1].split(",") if "." in c}
                for side, text in (("new", new_side), ("old", old_side.split(")) x")[0]))}
    assert len(columns) > 10
    assert sorted(compared["new"]) == sorted(compared["old"]) == sorted(columns)


def test_a_resource_change_is_audited_with_the_generic_images_and_a_booking_is_not(conn):
    grid = h.unit(conn, GRID)
    r = h.resource(conn, grid, h.new_category(conn), capacity=4)
    before = conn.execute("select to_jsonb(r) - private.audit_omitted_keys() as image from public.resource r"
                          " where id = %s", (r,)).fetchone()["image"]
    updates = "select old_row, new_row, terr from public.audit_log where table_name = 'resource' and row_id = %s" \
              " and action = 'update' order by id"
    conn.execute("update public.resource set allocated = 2 where id = %s", (r,))        # as the bookings do
    assert conn.execute(updates, (str(r),)).fetchall() == []
    act_as(conn, "community")
    conn.execute("update public.resource set capacity = 6, name = '改名资源' where id = %s", (r,))
    act_as_owner(conn)
    after = conn.execute("select to_jsonb(r) - private.audit_omitted_keys() as image, terr from public.resource r"
                         " where id = %s", (r,)).fetchone()
    [row] = conn.execute(updates, (str(r),)).fetchall()
    assert (row["old_row"], row["new_row"], row["terr"]) == (before, after["image"], after["terr"])
    assert row["new_row"]["capacity"] == 6 and "allocated" not in row["new_row"]

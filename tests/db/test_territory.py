"""Territory codes have one home in SQL (private.terr_*) and one in Python (gongzhi.territory):
both give the same answer for every org unit of the demo tree, and the stored terr_hi agrees."""
from gongzhi import territory


def test_sql_and_python_agree_on_every_org_unit(conn):
    units = conn.execute("""
        select o.kind, o.terr, o.terr_hi,
               o.terr + private.terr_span(o.kind) as hi,
               private.terr_serving(o.terr) as serving,
               private.terr_level(o.terr) as level,
               private.terr_unit(o.terr, 'street') as street_code,
               private.terr_unit(o.terr, 'community') as community_code,
               s.terr as street_terr, c.terr as community_terr,
               p.terr as parent_terr, private.terr_step(o.kind) as step
        from public.org_unit o
        left join public.org_unit s on s.id = o.street_id
        left join public.org_unit c on c.id = o.community_id
        left join public.org_unit p on p.id = o.parent_id""").fetchall()
    kinds = {u["kind"] for u in units}
    assert kinds == {"district", "street", "community", "grid", "building"}
    for u in units:
        assert u["terr_hi"] == u["hi"] == territory.hi(u["terr"], u["kind"]), u
        assert list(u["serving"]) == territory.serving(u["terr"]), u
        assert u["street_code"] == territory.unit(u["terr"], "street") == (u["street_terr"] or 0), u
        assert u["community_code"] == territory.unit(u["terr"], "community") == (u["community_terr"] or 0) \
            or u["kind"] in ("district", "street"), u
        if u["kind"] != "building":
            assert u["level"] == territory.level(u["terr"]) == u["kind"], u
        if u["kind"] in territory.STEP:
            assert u["step"] == territory.STEP[u["kind"]]
            assert (u["terr"] - u["parent_terr"]) % territory.STEP[u["kind"]] == 0, u


def test_the_sql_built_in_python_computes_the_same(conn):
    rows = conn.execute(f"""
        select o.terr, {territory.sql_serving('o.terr')} as serving,
               {territory.sql_by_level('o.terr', {k: f"'{k}'" for k in territory.LEVELS})} as level,
               {territory.sql_unit('o.terr', 'community')} as community_code
        from public.org_unit o where o.kind <> 'building'""").fetchall()
    assert len(rows) > 100
    for r in rows:
        assert list(r["serving"]) == territory.serving(r["terr"])
        assert r["level"] == territory.level(r["terr"])
        assert r["community_code"] == territory.unit(r["terr"], "community")


def test_a_new_unit_takes_the_next_slot_at_its_step(conn):
    community = conn.execute("select id, terr from public.org_unit where kind = 'community' order by terr limit 1").fetchone()
    last = conn.execute("select max(terr) as t from public.org_unit where parent_id = %s", (community["id"],)).fetchone()["t"]
    made = conn.execute("""insert into public.org_unit (parent_id, kind, name, code)
                           values (%s, 'grid', '新网格', 'onehome-new-grid') returning terr""",
                        (community["id"],)).fetchone()["terr"]
    assert made == last + territory.STEP["grid"]
    assert territory.unit(made, "community") == community["terr"]

"""The demo district and scale seeding: the shape promised in the README, and territory columns
that agree with the org tree even though seeding writes them itself."""
import pytest

TERRITORIAL = ("demand", "resource", "project")


def test_the_demo_district_has_the_promised_shape(conn):
    kinds = {r["kind"]: r["n"] for r in conn.execute("select kind, count(*) as n from public.org_unit group by kind")}
    assert kinds == {"district": 1, "street": 4, "community": 16, "grid": 80, "building": 240}
    counts = conn.execute("""select (select count(*) from public.demand) as demands,
                                    (select count(*) from public.resource) as resources,
                                    (select count(*) from public.project) as projects,
                                    (select count(*) from public.staff) as staff""").fetchone()
    assert counts["demands"] >= 2000 and counts["resources"] >= 500 and counts["projects"] >= 30
    assert counts["staff"] >= 100
    statuses = {r["status"] for r in conn.execute("select distinct private.demand_status(id, status) as status"
                                                  " from public.demand")}
    assert {"new", "matched", "in_progress", "done", "cancelled"} <= statuses


def test_demo_text_is_chinese(conn):
    titles = [r["title"] for r in conn.execute("select title from public.demand limit 50")]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in title) for title in titles)


@pytest.mark.parametrize("table", TERRITORIAL)
def test_seeded_territory_columns_agree_with_the_org_tree(conn, table):
    from gongzhi.demo import add_rows
    add_rows(conn, demands=3000, resources=500, projects=20)
    bad = conn.execute(f"""
        select count(*) as n from public.{table} t join public.org_unit o on o.id = t.org_unit_id
        where t.terr <> o.terr or t.street_id is distinct from o.street_id
           or t.community_id is distinct from o.community_id or t.grid_id is distinct from o.grid_id
    """).fetchone()["n"]
    assert bad == 0


def test_seeded_matches_never_over_allocate(conn):
    over = conn.execute("select count(*) as n from public.resource r where r.allocated <> (select coalesce(sum(m.quantity), 0)"
                        " from public.match m where m.resource_id = r.id and m.status in ('proposed', 'accepted'))"
                        ).fetchone()["n"]
    assert over == 0


def test_seeded_statuses_are_valid_end_states_of_the_machine(conn):
    bad = conn.execute("""select count(*) as n from public.demand d where not exists
                          (select from public.status_transition t where t.entity = 'demand' and t.to_status = d.status)
                       """).fetchone()["n"]
    assert bad == 0

"""gongzhi.statuses says what the database says: the statuses of public.status_transition, where
rows may start, and what each status column may store ("matched" never)."""
import psycopg
import pytest

from gongzhi import statuses


def _machine(conn, entity):
    rows = conn.execute("select from_status, to_status from public.status_transition where entity = %s",
                        (entity,)).fetchall()
    return rows


@pytest.mark.parametrize("entity", sorted(statuses.SHOWN))
def test_the_module_matches_the_status_machine(conn, entity):
    rows = _machine(conn, entity)
    in_machine = {r["to_status"] for r in rows} | {r["from_status"] for r in rows if r["from_status"]}
    assert in_machine == set(statuses.STORED[entity])
    assert {r["to_status"] for r in rows if r["from_status"] is None} == set(statuses.INITIAL[entity])
    assert set(statuses.SHOWN[entity]) == set(statuses.STORED[entity]) | set(statuses.DERIVED.get(entity, {}))


@pytest.mark.parametrize("entity, still_open", [("demand", statuses.OPEN_DEMAND), ("project", statuses.OPEN_PROJECT),
                                                ("match", statuses.HOLDING_MATCH)])
def test_every_open_status_is_one_the_machine_can_still_move_on_from(conn, entity, still_open):
    moves_on = {r["from_status"] for r in _machine(conn, entity) if r["from_status"]}
    stored_open = {statuses.DERIVED.get(entity, {}).get(s, s) for s in still_open}
    assert stored_open <= moves_on
    assert set(statuses.INITIAL[entity]) & stored_open   # a new row starts open


@pytest.mark.parametrize("entity", sorted(statuses.SHOWN))
def test_a_status_column_stores_only_the_stored_statuses_even_without_triggers(conn, entity):
    table = {"demand": "demand", "resource": "resource", "project": "project", "match": "match",
             "deliberation": "deliberation",
             "secretary_project": "secretary_project",
             "suggestion": "suggestion"}[entity]
    row = conn.execute(f"select id, status from public.{table} limit 1").fetchone()
    conn.execute(f"alter table public.{table} disable trigger user")
    if entity == "suggestion":   # the statuses that name a case need their link (constraint suggestion_links)
        conn.execute("update public.suggestion set demand_id = d.id, event_id = e.id, deliberation_id = 1"
                     " from (select min(id) as id from public.demand) d, (select min(id) as id from public.event) e"
                     " where suggestion.id = %s", (row["id"],))
    for status in statuses.STORED[entity]:
        with conn.transaction():
            conn.execute(f"update public.{table} set status = %s where id = %s", (status, row["id"]))
    for status in [*statuses.DERIVED.get(entity, {}), "bogus"]:
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute(f"update public.{table} set status = %s where id = %s", (status, row["id"]))


def test_matched_is_derived_from_a_live_proposal(conn):
    row = conn.execute("""select d.id from public.demand d where d.status = 'new'
                          and exists (select from public.match m where m.demand_id = d.id and m.status = 'proposed')
                          limit 1""").fetchone()
    assert row is not None, "the demo district has proposals"
    assert conn.execute("select private.demand_status(%s, 'new') as s", (row["id"],)).fetchone()["s"] == "matched"
    assert conn.execute("select count(*) as n from public.demand where status = 'matched'").fetchone()["n"] == 0

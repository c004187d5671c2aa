"""Two staff members assign the last unit of a resource (or of a demand) at the same moment, on two
real connections: one succeeds, the other is refused with a clear message, and nothing is
over-allocated."""
import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi.errors import DomainError, from_db
from gongzhi.db.connection import set_identity
from gongzhi.matching import commands
from tests.matching import helpers as h
from tests.pages.conftest import identity_of
from tests.conftest import DEMO_EMAILS


def _setup(url):
    with psycopg.connect(url, row_factory=dict_row) as conn:
        cat = h.new_category(conn)
        grid = h.unit(conn, "丽水社区第一网格")
        r = h.resource(conn, h.unit(conn, "丽水社区"), cat, capacity=1)
        d1, d2 = h.demand(conn, grid, cat), h.demand(conn, grid, cat)
        users = {role: str(conn.execute("select id from auth.users where email = %s",
                                        (DEMO_EMAILS[role],)).fetchone()["id"]) for role in ("grid", "community")}
        spare = h.resource(conn, h.unit(conn, "丽水社区"), cat, capacity=1)
        conn.commit()
    return r, d1, d2, users, spare


@pytest.mark.parametrize("last_unit_of", ["resource", "demand"])
def test_the_second_of_two_racing_assignments_waits_then_is_refused(fresh_db, last_unit_of):
    r, d1, d2, users, spare = _setup(fresh_db)
    second_pair = (d2, r) if last_unit_of == "resource" else (d1, spare)
    outcome = {}
    with psycopg.connect(fresh_db) as first, psycopg.connect(fresh_db) as second:
        set_identity(first, users["grid"])
        first.execute("insert into public.match (demand_id, resource_id) values (%s, %s)", (d1, r))
        first_pid = first.info.backend_pid

        def racer():
            try:
                set_identity(second, users["community"])
                second.execute("insert into public.match (demand_id, resource_id) values (%s, %s)", second_pair)
                second.commit()
                outcome["second"] = "committed"
            except psycopg.Error as exc:
                second.rollback()
                outcome["second"] = from_db(exc).key

        thread = threading.Thread(target=racer)
        thread.start()
        with psycopg.connect(fresh_db, autocommit=True) as watcher:
            for _ in range(100):  # the second connection must be waiting for the first's lock
                waiting = watcher.execute("select count(*) from pg_locks where not granted and pid <> %s",
                                          (first_pid,)).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
            assert waiting, "the second assignment did not wait for the first"
        first.commit()
        thread.join(10)
    assert outcome["second"] == {"resource": "error.capacity_exceeded", "demand": "match.demand_full"}[last_unit_of]
    with psycopg.connect(fresh_db) as conn:
        allocated, capacity = conn.execute("select allocated, capacity from public.resource where id = %s",
                                           (r,)).fetchone()
        live = conn.execute("select count(*) from public.match where resource_id = %s", (r,)).fetchone()[0]
        spare_live = conn.execute("select count(*) from public.match where resource_id = %s", (spare,)).fetchone()[0]
    assert (allocated, capacity, live, spare_live) == (1, 1, 1, 0)


def test_one_click_assignments_racing_for_the_last_unit(fresh_db):
    r, d1, d2, _users, _spare = _setup(fresh_db)
    people = [identity_of(DEMO_EMAILS["grid"]), identity_of(DEMO_EMAILS["community"])]
    start = threading.Barrier(2)
    results = []

    def assign(user, demand):
        start.wait()
        try:
            commands.assign(user, demand, r)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.key)

    threads = [threading.Thread(target=assign, args=(u, d)) for u, d in zip(people, (d1, d2))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(20)
    assert sorted(results)[0] in ("error.capacity_exceeded", "matching.not_a_candidate")
    assert results.count("ok") == 1
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select allocated from public.resource where id = %s", (r,)).fetchone()[0] == 1

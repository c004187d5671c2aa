"""The retention job anonymises exactly the personal data whose retention has passed: rows planted
a day either side of each table's boundary, every table of the inventory; rows stay, so counts
stay; a rerun finds nothing; a dry run changes nothing; each batch is logged."""
import datetime as dt

import pytest
from psycopg import errors

from gongzhi.personal import retention, store
from gongzhi.personal.inventory import FIELDS, fields_of
from tests.personal.makers import MAKERS

NOW = dt.datetime(2027, 6, 1, 3, 0, tzinfo=dt.timezone.utc)
TABLES = sorted({f.table for f in FIELDS})


def _key(table: str) -> str:
    return retention.RULES[table].key


def _personal(conn, table: str, key) -> dict:
    columns = ", ".join(f"{f.column}_masked as {f.column}" if f.encrypted else f.column for f in fields_of(table))
    return conn.execute(f"select {columns} from public.{table} where {_key(table)} = %s", (key,)).fetchone()


def _plant(conn):
    days = {t: max(f.retention_days for f in fields_of(t)) for t in TABLES}
    expired = {t: MAKERS[t](conn, NOW - dt.timedelta(days=days[t] + 1)) for t in TABLES}
    kept = {t: MAKERS[t](conn, NOW - dt.timedelta(days=days[t] - 1)) for t in TABLES}
    still_open = {t: MAKERS[t](conn, None) for t in TABLES}
    return expired, kept, still_open


def _counts(conn) -> dict:
    return {t: conn.execute(f"select count(*) as n from public.{t}").fetchone()["n"] for t in TABLES}


def test_the_inventory_names_a_closing_rule_for_every_table():
    assert sorted(retention.RULES) == TABLES


def test_the_job_touches_exactly_the_expired_rows(conn):
    expired, kept, still_open = _plant(conn)
    before = {t: {k: _personal(conn, t, k) for k in (kept[t], still_open[t])} for t in TABLES}
    counts = _counts(conn)
    dry = retention.run(conn, dry_run=True, now=NOW)
    assert all(n >= 1 for n in dry.by_table().values()), dry.by_table()
    assert all(_personal(conn, t, expired[t]) != {f.column: None for f in fields_of(t)} for t in TABLES)

    report = retention.run(conn, now=NOW)
    assert report.by_table() == dry.by_table()
    for table in TABLES:
        after = _personal(conn, table, expired[table])
        for f in fields_of(table):
            marker = store.ERASED_MASK if f.encrypted else retention.MARKERS[f.kind]
            assert after[f.column] in (None, marker), (table, f.column, after)
        assert {k: _personal(conn, table, k) for k in before[table]} == before[table], table
    assert _counts(conn) == counts
    assert retention.run(conn, now=NOW).total == 0          # idempotent: nothing left to do
    logged = conn.execute("select object, details from private.security_log where kind = 'retention'"
                          " order by id").fetchall()
    assert {r["details"]["table"] for r in logged if r["object"].startswith("table:")} == set(TABLES)
    assert logged[-1]["object"] == "retention:run" and logged[-1]["details"]["rows"] == 0
    assert retention.last_run(conn) is not None


def test_masked_copies_follow_the_anonymised_phone(conn):
    demand = MAKERS["demand"](conn, NOW - dt.timedelta(days=800))
    retention.run(conn, now=NOW)
    row = conn.execute("select beneficiary_phone_masked, beneficiary_name_masked from public.demand where id = %s",
                       (demand,)).fetchone()
    assert row == {"beneficiary_phone_masked": None, "beneficiary_name_masked": None}


def test_batches_are_whole_a_failing_batch_changes_nothing_and_a_rerun_finishes(conn):
    """What a kill -9 leaves: batches committed before it, none half-done; the rerun does the rest."""
    demands = [MAKERS["demand"](conn, NOW - dt.timedelta(days=800)) for _ in range(5)]
    conn.execute("""create function pg_temp.refuse_third() returns trigger language plpgsql as $$
                    begin if new.id = %s then raise exception 'killed'; end if; return new; end $$""" % demands[2])
    conn.execute("create trigger zz_refuse before update on public.demand for each row"
                 " execute function pg_temp.refuse_third()")
    conn.execute("alter table public.demand enable always trigger zz_refuse")   # fires for the job too
    with pytest.raises(errors.RaiseException):
        retention.run(conn, now=NOW, batch=2)
    phones = [conn.execute("select beneficiary_phone_enc from public.demand where id = %s", (d,)).fetchone()
              ["beneficiary_phone_enc"] for d in demands]
    # demands[0] lies in a batch before the refused row's; the refused batch and the rest are untouched
    assert phones[0] is None and all(phones[2:]), phones
    conn.execute("drop trigger zz_refuse on public.demand")
    retention.run(conn, now=NOW, batch=2)
    assert all(conn.execute("select beneficiary_phone_enc from public.demand where id = %s", (d,)).fetchone()
               ["beneficiary_phone_enc"] is None for d in demands)


def test_a_volunteer_active_again_starts_no_retention(conn):
    volunteer = MAKERS["volunteer"](conn, NOW - dt.timedelta(days=800))
    conn.execute("update public.volunteer set active = true where id = %s", (volunteer,))
    assert conn.execute("select inactive_since from public.volunteer where id = %s",
                        (volunteer,)).fetchone()["inactive_since"] is None
    retention.run(conn, now=NOW)
    assert _personal(conn, "volunteer", volunteer)["name"] == "测试志愿者"

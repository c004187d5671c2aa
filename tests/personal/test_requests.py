"""A resident's request about their data: the deadline is 15 working days by the work calendar,
every record of one phone is found in every table of the inventory, the copy holds them, a
correction or an erasure reaches all of them, and every step is logged without the phone. Only
community staff of the territory and district staff may act, and only on the phone recorded."""
import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from gongzhi import db
from gongzhi.errors import DomainError
from gongzhi.personal import blind_index, decrypt, find, requests, retention, store
from gongzhi.personal.inventory import FIELDS, fields_of
from tests.conftest import unit_id
from tests.pages.conftest import identity_of
from tests.personal.makers import MAKERS
from tests.volunteers.makers import phone

COMMUNITY = "shequ@demo.gongzhi.cn"
DISTRICT = "qu@demo.gongzhi.cn"
STREET = "jiedao@demo.gongzhi.cn"
TABLES = sorted({f.table for f in FIELDS})


def _working_days_after(start: dt.date, n: int, holidays=(), workdays=()) -> dt.date:
    day = start
    while n:
        day += dt.timedelta(days=1)
        if (day.isoweekday() < 6 or day in workdays) and day not in holidays:
            n -= 1
    return day


def test_the_deadline_is_fifteen_working_days_by_the_calendar(conn):
    received = dt.date(2027, 9, 29)   # a Wednesday; 1–7 October off, Saturday 9 October worked
    holidays = {dt.date(2027, 10, d) for d in range(1, 8)}
    conn.execute("insert into public.work_calendar (day, working) select d, false from unnest(%s::date[]) d"
                 " on conflict (day) do update set working = false", (sorted(holidays),))
    conn.execute("insert into public.work_calendar (day, working) values ('2027-10-09', true)"
                 " on conflict (day) do update set working = true")
    row = conn.execute("insert into public.subject_request (org_unit_id, kind, received_on, phone_masked)"
                       " values (%s, 'access', %s, '139****0000') returning deadline, yellow_on",
                       (unit_id(conn, "丽水社区"), received)).fetchone()
    assert row["deadline"] == _working_days_after(received, 15, holidays, {dt.date(2027, 10, 9)})
    assert row["yellow_on"] == _working_days_after(received, 11, holidays, {dt.date(2027, 10, 9)})
    assert row["deadline"] == dt.date(2027, 10, 26)


@pytest.fixture
def planted(fresh_db):
    """One phone in a record of every table of the inventory, and a request for it."""
    number = phone()
    with db.owner() as conn:
        keys = {t: str(MAKERS[t](conn, None, number)) for t in TABLES}
        other = MAKERS["demand"](conn, None)     # someone else's record
    staff = identity_of(COMMUNITY)
    request = requests.record(staff, unit_id_of("丽水社区"), "copy", dt.date.today(), number, "电话来访")
    return {"phone": number, "keys": keys, "other": other, "staff": staff, "request": request}


def _plaintext_of(conn, number: str) -> list[str]:
    """Every text or JSON column of the database still holding `number` in plain text."""
    columns = conn.execute(
        """select n.nspname as s, c.relname as t, a.attname as c
           from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
           where n.nspname in ('public', 'private') and c.relkind in ('r', 'p') and a.attnum > 0
             and not a.attisdropped and c.relname <> 'plaintext_pending'
             and format_type(a.atttypid, a.atttypmod) ~ '^(text|character varying|jsonb|json)'""").fetchall()
    return [f"{r['s']}.{r['t']}.{r['c']}" for r in columns
            if conn.execute(f'select exists (select from "{r["s"]}"."{r["t"]}" where "{r["c"]}"::text like %s) as x',
                            (f"%{number}%",)).fetchone()["x"]]


def test_the_blind_index_finds_one_phone_in_demand_application_and_volunteer_alike(planted):
    with db.owner() as conn:
        found = find(conn, "phone", planted["phone"])
        assert {"demand", "application", "volunteer"} <= {t for t, _ in found}
        assert sorted(found) == sorted(planted["keys"].items())
        assert _plaintext_of(conn, planted["phone"]) == []
    records = requests.search(planted["staff"], planted["request"], planted["phone"])
    assert sorted((r.table, r.key) for r in records) == sorted(found)
    assert not any(k.endswith(("_enc", "_bidx")) for r in records for k in r.data)


def unit_id_of(name):
    with db.owner() as conn:
        return unit_id(conn, name)


def test_every_record_of_one_phone_is_found_in_every_table(planted):
    found = requests.search(planted["staff"], planted["request"], planted["phone"])
    assert {(r.table, r.key) for r in found} == set(planted["keys"].items())
    assert all("terr" not in r.data and "code_hash" not in r.data for r in found)


def test_the_copy_holds_every_record_as_a_file(planted):
    args = (planted["staff"], planted["request"], planted["phone"])
    data, n = requests.copy(*args, "json")
    assert n == len(TABLES) and {r["table"] for r in json.loads(data)} == set(TABLES)
    data, n = requests.copy(*args, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["数据表", "记录编号", "字段", "内容"] and any(planted["phone"] in r for r in rows)
    data, _ = requests.copy(*args, "xlsx", "en")
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Table", "Record", "Field", "Value"] and any(planted["phone"] in v for v in values)
    with pytest.raises(DomainError):
        requests.copy(*args, "pdf")


def test_a_correction_reaches_every_record(planted):
    new = phone()
    changed = requests.correct(planted["staff"], planted["request"], planted["phone"], new)
    assert changed == len(TABLES)
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.demand where beneficiary_phone_bidx = %s",
                            (blind_index("phone", planted["phone"]),)).fetchone()["n"] == 0
        assert sorted(find(conn, "phone", new)) == sorted(planted["keys"].items())
        assert _plaintext_of(conn, planted["phone"]) == [] and _plaintext_of(conn, new) == []
    with pytest.raises(DomainError) as other:   # the request was recorded for the old phone
        requests.search(planted["staff"], planted["request"], new)
    assert other.value.key == "subject_request.other_phone"


def test_an_erasure_anonymises_every_record_and_keeps_the_counts(planted):
    with db.owner() as conn:
        counts = {t: conn.execute(f"select count(*) as n from public.{t}").fetchone()["n"] for t in TABLES}
    assert requests.erase(planted["staff"], planted["request"], planted["phone"]) == len(TABLES)
    assert requests.search(planted["staff"], planted["request"], planted["phone"]) == []
    with db.owner() as conn:
        assert {t: conn.execute(f"select count(*) as n from public.{t}").fetchone()["n"] for t in TABLES} == counts
        volunteer = conn.execute("select name, active from public.volunteer where id = %s",
                                 (planted["keys"]["volunteer"],)).fetchone()
        assert volunteer == {"name": "已匿名", "active": False}
        assert conn.execute("select beneficiary_phone_enc from public.demand where id = %s",
                            (planted["other"],)).fetchone()["beneficiary_phone_enc"] is not None
        assert find(conn, "phone", planted["phone"]) == []
        assert _plaintext_of(conn, planted["phone"]) == []
        erased = {t: conn.execute(f"select {f.column}_enc as enc, {f.column}_masked as masked from public.{t}"
                                  f" where {retention.RULES[t].key}::text = %s", (planted["keys"][t],)).fetchone()
                  for t in TABLES for f in fields_of(t) if f.encrypted}
        # a phone that may be empty is emptied; a required one holds the sealed marker
        assert {t for t, r in erased.items() if r["enc"] is None} == {"demand", "resource", "staff", "care_person", "suggestion"}
        assert conn.execute("select person_name, home_address, id_number_enc, active from public.care_person"
                            " where id = %s", (planted["keys"]["care_person"],)).fetchone() == {
            "person_name": "已匿名", "home_address": "", "id_number_enc": None, "active": False}
        assert {t: r["masked"] for t, r in erased.items() if r["enc"] is not None} == {
            t: store.ERASED_MASK for t in ("application", "unit", "volunteer")}
        assert decrypt("phone", erased["volunteer"]["enc"]) == store.ERASED["phone"]


def test_only_the_territory_and_the_recorded_phone_open_the_records(planted):
    street = identity_of(STREET)
    with pytest.raises(DomainError):
        requests.search(street, planted["request"], planted["phone"])
    with pytest.raises(DomainError):
        requests.record(street, unit_id_of("丽水社区"), "access", dt.date.today(), phone())
    assert requests.page(street, dt.date.today()) == ([], 0)
    district = identity_of(DISTRICT)
    assert len(requests.search(district, planted["request"], planted["phone"])) == len(TABLES)
    with pytest.raises(DomainError) as elsewhere:
        requests.record(planted["staff"], unit_id_of("江滩社区"), "access", dt.date.today(), phone())
    assert elsewhere.value.key != "subject_request.bad_phone"
    with pytest.raises(DomainError) as bad:
        requests.record(planted["staff"], unit_id_of("丽水社区"), "access", dt.date.today(), "12ab")
    assert bad.value.key == "subject_request.bad_phone"


def test_the_light_and_closing_are_logged_and_a_closed_request_stays_closed(planted):
    staff, request = planted["staff"], planted["request"]
    rows, _ = requests.page(staff, dt.date.today())
    assert [r["light"] for r in rows if r["id"] == request] == ["green"]
    rows, _ = requests.page(staff, dt.date.today() + dt.timedelta(days=40))
    assert [r["light"] for r in rows if r["id"] == request] == ["red"]
    with pytest.raises(DomainError) as empty:
        requests.close(staff, request, "done", " ", dt.date.today())
    assert empty.value.key == "subject_request.outcome_required"
    assert requests.close(staff, request, "done", "已提供副本", dt.date.today(), records=6) == "green"
    with pytest.raises(DomainError):
        requests.close(staff, request, "refused", "再次", dt.date.today())
    with pytest.raises(DomainError) as closed:
        requests.search(staff, request, planted["phone"])
    assert closed.value.key == "subject_request.not_yours"
    with db.owner() as conn:
        logged = conn.execute("select details from private.security_log where kind = 'subject_request'"
                              " and object = %s order by id", (f"subject_request:{request}",)).fetchall()
    assert [e["details"]["action"] for e in logged] == ["recorded", "closed"]
    assert logged[-1]["details"]["light"] == "green"
    assert planted["phone"] not in json.dumps([e["details"] for e in logged])

"""Items 7 and 10 of the hardening issue: input a user can type never reaches them as a raw
database error, and input that only looks valid is refused, in the form and in the database."""
import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors

from gongzhi import i18n
from gongzhi.errors import DomainError, from_db
from gongzhi.imports import importer
from gongzhi.lists.fields import Lookups, parse
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import ApplicationForm
from gongzhi.personal.crypto import seal
from tests.conftest import act_as, act_as_owner, unit_id
from tests.imports.conftest import xlsx

LOOKUPS = Lookups(categories={"维修维护": 2}, org_units={"丽水社区第一网格": 4})
DEMAND = {"title": "楼道灯不亮", "category_id": "维修维护", "org_unit_id": "丽水社区第一网格"}
PROJECT = {"name": "加装电梯", "kind": "joint", "org_unit_id": "丽水社区第一网格"}


def _keys(list_name, raw):
    return [(e.field, e.key) for e in parse(list_name, raw, LOOKUPS)[1]]


@pytest.mark.parametrize("list_name,over,expected", [
    ("demand", {"title": "楼道\x00灯"}, ("title", "field.error.control")),
    ("demand", {"description": "说明\x1b[31m"}, ("description", "field.error.control")),
    ("demand", {"title": "\u200b\u200b\ufeff"}, ("title", "field.error.required")),
    ("demand", {"beneficiary_phone": "-----"}, ("beneficiary_phone", "field.error.phone")),
    ("demand", {"beneficiary_phone": "12345"}, ("beneficiary_phone", "field.error.phone")),
    ("demand", {"needed_by": "0001-01-01"}, ("needed_by", "field.error.date_range")),
    ("demand", {"needed_by": dt.date(9999, 12, 31)}, ("needed_by", "field.error.date_range")),
    ("project", {"budget": "1000000000000"}, ("budget", "field.error.range")),
    ("project", {"budget": "0.001"}, ("budget", "field.error.decimals")),
])
def test_the_form_refuses_with_a_message(list_name, over, expected):
    base = DEMAND if list_name == "demand" else PROJECT
    keys = _keys(list_name, {**base, **over})
    assert keys == [expected]
    assert i18n.has(expected[1])


@pytest.mark.parametrize("sql", [
    "insert into public.demand (org_unit_id, category_id, title) values (%(grid)s, %(cat)s, e'\\u200b\\u200b')",
    # a phone is written sealed: a "masked copy" that is the plain number, or ciphertext without its index
    "insert into public.demand (org_unit_id, category_id, title, beneficiary_phone_enc, beneficiary_phone_bidx,"
    " beneficiary_phone_masked) values (%(grid)s, %(cat)s, '灯', %(enc)s, %(bidx)s, '13912345678')",
    "insert into public.demand (org_unit_id, category_id, title, beneficiary_phone_enc, beneficiary_phone_masked)"
    " values (%(grid)s, %(cat)s, '灯', %(enc)s, '139****5678')",
    "insert into public.demand (org_unit_id, category_id, title, needed_by) values (%(grid)s, %(cat)s, '灯', '0001-01-01')",
    "insert into public.project (org_unit_id, kind, name, budget) values (%(grid)s, 'joint', '电梯', 99999999999)",
    "insert into public.project (org_unit_id, kind, name, beneficiaries) values (%(grid)s, 'joint', '电梯', 2000000000)",
])
def test_the_database_refuses_it_for_every_client(conn, sql):
    act_as_owner(conn)
    params = {"grid": unit_id(conn, "丽水社区第一网格"),
              "cat": conn.execute("select id from public.category limit 1").fetchone()["id"],
              "enc": seal("phone", "13912345678").enc, "bidx": seal("phone", "13912345678").bidx}
    act_as(conn, "grid")
    with pytest.raises(errors.CheckViolation), conn.transaction():
        conn.execute(sql, params)


def _error(conn, sql, params=None) -> psycopg.Error:
    try:
        with conn.transaction():
            conn.execute(sql, params)
    except psycopg.Error as exc:
        return exc
    raise AssertionError(f"no error from {sql}")


def test_every_error_a_user_can_cause_has_a_message(conn):
    act_as_owner(conn)
    grid = unit_id(conn, "丽水社区第一网格")
    caused = [
        _error(conn, "select %s::text", ("a\x00b",)),                                   # NUL, refused by the driver
        _error(conn, "select 2147483647::int + 1"),                                     # integer overflow
        _error(conn, "select (10::numeric ^ 13)::numeric(14, 2)"),                      # budget ≥ 10^12
        _error(conn, "select 'x'::int"),
        _error(conn, "select '2026-02-30'::date"),
        _error(conn, "select 1 / 0"),
        _error(conn, "insert into public.demand (org_unit_id, category_id, title) values (%s, -1, 'x')", (grid,)),
        _error(conn, "insert into public.demand (org_unit_id, category_id, title) values (%s, null, 'x')", (grid,)),
        _error(conn, "insert into public.category (code, name_zh, name_en)"
                     " select code, name_zh, name_en from public.category limit 1"),
        _error(conn, "insert into public.demand (org_unit_id, category_id, title, quantity)"
                     " values (%s, 1, 'x', 0)", (grid,)),
        _error(conn, "select repeat('x', 10)::varchar(2)::text::int"),
    ]
    act_as(conn, None)
    caused.append(_error(conn, "select count(*) from public.demand"))
    caused.append(_error(conn, "insert into public.demand (org_unit_id, category_id, title) values (%s, 1, 'x')", (grid,)))
    keys = []
    for exc in caused:
        mapped = from_db(exc)
        assert isinstance(mapped, DomainError) and i18n.has(mapped.key), exc
        keys.append(mapped.key)
    assert "error.invalid_value" in keys and "error.forbidden" in keys


def test_a_nul_on_the_public_page_is_a_message_not_a_traceback(fresh_db):
    form = ApplicationForm(kind="volunteer", org_unit_id="丽水社区", name="王\x00建国", phone="13912340000")
    with pytest.raises(commands.FormError) as refused:
        commands.submit_application(form, queries.public_lookups(), "203.0.113.1", True)
    assert [(e.field, e.key) for e in refused.value.errors] == [("name", "field.error.control")]


HEAD = ["标题", "类别", "所属区域", "紧急程度", "数量", "需求截止日期", "服务对象", "联系电话", "地址", "详细描述"]


def test_duplicate_rows_within_one_import_are_bad_rows(fresh_db):
    from tests.pages.conftest import identity_of
    grid = identity_of("wangge@demo.gongzhi.cn")
    row = ["楼道灯不亮", "维修维护", "丽水社区第一网格", "紧急", 1, "2026-12-31", "张桂芳", "13800001234", "3号楼", ""]
    sheet = [HEAD, row, ["另一件事"] + row[1:], ["完全不同"] + row[1:7] + ["13800005678"] + row[8:],
             ["完全不同"] + row[1:7] + ["13800005678"] + row[8:]]
    checked = importer.preview(grid, "demand", "需求.xlsx", xlsx(sheet))
    assert [(p.row, p.key, p.params) for p in checked.problems] == [
        (3, "excel.duplicate_row", {"row": 2}), (5, "excel.duplicate_row", {"row": 4})]
    assert not checked.ready and Decimal(len(checked.rows)) == 2


def test_the_public_page_answers_a_nul_with_a_message(fresh_db):
    """An anonymous visitor pasting a NUL character reads a message, not a traceback."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP, TIMEOUT
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/signup.py").run()
    at.text_input(key="apply_name").input("孙\x00丽")
    at.text_input(key="apply_phone").input("13612345670")
    at.text_input(key="apply_workplace").input("区人民医院\x00")
    at.button[0].click().run()
    assert not at.exception
    assert any("控制字符" in e.value for e in at.error)

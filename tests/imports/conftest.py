"""Import tests: demo accounts as Identities on a database of the test's own, and sheet builders."""
import csv
import io

import pytest
from openpyxl import Workbook

from gongzhi.db import owner
from tests.conftest import ACCOUNTS
from tests.pages.conftest import identity_of


@pytest.fixture
def user_of(fresh_db):
    """`user_of("grid")` → the Identity of that demo account."""
    return lambda role: identity_of(ACCOUNTS.get(role, role))


def count(table: str, where: str = "true", params=()) -> int:
    with owner() as conn:
        return conn.execute(f"select count(*) as n from public.{table} where {where}", params).fetchone()["n"]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)

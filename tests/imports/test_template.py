"""Templates: Chinese (or English) headers, drop-down lists of the user's own choices, and an
example row that imports as it stands."""
import io

import pytest
from openpyxl import load_workbook

from gongzhi.imports import importer, template
from tests.imports.conftest import count


def _book(data):
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("list_name", ["demand", "resource", "project"])
def test_the_example_row_of_each_template_imports_as_it_stands(user_of, list_name):
    user = user_of("grid")
    book = _book(template.build(list_name, user))
    data, example = book.worksheets[0], book.worksheets[1]
    for cell in example[2]:
        data.cell(row=2, column=cell.column, value=cell.value)
    out = io.BytesIO()
    book.save(out)
    before = count(list_name)
    assert importer.import_file(user, list_name, "模板.xlsx", out.getvalue()) == 1
    assert count(list_name) == before + 1


def test_headers_are_chinese_and_drop_downs_list_categories_units_choices_and_statuses(user_of):
    book = _book(template.build("demand", user_of("community")))
    data, options = book.worksheets[0], book["options"]
    headers = [c.value for c in data[1]]
    assert headers[:4] == ["标题", "类别", "所属区域", "紧急程度"] and headers[-1] == "状态"
    assert data.title == "需求清单" and options.sheet_state == "hidden"
    lists = {options.cell(row=1, column=c).value: [options.cell(row=r, column=c).value for r in range(2, options.max_row + 1)
                                                   if options.cell(row=r, column=c).value]
             for c in range(1, options.max_column + 1)}
    assert lists["category_id"][:2] == ["助老服务", "维修维护"]
    assert lists["urgency"] == ["低", "一般", "较急", "紧急"]
    assert lists["status"] == ["待对接"]
    # the community worker's own territory only: 丽水社区 and its five grids
    assert lists["org_unit_id"] == ["丽水社区"] + [f"丽水社区第{n}网格" for n in "一二三四五"]
    ranges = {str(v.sqref).split(":")[0] for v in data.data_validations.dataValidation}
    assert ranges == {"B2", "C2", "D2", "K2"}


def test_the_template_speaks_english_on_the_switch(user_of):
    book = _book(template.build("resource", user_of("grid"), "en"))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["Name", "Kind", "Category"]
    assert book.worksheets[1].title == "Example"

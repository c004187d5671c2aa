"""The import template of a list: a data sheet with headers in the user's language and
drop-down lists (categories, the user's org units, choices, starting statuses), a sheet with an
example row and the rules, and a hidden sheet holding the drop-down values."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gongzhi import cells, i18n
from gongzhi.auth import Identity
from gongzhi.imports import columns as cols
from gongzhi.lists.fields import choice_label_key, fields, status_label_key

ROWS = 2000   # rows of the data sheet that carry the drop-downs
REQUIRED = Font(bold=True, color="C00000")
HEAD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLES = {
    "demand": {"title": "楼道声控灯损坏需维修", "quantity": 1, "beneficiary_name": "张桂芳",
               "beneficiary_phone": "13800138000", "address": "3号楼2单元",
               "description": "单元楼道三至五层声控灯不亮，老人夜间上下楼不安全。"},
    "resource": {"name": "社区活动室", "provider": "丽水社区党群服务中心", "contact_phone": "02788886666",
                 "capacity": 40, "description": "可容纳 40 人，工作日白天开放。"},
    "project": {"name": "老旧小区加装电梯", "budget": 300000, "beneficiaries": 120,
                "description": "为 6 栋老旧住宅加装电梯，方便老年居民出行。"},
}
DATE_OFFSETS = {"needed_by": 14, "available_from": 0, "available_to": 180, "start_date": 7, "end_date": 120}


def _names(user: Identity, lang: str) -> tuple[list[str], list[str]]:
    """Category names in `lang` and the names of the org units `user` may write to, under RLS."""
    name = "name_en" if lang == "en" else "name_zh"
    with user.session() as conn:
        categories = [r[name] for r in conn.execute(f"select {name} from public.category order by position, id")]
        units = [r["name"] for r in conn.execute(
            """select name from public.org_unit
               where kind in ('street', 'community', 'grid')
                 and ((select private.staff_role()) = 'district'
                      or terr between (select private.terr_lo()) and (select private.terr_hi()))
               order by terr, id""")]
    return categories, units


def options(list_name: str, user: Identity, lang: str) -> dict[str, list[str]]:
    """The drop-down values of each column that has one."""
    categories, units = _names(user, lang)
    out: dict[str, list[str]] = {}
    for f in fields(list_name):
        if f.kind == "category":
            out[f.name] = categories
        elif f.kind == "org_unit":
            out[f.name] = units
        elif f.kind == "choice":
            out[f.name] = [i18n.t(choice_label_key(f, v), lang) for v in f.choices]
    out[cols.STATUS] = [i18n.t(status_label_key(list_name, s), lang) for s in cols.INITIAL_STATUSES[list_name]]
    return out


def example_row(list_name: str, user: Identity, lang: str) -> dict[str, object]:
    """A realistic row that passes every check for `user`, keyed by column."""
    values = dict(EXAMPLES[list_name])
    choices = options(list_name, user, lang)
    today = dt.date.today()
    for f in fields(list_name):
        if f.name in choices:
            pick = choices[f.name]
            default = i18n.t(choice_label_key(f, f.default), lang) if f.kind == "choice" and f.default else None
            values[f.name] = default or (pick[-1] if f.kind == "org_unit" else pick[0])
        elif f.kind == "date":
            values[f.name] = today + dt.timedelta(days=DATE_OFFSETS.get(f.name, 0))
    values[cols.STATUS] = choices[cols.STATUS][0]
    return values


def build(list_name: str, user: Identity, lang: str = i18n.DEFAULT) -> bytes:
    """The .xlsx template of `list_name` for `user`, in `lang`."""
    columns = cols.import_columns(list_name)
    required = cols.required(list_name)
    choices = options(list_name, user, lang)
    book = Workbook()
    data = book.active
    data.title = i18n.t(f"excel.sheet.{list_name}", lang)
    example = book.create_sheet(i18n.t("excel.sheet.example", lang))
    lists = book.create_sheet("options")
    lists.sheet_state = "hidden"
    for sheet in (data, example):
        for i, column in enumerate(columns, 1):
            cell = cells.set_cell(sheet, 1, i, cols.header(column, lang))
            cell.font = REQUIRED if column in required else HEAD
            cell.fill = HEAD_FILL
            sheet.column_dimensions[get_column_letter(i)].width = 16 if column != "description" else 40
        sheet.freeze_panes = "A2"
    values = example_row(list_name, user, lang)
    for i, column in enumerate(columns, 1):
        cells.set_cell(example, 2, i, values.get(column))
        if column in required:
            data.cell(row=1, column=i).comment = Comment(i18n.t("excel.template.required", lang), "Gongzhi")
    cells.set_cell(example, 4, 1, i18n.t("excel.template.example_note", lang))
    for n, column in enumerate(c for c in columns if c in choices):
        letter = get_column_letter(n + 1)
        cells.set_cell(lists, 1, n + 1, column)
        for r, value in enumerate(choices[column], 2):
            cells.set_cell(lists, r, n + 1, value)
        source = f"options!${letter}$2:${letter}${max(2, len(choices[column]) + 1)}"
        rule = DataValidation(type="list", formula1=source, allow_blank=column not in required,
                              showErrorMessage=True, error=i18n.t("excel.template.pick_from_list", lang))
        target = get_column_letter(columns.index(column) + 1)
        rule.add(f"{target}2:{target}{ROWS + 1}")
        data.add_data_validation(rule)
    for f in fields(list_name):
        if f.kind == "phone":   # keep leading zeros and long numbers as typed
            target = columns.index(f.name) + 1
            for r in range(2, ROWS + 2):
                data.cell(row=r, column=target).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""The Excel panel on the real list pages (AppTest of app.py): upload, dry-run preview with every
bad row listed, confirmation that imports all rows; template and export buttons present."""
from tests.imports.conftest import count, csv_bytes
from tests.pages.conftest import app_as  # noqa: F401  (fixture)

HEAD = ["标题", "类别", "所属区域", "紧急程度"]
GRID = "丽水社区第一网格"


def test_a_bad_upload_lists_each_bad_row_and_a_good_one_imports_on_confirmation(app_as):
    at = app_as("grid", "pages/demands.py").run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载导入模板", "导出 Excel", "导出 CSV"]
    before = count("demand")
    bad = csv_bytes([HEAD, ["面板导入一", "维修维护", GRID, "紧急"], ["面板导入二", "没有的类别", "新华里社区第一网格", "紧急"]])
    at.get("file_uploader")[0].upload("需求.csv", bad, "text/csv")
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric][-2:] == ["1", "1"]
    assert at.error[0].value.startswith("有 1 行需要修改")
    problems = at.dataframe[-1].value
    assert problems.to_dict("records") == [
        {"行号": 3, "列": "类别", "原因": "没有这个类别"},
        {"行号": 3, "列": "所属区域", "原因": "不在您的辖区内或不存在"}]
    assert not [b for b in at.button if b.key == "excel_demand_confirm"]
    assert count("demand") == before

    good = csv_bytes([HEAD] + [[f"面板导入{i}", "维修维护", GRID, "紧急"] for i in range(3)], "gbk")
    at.get("file_uploader")[0].upload("需求.csv", good, "text/csv")
    at.run()
    assert at.button(key="excel_demand_confirm").label == "确认导入 3 行"
    at.button(key="excel_demand_confirm").click().run()
    assert not at.exception
    assert "已导入 3 行" in [s.value for s in at.success]
    assert count("demand") == before + 3

"""The fake-fix flags (真改了吗) as leaders see them: a view of the supervision board and a section of
the dashboard, on the demo district (one event reported again at its address after closure, and 丽水社区
whistling far more than its five grids suggest)."""
from tests.pages.conftest import identity_of


def _no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


def test_the_supervision_board_shows_each_flag_with_its_reason(app_as):
    at = app_as("district", "pages/supervision.py").run()
    at.radio(key="sv_view").set_value("flags").run()
    _no_errors(at)
    assert _metric(at, "办结后重复上报") >= 1 and _metric(at, "吹哨数量异常") >= 1
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["类型", "对象", "原因"]
    reasons = " ".join(frame["原因"])
    assert "同一地址同类问题再次上报" in reasons and "丽水社区" in " ".join(frame["对象"])
    at.segmented_control(key="sv_flags_kind").set_value("whistle_rate").run()
    _no_errors(at)
    assert set(at.dataframe[0].value["类型"]) == {"吹哨数量异常"}


def test_a_street_leader_reads_the_flags_in_english(app_as):
    at = app_as("street", "pages/supervision.py")
    at.session_state["lang"] = "en"
    at.run()
    at.radio(key="sv_view").set_value("flags").run()
    _no_errors(at)
    assert _metric(at, "Reported again after closure") >= 1
    assert any("whistled again" in r for r in at.dataframe[0].value["Why"])


def test_the_dashboard_shows_the_flags_of_its_scope(app_as):
    at = app_as("district", "pages/dashboard.py").run()
    _no_errors(at)
    assert "真改了吗" in [h.value for h in at.subheader]
    assert _metric(at, "办结后重复上报") >= 1


def test_the_board_says_how_fresh_the_stored_flags_are(app_as):
    at = app_as("district", "pages/supervision.py").run()
    at.radio(key="sv_view").set_value("flags").run()
    _no_errors(at)
    assert any(c.value.startswith("近 90 天") and "数据截至 " in c.value for c in at.caption)

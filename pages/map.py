"""网格地图: a choropleth of the viewer's territory by grid (open demands, open whistle events, or a
measure another feature registers), points of open cases, and a click (or a pick) on a grid to
drill down to its buildings and open cases. Drawn from the stored geometry (works offline); over
a configured base map when there is one."""
import pandas as pd
import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.geo import chart, queries
from ui import session
from ui.session import t

SCOPE = "map_scope"
user = session.require_identity()
lang = session.lang()


def _open(unit_id) -> None:
    st.session_state[SCOPE] = unit_id


def _from_chart() -> None:
    picked = (st.session_state.get("map_chart") or {}).get("selection", {}).get(chart.PICK) or []
    if picked and picked[0].get("unit_id") is not None:
        _open(int(picked[0]["unit_id"]))


def _from_select() -> None:
    _open(st.session_state.get("map_grid"))


st.title(t("page.map"))
measure = st.radio(t("geo.map.measure"), list(queries.MEASURES), horizontal=True, key="map_measure",
                   format_func=lambda m: t(f"geo.measure.{m}"))
with session.page_transaction(user):
    try:
        data = queries.load(user, st.session_state.get(SCOPE), measure)
    except DomainError as exc:
        session.show_error(exc)
        st.button(t("geo.map.whole", unit=user.org_unit_name), key="map_home", on_click=_open, args=(None,))
        st.stop()

scope = data.scope
crumbs = st.columns(len(scope.path) + 1)
for col, unit in zip(crumbs, scope.path):
    col.button(unit.name, key=f"map_crumb_{unit.id}", on_click=_open, args=(unit.id,),
               disabled=unit.id == scope.unit.id, width="stretch")
if not data.grids:
    st.info(t("geo.map.nothing"))
    st.stop()
st.vega_lite_chart(chart.spec(data, lang, tiles=chart.tiles_configured()), width="stretch", key="map_chart",
                   on_select=_from_chart, selection_mode=chart.PICK)
st.caption(t("geo.map.total", n=data.total) + " · " + t("geo.map.hint"))
if data.unmapped:
    st.caption(t("geo.map.unmapped", n=data.unmapped))
if scope.unit.kind != "grid":
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    names = {g["unit_id"]: g["name"] for g in data.grids}
    pick.selectbox(t("geo.map.place"), list(names), format_func=names.get, key="map_grid")
    go.button(t("dashboard.drill_go"), key="map_grid_go", on_click=_from_select)
else:
    st.subheader(t("geo.map.cases", n=queries.CASE_LIMIT))
    st.dataframe(pd.DataFrame([{t("geo.map.case_kind"): t(f"geo.what.{c['what']}"), t("geo.map.case_title"): c["title"],
                                t("geo.map.case_status"): t(f"status.demand.{c['status']}") if c["what"] == "demand"
                                else t(f"whistle.step.{c['status']}"), t("geo.map.case_place"): c["place"]}
                               for c in data.cases]), hide_index=True, width="stretch", key="map_cases")

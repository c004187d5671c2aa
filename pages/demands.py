"""需求清单 Demands: filter, page through, open, change and add the demands of the user's territory."""
import streamlit as st

from ui import excel, lists, session
from ui.session import t

user = session.require_identity()
st.title(t("page.demands"))
lists.flash("demand")
with st.expander(t("lists.form.new_demand")):
    lists.show_create("demand", user)
filters = lists.show_filters("demand", user)
selected = lists.show_table("demand", user, filters)
lists.show_bulk("demand", user, selected)
if len(selected) == 1:
    lists.show_detail("demand", user, selected[0]["id"])
with st.expander(t("excel.ui.panel"), icon=":material/table_view:"):
    excel.show("demand", user, filters)

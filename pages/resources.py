"""资源清单 Resources: filter, page through, open, change and add the resources serving the user's territory."""
import streamlit as st

from ui import excel, lists, session
from ui.session import t

user = session.require_identity()
st.title(t("page.resources"))
lists.flash("resource")
with st.expander(t("lists.form.new_resource")):
    lists.show_create("resource", user)
filters = lists.show_filters("resource", user)
selected = lists.show_table("resource", user, filters)
lists.show_bulk("resource", user, selected)
if len(selected) == 1:
    lists.show_detail("resource", user, selected[0]["id"])
with st.expander(t("excel.ui.panel"), icon=":material/table_view:"):
    excel.show("resource", user, filters)

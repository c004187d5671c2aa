"""项目清单 Projects: filter and open projects; create one from the demands and resources picked on
the list pages; record milestones, progress and spending."""
import streamlit as st

from ui import excel, lists, session
from ui.session import t

user = session.require_identity()
st.title(t("page.projects"))
lists.flash("project")
with st.expander(t("lists.form.new_project")):
    lists.show_project_create(user)
filters = lists.show_filters("project", user)
selected = lists.show_table("project", user, filters)
lists.show_bulk("project", user, selected)
if len(selected) == 1:
    row = lists.show_detail("project", user, selected[0]["id"])
    if row:
        lists.show_project_work(user, row)
with st.expander(t("excel.ui.panel"), icon=":material/table_view:"):
    excel.show("project", user, filters)

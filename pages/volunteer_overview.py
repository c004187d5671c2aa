"""Street and district overview: registered members and units per community, hours per month."""
import altair as alt
import pandas as pd
import streamlit as st

from gongzhi.volunteers import queries
from ui import session
from ui.session import t
from ui.volunteers import table

user = session.require_identity()
st.title(t("page.volunteer_overview"))
figures = queries.overview(user)
members = figures["members"]
total_volunteers, total_units = st.columns(2)
total_volunteers.metric(t("volunteers.roster.volunteers"), f"{sum(m['volunteers'] for m in members):,}")
total_units.metric(t("volunteers.roster.units"), f"{sum(m['units'] for m in members):,}")
table(members, {"street": "volunteers.overview.street", "community": "volunteers.column.community",
                "volunteers": "volunteers.roster.volunteers", "units": "volunteers.roster.units"})
hours = pd.DataFrame(figures["hours"], columns=["month", "hours", "records"])
if not hours.empty:
    hours["hours"] = hours["hours"].astype(float)
    st.subheader(t("volunteers.overview.hours_per_month"))
    st.altair_chart(alt.Chart(hours).mark_bar().encode(
        x=alt.X("month:T", title=t("volunteers.overview.month"), timeUnit="yearmonth"),
        y=alt.Y("hours:Q", title=t("volunteers.column.hours"))), use_container_width=True)

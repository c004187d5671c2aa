"""个人信息清单: the personal data the portal holds — purpose, legal basis, who sees it in full,
retention — and the notices the public forms show. Open to everyone, signed in or not; reads no
database."""
import streamlit as st

from gongzhi.personal import listing, notices
from ui import session
from ui.session import t

st.title(t("page.privacy"))
st.caption(t("privacy.inventory.intro"))
lang = session.lang()
headers = listing.headers(lang)
st.dataframe([dict(zip(headers, (r[c].replace("`", "") for c in listing.COLUMNS))) for r in listing.rows(lang)],
             hide_index=True, width="stretch")
st.subheader(t("privacy.inventory.notices"))
for form in notices.CURRENT:
    st.info(notices.text(form, lang))

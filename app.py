"""Gongzhi portal entry: sign-in, then the pages of the signed-in role (ROLE_PAGES) and nothing else;
an account that must change its password sees only the password page until it has. A signed-in
page run is one transaction, which also checks that the browser's session is still alive."""
import streamlit as st

from gongzhi.auth import demo_mode
from gongzhi.auth.pages import LANDING, address, landing, public_pages, sections_for
from gongzhi.bootstrap import ensure_ready
from gongzhi.db.connection import failover_configured
from gongzhi.errors import unavailable
from ui import session, style
from ui.session import t

st.set_page_config(page_title="共治 Gongzhi", page_icon=":material/diversity_3:", layout="wide")


@st.cache_resource(show_spinner=False)
def _ready() -> str:
    return ensure_ready()


def _portal() -> None:
    _ready()
    style.apply()
    user = session.identity()
    if user is None:
        # The sign-in page stays the default; the public pages (PUBLIC_PAGES) are reachable by their address.
        page = st.navigation([st.Page("pages/login.py", title=t("login.title"), url_path=LANDING)]
                             + [st.Page(p.path, title=t(p.title_key), icon=p.icon, url_path=p.url)
                                for p in public_pages()],
                             position="hidden")
    else:
        with st.sidebar:
            duty = t(f"admin.capability.{user.admin}") if user.admin else t("role." + user.role)
            st.markdown(f"**{t('app.signed_in_as', name=user.display_name, role=duty)}**")
            st.caption(t("app.territory", unit=user.org_unit_name))
            st.radio(t("app.language"), ["zh", "en"], index=["zh", "en"].index(session.lang()),
                     format_func=lambda code: {"zh": "中文", "en": "English"}[code], horizontal=True,
                     key="lang_choice", on_change=session.choose_language, args=("lang_choice",))
            st.button(t("app.sign_out"), key="sign_out", on_click=session.sign_out)
        session.banners(user)
        # The role's pages under their sections (SECTIONS); the landing page is the default wherever
        # its section falls. expanded: every page listed, no "View N more" button (Streamlit's English).
        first = landing(user.role, user.admin)
        sections = sections_for(user.role, user.admin, must_change=bool(user.must_change))
        page = st.navigation({t(f"nav.section.{section}"): [
                                  st.Page(p.path, title=t(p.title_key), icon=p.icon, default=p.key == first,
                                          url_path=address(p, user.role, user.admin)) for p in pages]
                              for section, pages in sections.items()},
                             expanded=True)
    session.write_cookie()
    if user is None:
        if page.url_path:          # a public page (the sign-in page draws its own banner under its message)
            session.banners(None, demo_mode=demo_mode.on())
        page.run()
        return
    with session.page_transaction(user):
        session.check(user)
        page.run()


try:
    _portal()
except Exception as exc:  # the database down or restarting: one message, and the next rerun tries again
    if not unavailable(exc):
        raise
    st.error(t("error.switching" if failover_configured() else "error.unavailable"), icon=":material/cloud_off:")

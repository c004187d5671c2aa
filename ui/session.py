"""The signed-in user and the chosen language, kept in Streamlit's session state."""
from __future__ import annotations

import streamlit as st

from gongzhi import i18n, preferences
from gongzhi.auth import Identity
from gongzhi.errors import DomainError

IDENTITY = "identity"
LANG = "lang"
AUTH_SESSION = "supabase_auth"  # this user's own Supabase Auth client; never shared, never cached
SIGNED_OUT_BECAUSE = "signed_out_because"


def identity() -> Identity | None:
    """The signed-in user; on Supabase, with a token renewed before it expires."""
    value = st.session_state.get(IDENTITY)
    if not isinstance(value, Identity):
        return None
    auth = st.session_state.get(AUTH_SESSION)
    if auth is not None:
        try:
            fresh = auth.keep_fresh(value)
        except DomainError as exc:
            sign_out()
            st.session_state[SIGNED_OUT_BECAUSE] = exc.key
            return None
        if fresh is not value:
            st.session_state[IDENTITY] = value = fresh
    return value


def require_identity() -> Identity:
    """The signed-in user; stops the page for anyone else."""
    user = identity()
    if user is None:
        st.stop()
    return user


def sign_in(user: Identity) -> None:
    """Keep `user` in the session and switch to the language they chose last time."""
    st.session_state[IDENTITY] = user
    saved = preferences.language(user)
    if saved:
        st.session_state[LANG] = saved


def sign_out() -> None:
    """Forget the user; on Supabase, end this session (not the user's other devices)."""
    auth = st.session_state.get(AUTH_SESSION)
    if auth is not None:
        auth.sign_out()
    for key in list(st.session_state.keys()):
        if key != LANG:
            del st.session_state[key]


def choose_language(widget_key: str) -> None:
    """Widget callback: the language picked in `widget_key` becomes the session's."""
    st.session_state[LANG] = st.session_state[widget_key]
    user = identity()
    if user is not None:
        preferences.set_language(user, st.session_state[LANG])


def lang() -> str:
    value = st.session_state.get(LANG, i18n.DEFAULT)
    return value if value in i18n.LANGUAGES else i18n.DEFAULT


def t(key: str, **params) -> str:
    """The catalogue text of `key` in the session's language."""
    return i18n.t(key, lang(), **params)


def show_error(exc) -> None:
    """A DomainError as a message in the user's language."""
    st.error(t(exc.key, **exc.params))

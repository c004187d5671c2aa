"""The signed-in user and the chosen language, kept in Streamlit's session state; for local
accounts also in a cookie (gongzhi.auth.sessions), so that reloading the page keeps them signed in,
and checked on every page run (`check`: idle timeout, lifetime, signed in elsewhere, signed out
everywhere, a password that must now be changed)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import streamlit as st
import streamlit.components.v1 as components
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from gongzhi import i18n, preferences, security_log
from gongzhi.auth import Identity, load_identity, local, second_factor, sessions
from gongzhi.errors import DomainError
from gongzhi.sender import client_address as _client_address

IDENTITY = "identity"
LANG = "lang"
AUTH_SESSION = "supabase_auth"  # this user's own Supabase Auth client; never shared, never cached
SIGNED_OUT_BECAUSE = "signed_out_because"
TOKEN = "session_token"          # this browser's session token (local accounts)
COOKIE_TO_WRITE = "cookie_to_write"   # the cookie's next value ("" clears it), written by write_cookie()


def identity() -> Identity | None:
    """The signed-in user; on Supabase, with a token renewed before it expires; after a reload,
    the local account whose session cookie this browser still holds."""
    value = st.session_state.get(IDENTITY)
    if not isinstance(value, Identity):
        return _resume()
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


def page_transaction(user: Identity):
    """The whole page run as one transaction of `user` (one connection checkout per rerun); a stop
    or rerun the page asks for commits it like a normal end."""
    return user.one_transaction(keep_on=(ScriptControlException,))


def require_identity() -> Identity:
    """The signed-in user; stops the page for anyone else."""
    user = identity()
    if user is None:
        st.stop()
    return user


def sign_in(user: Identity, remember: bool = False) -> None:
    """Keep `user` in the session and switch to the language they chose last time; `remember`
    (local accounts) also starts a session this browser keeps across reloads."""
    st.session_state[IDENTITY] = user
    saved = preferences.language(user)
    if saved:
        st.session_state[LANG] = saved
    if remember:
        st.session_state[TOKEN] = st.session_state[COOKIE_TO_WRITE] = sessions.start(
            user.user_id, user.claims.get("aal") or "aal1")


def sign_out() -> None:
    """Forget the user and end this browser's session; on Supabase, end this session (not the
    user's other devices)."""
    auth = st.session_state.get(AUTH_SESSION)
    if auth is not None:
        auth.sign_out()
    sessions.end(st.session_state.get(TOKEN) or _cookie())
    user = st.session_state.get(IDENTITY)
    if user is not None:
        security_log.record(user, "sign_out", client=client_address(), object=f"user:{user.user_id}")
    _forget()


def _forget(because: str | None = None) -> None:
    """Clear this browser's signed-in state (the language stays); `because`: the message the
    sign-in page shows."""
    for key in list(st.session_state.keys()):
        if key != LANG:
            del st.session_state[key]
    st.session_state[COOKIE_TO_WRITE] = ""
    if because:
        st.session_state[SIGNED_OUT_BECAUSE] = because


def check(user: Identity) -> None:
    """Inside the page run's transaction: is this browser's session still alive? When it ended
    (idle, too old, signed in elsewhere, signed out everywhere) the browser is signed out and told
    why; when the account must now change its password, it is sent to the password page. Local
    accounts only (Supabase Auth keeps its own sessions)."""
    token = st.session_state.get(TOKEN)
    if not token:
        return
    status, must_change = sessions.check(user, token)
    if status != sessions.LIVE:
        if status in ("idle", "expired"):
            sessions.expire(token, user.user_id, status, client_address())
        else:
            sessions.end(token)
        _forget("auth.session." + status)
        st.rerun()
    if must_change and not user.must_change:
        st.session_state[IDENTITY] = load_identity(user.user_id, user.claims)
        st.rerun()


def banners(user: Identity | None, demo_mode: bool = False) -> None:
    """What every page says at its top: demo mode (the published password), a password about to expire."""
    if (user.demo_mode if user is not None else demo_mode):
        st.warning(t("identity.demo_banner"), icon=":material/science:")
    days = user.password_days_left(datetime.now(timezone.utc)) if user is not None else None
    if days is not None:
        st.warning(t("identity.expiry_banner", days=days), icon=":material/key:")


def change_password(user: Identity, current: str, new: str, repeat: str) -> Identity:
    """The user's own new password (DomainError when refused); the browser keeps a new session, as
    every session of the account ended with the old password."""
    if new != repeat:
        raise DomainError("identity.password.mismatch")
    auth = st.session_state.get(AUTH_SESSION)
    if auth is not None:
        fresh = auth.change_password(user, new, client_address())
        st.session_state[IDENTITY] = fresh
        return fresh
    fresh = local.change_password(user, current, new, client_address())
    had_session = bool(st.session_state.get(TOKEN))
    sign_in(fresh, remember=had_session)
    return fresh


def sign_out_everywhere(user: Identity) -> None:
    """退出所有设备: every session of the account ends, this browser's included."""
    auth = st.session_state.get(AUTH_SESSION)
    if auth is not None:
        auth.sign_out_everywhere()
        security_log.record(user, "sign_out_everywhere", client=client_address(), object=f"user:{user.user_id}")
    else:
        sessions.end_everywhere(user, user.user_id, client_address())
    _forget("auth.session.everywhere")


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:   # no browser behind this run (tests)
        return None
    return value if isinstance(value, str) else None


def _resume() -> Identity | None:
    """The local account of this browser's session cookie, signed in again; None without one (and
    the reason on the sign-in page when the session ran out or was ended)."""
    token = _cookie()
    user_id, status = sessions.status(token)
    if user_id is None:
        return None
    if status != sessions.LIVE:
        if status in ("idle", "expired"):
            sessions.expire(token, user_id, status, client_address())
        else:
            sessions.end(token)
        _forget("auth.session." + status)
        return None
    found = sessions.session_of(token)
    if found is None:
        return None
    user_id, aal = found
    try:
        user = load_identity(user_id, {"aal": aal})
        second_factor.check_resumed(user)
    except DomainError as exc:   # disabled, or now required to present a second factor: the session ends here
        sessions.end(token)
        _forget(exc.key)
        return None
    sign_in(user)
    st.session_state[TOKEN] = token
    return user


def write_cookie() -> None:
    """Hand the browser the session cookie set or cleared since the last run (a hidden frame on
    the portal's own origin; the cookie is not readable by other sites and expires with the session)."""
    value = st.session_state.pop(COOKIE_TO_WRITE, None)
    if value is None:
        return
    age = sessions.LIFETIME_HOURS * 3600 if value else 0
    components.html(
        "<script>document.cookie = " + json.dumps(f"{sessions.COOKIE}={value}; path=/; max-age={age}; SameSite=Strict")
        + " + (location.protocol === 'https:' ? '; Secure' : '');</script>", height=0)


def choose_language(widget_key: str) -> None:
    """Widget callback: the language picked in `widget_key` becomes the session's."""
    st.session_state[LANG] = st.session_state[widget_key]
    user = identity()
    if user is not None:
        preferences.set_language(user, st.session_state[LANG])


# The language of the last run in this process. Only read where no run is under way: AppTest (and
# nothing in a served portal) calls a widget's format_func after the run, outside its session.
_last_run_lang = i18n.DEFAULT


def lang() -> str:
    global _last_run_lang
    if get_script_run_ctx() is None:
        return _last_run_lang
    value = st.session_state.get(LANG, i18n.DEFAULT)
    _last_run_lang = value if value in i18n.LANGUAGES else i18n.DEFAULT
    return _last_run_lang


def t(key: str, **params) -> str:
    """The catalogue text of `key` in the session's language."""
    return i18n.t(key, lang(), **params)


def show_error(exc) -> None:
    """A DomainError as a message in the user's language."""
    st.error(t(exc.key, **exc.params))


def client_address() -> str:
    """This browser's address as the server saw it (gongzhi.sender: trusted proxies only)."""
    headers = getattr(st.context, "headers", None) or {}
    return _client_address(getattr(st.context, "ip_address", None), headers.get("X-Forwarded-For"))

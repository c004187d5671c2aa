"""The second factor in the portal: the step after a correct password (the code, or the forced
enrolment of an account that must have one), and the enrolment widget the 两步验证 page shares.

Between the password and the code nobody is signed in: the checked identity waits in this
browser's session state for PENDING_SECONDS, and no session (cookie) exists until the second
factor is presented."""
from __future__ import annotations

import time
from typing import Callable

import streamlit as st

from gongzhi.auth import second_factor
from gongzhi.auth.identity import Identity
from gongzhi.errors import DomainError
from ui import forms, session
from ui.session import t

PENDING = "mfa_pending"
PENDING_SECONDS = 300
LOCKOUTS = ("auth.locked", "auth.too_many")


def after_password(user: Identity, auth=None) -> None:
    """Right after a correct password: sign in at aal1, or wait for the second factor. `auth` is
    the user's Supabase Auth session on hosted Supabase (its factors are Supabase Auth's)."""
    if auth is not None:
        step = auth.second_factor_step(user)
        if step is None:
            session.sign_in(user)
            return
        enrolment = auth.begin_enrolment(user) if step == "enrol" else None
    else:
        step = second_factor.next_step(user)
        if step is None:
            session.sign_in(second_factor.with_aal(user, second_factor.AAL1), remember=True)
            return
        enrolment = second_factor.begin_enrolment(user) if step == "enrol" else None
    st.session_state[PENDING] = {"identity": user, "step": step, "since": time.monotonic(),
                                 "enrolment": enrolment, "codes": None, "supabase": auth is not None}


def pending() -> dict | None:
    """The sign-in waiting for its second factor, if one is and has not expired."""
    state = st.session_state.get(PENDING)
    if not isinstance(state, dict):
        return None
    if time.monotonic() - state["since"] > PENDING_SECONDS:
        del st.session_state[PENDING]
        st.session_state[session.SIGNED_OUT_BECAUSE] = "mfa.pending_expired"
        return None
    return state


def _cancel() -> None:
    st.session_state.pop(PENDING, None)


def _finish(user: Identity) -> None:
    state = st.session_state.pop(PENDING, None) or {}
    session.sign_in(user, remember=not state.get("supabase"))


def _auth():
    return st.session_state.get(session.AUTH_SESSION)


def _verify(state: dict) -> None:
    """The code form's callback: a right code signs in at aal2; a lockout ends the waiting sign-in
    (the next run says why and goes back to the password)."""
    code = st.session_state.get("mfa_code_input", "")
    done = {}

    def check() -> None:
        try:
            done["user"] = (_auth().verify_code(code) if state["supabase"]
                            else second_factor.verify_sign_in(state["identity"], code, session.client_address()))
        except DomainError as exc:
            state["locked"] = exc.key in LOCKOUTS
            raise
    if forms.submit("mfa_code", check):
        _finish(done["user"])


def _keep_codes(state: dict, codes: list[str]) -> None:
    state["codes"] = codes


def draw_pending(state: dict) -> None:
    """The second step of signing in, for the identity in `state`."""
    user: Identity = state["identity"]
    if state.get("locked"):
        forms.show("mfa_code")
        _cancel()
    elif state["step"] == "code":
        st.subheader(t("mfa.sign_in.title"))
        st.caption(t("mfa.sign_in.hint"))
        with st.form("mfa_code"):
            st.text_input(t("mfa.code_or_recovery"), key="mfa_code_input", max_chars=24)
            st.form_submit_button(t("mfa.sign_in.submit"), type="primary", on_click=_verify, args=(state,))
        forms.show("mfa_code")
    elif state["codes"] is None:
        st.subheader(t("mfa.enrol.forced_title"))
        st.info(t("mfa.enrol.forced_hint"))
        if state["supabase"]:
            enrolment_form(user, state["enrolment"], "mfa_forced", _finish,
                           confirm=lambda code: _auth().confirm_enrolment(code))
        else:
            enrolment_form(user, state["enrolment"], "mfa_forced", lambda codes: _keep_codes(state, codes))
    else:
        show_recovery_codes(state["codes"])
        st.button(t("mfa.enrol.continue"), type="primary", key="mfa_forced_continue",
                  on_click=_finish, args=(second_factor.with_aal(user, second_factor.AAL2),))
    st.button(t("mfa.sign_in.cancel"), key="mfa_cancel", on_click=_cancel)


def enrolment_form(user: Identity, enrolment: second_factor.Enrolment, key: str,
                   on_done: Callable[[object], None], confirm=None) -> None:
    """The QR code, the secret as text, and the form confirming it with a current code; once the
    code was right, the form's callback hands `on_done` what `confirm(code)` returned (by default
    a local account's recovery codes)."""
    st.markdown(t("mfa.enrol.scan"))
    st.image(enrolment.qr_png, width=220)
    st.caption(t("mfa.enrol.secret"))
    st.code(" ".join(enrolment.secret[i:i + 4] for i in range(0, len(enrolment.secret), 4)), language=None)
    with st.form(key):
        st.text_input(t("mfa.code"), key=f"{key}_code", max_chars=12)
        st.form_submit_button(t("mfa.enrol.confirm"), type="primary", on_click=_confirm,
                              args=(user, key, on_done, confirm))
    forms.show(key)


def _confirm(user: Identity, key: str, on_done: Callable[[object], None], confirm) -> None:
    code = st.session_state.get(f"{key}_code", "")
    result = {}

    def check() -> None:
        result["done"] = (confirm(code) if confirm is not None
                          else second_factor.confirm_enrolment(user, code, session.client_address()))
    if forms.submit(key, check):
        on_done(result["done"])


def show_recovery_codes(codes: list[str]) -> None:
    st.success(t("mfa.enrol.done"))
    st.warning(t("mfa.recovery.once"))
    st.code("\n".join(codes), language=None)

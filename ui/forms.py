"""The form idiom's two halves for pages (docs/CONTRIBUTING.md, "The form idiom"): `submit` is the
body of a submit button's callback — one call into gongzhi, one transaction — and keeps the
outcome in the session; `show` draws it in the page run that follows, once. No SQL, no permission rule."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from gongzhi.errors import DomainError
from ui.session import show_error, t

Message = tuple[str, str]   # (st function name: success, info, warning, error; text)


def submit(where: str, action: Callable[[], object], done: str | Callable[[object], str | list[Message]] | None = None,
           clear: tuple[str, ...] = (), **params) -> bool:
    """Run `action()` and keep its outcome for `show(where)`: the DomainError it raised, or on
    success the text of `done` — an i18n key (its message may name the result as {result}) or a
    function of the result returning a text or a list of (kind, text). On success the widgets in
    `clear` are emptied for the next entry; on a refusal they keep what was typed. Returns whether
    the action was done."""
    try:
        result = action()
    except DomainError as exc:
        st.session_state[_slot(where)] = exc
        return False
    if done is not None:
        said = done(result) if callable(done) else t(done, result=result, **params)
        st.session_state[_slot(where)] = [("success", said)] if isinstance(said, str) else said
    for key in clear:
        st.session_state[key] = ""
    return True


def show(where: str, field_label: Callable[[str], str] | None = None) -> None:
    """The outcome `submit(where, …)` kept, drawn once: each field problem of a refused form (labelled
    by `field_label`, when given), another refusal as its message, or the success messages."""
    outcome = st.session_state.pop(_slot(where), None)
    if outcome is None:
        return
    if isinstance(outcome, DomainError):
        problems = getattr(outcome, "errors", None)
        if problems and field_label is not None:
            for problem in problems:
                st.error(f"{field_label(problem.field)}：{t(problem.key, **problem.params)}")
        else:
            show_error(outcome)
        return
    for kind, text in outcome:
        getattr(st, kind)(text)


def _slot(where: str) -> str:
    return f"{where}_outcome"

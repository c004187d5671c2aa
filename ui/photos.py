"""The photo gallery of one row (a demand, an event, a milestone, a round or a finding): thumbnails,
one opened at full size, the upload form (with before / after for an event) and removal; for a
demand or an event also the photos of the round's findings reported up as it. Draws only: the checks and
the writes are gongzhi.photos's, in one transaction each."""
from __future__ import annotations

import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.photos import STAGES, commands, queries
from ui import forms
from ui.session import t

COLUMNS = 4


def _upload(user, kind: str, subject_id: int, where: str, staged: bool) -> None:
    """Submit callback: the file and fields the form holds now, in one call."""
    state = st.session_state
    chosen = state.get(f"{where}_file")
    data = chosen.getvalue() if chosen is not None else None
    stage = state.get(f"{where}_stage") if staged else None
    forms.submit(where, lambda: commands.upload(user, kind, subject_id, data, stage=stage,
                                                caption=state.get(f"{where}_caption") or ""), "photos.uploaded")


def _remove(user, photo_id: int, where: str) -> None:
    forms.submit(where, lambda: commands.remove(user, photo_id), "photos.removed")
    st.session_state.pop(f"{where}_open", None)


def _set_public(user, photo_id: int, public_as: str | None, where: str) -> None:
    forms.submit(where, lambda: commands.set_public(user, photo_id, public_as),
                 "photos.published" if public_as else "photos.unpublished")


def _open(where: str, photo_id: int | None) -> None:
    st.session_state[f"{where}_open"] = photo_id


def show(user, kind: str, subject_id: int, staged: bool = False, editable: bool = True,
         title: str = "photos.ui.title") -> None:
    """The photos of the `kind` row `subject_id` and a form to add one; with `editable` False the
    thumbnails and the opened photo only (a resident's photos on the triage board)."""
    where = f"photos_{kind}_{subject_id}"
    st.markdown(f"**{t(title)}**")
    forms.show(where)
    rows = queries.photos(user, kind, subject_id)
    linked = queries.linked(user, kind, subject_id) if kind in queries.LINKED_BY else []
    if not rows and not linked:
        st.caption(t("photos.ui.none"))
    for stage in (STAGES if staged else (None,)):
        group = [r for r in rows if r["stage"] == stage]
        if staged and group:
            st.caption(t(f"photos.stage.{stage}"))
        cols = st.columns(COLUMNS)
        for i, row in enumerate(group):
            with cols[i % COLUMNS]:
                _thumbnail(user, row, where, editable, kind)
    _linked(user, linked, where)
    opened = st.session_state.get(f"{where}_open")
    if opened is not None and any(r["id"] == opened for r in [*rows, *linked]):
        try:
            body, _ctype = queries.image(user, opened)
        except DomainError as exc:
            st.error(t(exc.key, **exc.params))
        else:
            st.image(body, width="stretch")
            st.button(t("photos.ui.close"), key=f"{where}_close", on_click=_open, args=(where, None))
    if not editable:
        st.caption(t("photos.ui.privacy"))
        return
    with st.form(f"{where}_form", clear_on_submit=True):
        st.file_uploader(t("photos.ui.file", mb=queries.max_mb(user)), type=["jpg", "jpeg", "png", "webp"], key=f"{where}_file")
        if staged:
            st.radio(t("photos.ui.stage"), STAGES, horizontal=True, key=f"{where}_stage",
                     format_func=lambda s: t(f"photos.stage.{s}"))
        st.text_input(t("photos.ui.caption"), max_chars=200, key=f"{where}_caption")
        st.form_submit_button(t("photos.ui.upload"), on_click=_upload, args=(user, kind, subject_id, where, staged))
    st.caption(t("photos.ui.privacy"))


def _thumbnail(user, row: dict, where: str, editable: bool = True, kind: str = "") -> None:
    try:
        body, _ctype = queries.image(user, row["id"], thumb=True)
    except DomainError as exc:
        st.caption(t(exc.key, **exc.params))
        return
    st.image(body, caption=row["caption"] or None, width="stretch")
    if not editable:
        st.button(t("photos.ui.open"), key=f"{where}_open_{row['id']}", on_click=_open, args=(where, row["id"]))
        return
    open_col, remove_col = st.columns(2)
    open_col.button(t("photos.ui.open"), key=f"{where}_open_{row['id']}", on_click=_open, args=(where, row["id"]))
    remove_col.button(t("photos.ui.remove"), key=f"{where}_remove_{row['id']}", on_click=_remove,
                      args=(user, row["id"], where))
    _board_control(user, kind, row, where)


def _board_control(user, kind: str, row: dict, where: str) -> None:
    """可公开: whether the photo goes on the public 晒 board, for staff who decide it (an event's photo
    as the stage it was taken at; a milestone's as the stage chosen here)."""
    if kind not in commands.PUBLISHABLE or not may(user, "photos.publish"):
        return
    key = f"{where}_public_{row['id']}"
    if row.get("public_as"):
        st.caption(t("photos.board.public_as", stage=t(f"photos.stage.{row['public_as']}")))
        st.button(t("photos.board.unmark"), key=key, help=t("photos.board.hint"), on_click=_set_public,
                  args=(user, row["id"], None, where))
    elif row["stage"]:
        st.button(t("photos.board.mark"), key=key, help=t("photos.board.hint"), on_click=_set_public,
                  args=(user, row["id"], row["stage"], where))
    else:
        for stage in STAGES:
            st.button(t(f"photos.board.mark_{stage}"), key=f"{key}_{stage}", help=t("photos.board.hint"),
                      on_click=_set_public, args=(user, row["id"], stage, where))


def _linked(user, rows: list[dict], where: str) -> None:
    """The photos taken on the round, of the findings that became this demand or event (read only here)."""
    if not rows:
        return
    st.caption(t("fieldwork.photos.from_round"))
    cols = st.columns(COLUMNS)
    for i, row in enumerate(rows):
        with cols[i % COLUMNS]:
            try:
                body, _ctype = queries.image(user, row["id"], thumb=True)
            except DomainError as exc:
                st.caption(t(exc.key, **exc.params))
                continue
            st.image(body, caption=row["caption"] or row["what"], width="stretch")
            st.button(t("photos.ui.open"), key=f"{where}_open_{row['id']}", on_click=_open, args=(where, row["id"]))

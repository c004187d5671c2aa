"""民情意见箱, the public page (no account): a resident writes a suggestion, complaint or need to a
community (chosen, or named by `?community=<code>` from the printed QR code) and receives a
tracking code; with the code alone they follow the status and the community's reply."""
import streamlit as st

from gongzhi.personal import notices
from gongzhi.suggest import commands, queries
from ui import forms, session
from ui.session import t
from ui.volunteers import sender

WHERE = "box"
TRACK = "box_track"


def _submit() -> None:
    s = st.session_state
    photos = [f.getvalue() for f in s.get(_photos_key()) or []]

    def done(result: commands.Submitted):
        s["box_code"] = result.code
        s["box_photo_round"] = s.get("box_photo_round", 0) + 1     # a new, empty uploader
        said = [("success", t("suggestion.public.received", code=result.code))]
        return said + [("caption", t("suggestion.public.photos_attached", n=len(photos)))] if photos else said
    forms.submit(WHERE, lambda: commands.submit(s["box_community"], s["box_category"], s["box_kind"], s["box_body"],
                                                s["box_phone"], s["box_notice_seen"], sender(), photos=photos),
                 done, clear=("box_body", "box_phone"))


def _photos_key() -> str:
    return f"box_photos_{st.session_state.get('box_photo_round', 0)}"


def _track() -> None:
    """Look the code up once per press (each unknown code counts against this client)."""
    s = st.session_state
    s.pop("box_found", None)

    def look():
        s["box_found"] = queries.lookup(s["box_track_code"], sender())
    forms.submit(TRACK, look)


def write() -> None:
    codes = [c["code"] for c in choices["communities"]]
    asked = st.query_params.get("community")
    if asked in codes and "box_community" not in st.session_state:
        st.session_state["box_community"] = asked
    with st.form("box_write"):
        st.selectbox(t("suggestion.field.community"), codes, format_func=communities.get, key="box_community")
        st.radio(t("suggestion.field.kind"), commands.KINDS, horizontal=True, key="box_kind",
                 format_func=lambda k: t(f"suggestion.kind.{k}"))
        st.selectbox(t("suggestion.field.category"), list(categories), format_func=categories.get, key="box_category")
        st.text_area(t("suggestion.field.body"), max_chars=commands.BODY_MAX, key="box_body",
                     placeholder=t("suggestion.public.body_hint"))
        st.text_input(t("suggestion.field.phone"), key="box_phone", placeholder=t("suggestion.public.phone_hint"))
        if choices["photos"]:
            st.file_uploader(t("suggestion.public.photos", n=choices["photos"], mb=choices["photo_mb"]),
                             type=["jpg", "jpeg", "png", "webp"], accept_multiple_files=True, key=_photos_key(),
                             help=t("suggestion.public.photos_hint"))
        st.info(notices.text("suggestion", session.lang()))
        st.checkbox(t("privacy.notice.seen"), key="box_notice_seen")
        st.form_submit_button(t("suggestion.public.submit"), type="primary", on_click=_submit)
    forms.show(WHERE)
    if st.session_state.get("box_code"):
        st.code(st.session_state["box_code"], language=None)
        st.caption(t("suggestion.public.keep_code"))


def track() -> None:
    with st.form("box_track"):
        st.text_input(t("suggestion.field.code"), key="box_track_code", max_chars=20)
        st.form_submit_button(t("suggestion.public.track"), type="primary", on_click=_track)
    forms.show(TRACK)
    if "box_found" not in st.session_state:
        return
    found = st.session_state["box_found"]
    if found is None:
        st.warning(t("suggestion.public.not_found"))
        return
    name = found["category_zh" if session.lang() == "zh" else "category_en"]
    st.subheader(t("suggestion.public.status_is", status=t(f"status.suggestion.{found['status']}")))
    st.write(t("suggestion.public.about", community=found["community"], category=name,
               kind=t(f"suggestion.kind.{found['kind']}"), when=f"{found['received_at']:%Y-%m-%d %H:%M}"))
    for step in found["steps"]:
        status = t(f"status.suggestion.{step['status']}")
        st.markdown(f"- {step['at']:%Y-%m-%d %H:%M} · {status}")
    if found["reply"]:
        st.markdown(f"**{t('suggestion.public.reply')}**")
        st.info(found["reply"])
    else:
        st.caption(t("suggestion.public.no_reply"))


VIEWS = {"write": write, "track": track}
st.title(t("page.box"))
st.caption(t("suggestion.public.intro"))
st.page_link("pages/privacy.py", label=t("page.privacy"), icon=":material/shield_person:")
choices = queries.public_choices()
communities = {c["code"]: f"{c['street']} · {c['name']}" for c in choices["communities"]}
categories = {c["code"]: c["name_zh" if session.lang() == "zh" else "name_en"] for c in choices["categories"]}
view = st.radio(t("page.box"), list(VIEWS), key="box_view", horizontal=True, label_visibility="collapsed",
                format_func={v: t(f"suggestion.public.{v}") for v in VIEWS}.get)
VIEWS[view]()

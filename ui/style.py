"""Page-wide style: on phone-sized screens every control a finger presses is at least TOUCH_PX tall
(Streamlit draws text fields at about 36 px and multi-selects, date fields, checkboxes and toggles
smaller still on narrow screens)."""
import streamlit as st

TOUCH_PX = 44
PHONE_MAX_WIDTH_PX = 640

_CSS = f"""<style>
@media (max-width: {PHONE_MAX_WIDTH_PX}px) {{
  [data-testid="stTextInputRootElement"], [data-testid="stNumberInputContainer"],
  [data-testid="stTextAreaRootElement"], [data-testid="stDateInputField"], [data-testid="stMain"] [data-rac][role="group"],
  .stButton button, .stDownloadButton button, .stFormSubmitButton button, [data-testid="stButtonGroup"] button,
  [data-testid="stNumberInputStepDown"], [data-testid="stNumberInputStepUp"],
  [data-testid="stCheckbox"] label, [data-testid="stRadio"] label {{
    min-height: {TOUCH_PX}px !important;
  }}
  [data-testid="stCheckbox"] label, [data-testid="stRadio"] label {{ align-items: center; }}
}}
</style>"""


def apply() -> None:
    """Add the portal's style to the page being drawn."""
    st.html(_CSS)

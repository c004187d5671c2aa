"""One form idiom (docs/CONTRIBUTING.md): a page never acts on a button's return value in its run —
every submit and action button hands its work to a callback (`on_click`), which makes one call into
gongzhi. The pages still written the old way are named with how many such buttons they hold."""
import re

from gongzhi.config import ROOT

INLINE = re.compile(r"""(\bif\b.*|=\s*)[\w.\[\]]*\.(form_submit_button|button)\(""")
# Every page and ui/ module follows the idiom now; a page that may not yet would be named here.
NOT_YET: dict[str, int] = {}


def _inline_buttons() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted((ROOT / "pages").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py")) + [ROOT / "app.py"]:
        n = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if INLINE.search(line))
        if n:
            found[str(path.relative_to(ROOT))] = n
    return found


def test_buttons_act_through_callbacks():
    assert _inline_buttons() == NOT_YET


def test_the_scan_finds_what_it_looks_for():
    assert INLINE.search('    if st.form_submit_button(t("lists.form.save")):')
    assert INLINE.search('submitted = st.form_submit_button(t("login.submit"), type="primary")')
    assert INLINE.search('if close.button(t("x"), key="y"):')
    assert INLINE.search('    if which == "unverified" and st.button(t("x"), key="y"):')
    assert not INLINE.search('st.form_submit_button(t("lists.form.save"), on_click=_edit, args=(user,))')
    assert not INLINE.search('st.download_button(t("x"), data=b"", key="y")')
    assert not INLINE.search('go_col.button(t("bulletin.generate"), key="bulletin_go", on_click=_ask)')

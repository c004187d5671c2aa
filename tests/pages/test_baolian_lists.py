"""包联名录 under the real app.py: the district's page only; each view one transaction; a unit added
by its form (and a bad one refused field by field, nothing written); a profile kept; an import with
The whistle page offers a grid its
community's 包联 units. (AppTest has no file upload: the import is tested in tests/levers.)"""
from gongzhi import db
from gongzhi.auth.pages import ROLE_PAGES
from gongzhi.db import owner

PAGE = "pages/baolian_lists.py"


def _submit(at, form: str) -> None:
    next(b for b in at.button if b.form_id == form).click().run()


def _units() -> int:
    with owner() as conn:
        return conn.execute("select count(*) as n from public.baolian_unit").fetchone()["n"]


def test_only_the_district_keeps_the_lists():
    assert [role for role, pages in ROLE_PAGES.items() if "baolian_lists" in pages] == ["district"]


def test_each_view_is_one_transaction(app_as):
    at = app_as("district", PAGE).run()
    for view in ("units", "profiles", "import"):
        at.radio(key="bld_view").set_value(view)
        before = db.checkouts()
        at.run()
        assert not at.exception and db.checkouts() - before == 1


def test_a_unit_is_added_and_a_bad_one_refused(app_as):
    at = app_as("district", PAGE).run()
    before = _units()
    at.text_input(key="bld_new_name").set_value("区科学技术协会")
    at.multiselect(key="bld_new_functions").set_value(["culture"])
    at.text_input(key="bld_new_strength").set_value("二十")
    at.text_input(key="bld_new_capacity").set_value("50")
    _submit(at, "bld_new_form")
    errors = [e.value for e in at.error]
    assert not at.exception and any(e.startswith("人数") for e in errors) and any(e.startswith("可包联社区数") for e in errors)
    assert _units() == before
    at.text_input(key="bld_new_strength").set_value("20")
    at.text_input(key="bld_new_capacity").set_value("1")
    _submit(at, "bld_new_form")
    assert not at.exception and any("已新增单位" in s.value for s in at.success)
    assert _units() == before + 1


def test_a_profile_is_kept(app_as):
    at = app_as("district", PAGE).run()
    at.radio(key="bld_view").set_value("profiles").run()
    community = at.selectbox(key="bld_profile_community").value
    at.text_input(key="bld_profile_population").set_value("12345")
    at.text_input(key="bld_profile_old_estates").set_value("6")
    _submit(at, "bld_profile_form")
    assert not at.exception and at.success
    with owner() as conn:
        row = conn.execute("select population, old_estates from public.community_profile where community_id = %s",
                           (community,)).fetchone()
    assert row == {"population": 12345, "old_estates": 6}


def test_the_whistle_offers_the_communitys_units(app_as):
    at = app_as("grid", "pages/whistle.py").run()
    assert not at.exception
    units = at.multiselect(key=f"wh_units_{at.selectbox(key='wh_grid').value}")
    assert units.options == ["国网滨江供电公司"]

"""The sidebar's sections: every page is declared under one section, every section has its label in
both languages, and each role's menu is its pages grouped by section (gongzhi.auth.pages)."""
import pytest

from gongzhi import i18n
from gongzhi.auth.pages import ADMIN_PAGES, PAGES, ROLE_PAGES, SECTIONS, landing, pages_for, sections_for


def test_every_page_has_a_known_section():
    assert sorted(p.key for p in PAGES.values() if p.section not in SECTIONS) == []


def test_every_section_is_used_and_labelled():
    assert {p.section for p in PAGES.values()} == set(SECTIONS)
    for section in SECTIONS:
        assert i18n.has(f"nav.section.{section}"), section
    assert i18n.t("nav.section.lists") == "三张清单" and i18n.t("nav.section.lists", "en") == "The three lists"


@pytest.mark.parametrize("role,admin", [(r, None) for r in ROLE_PAGES] + [("district", a) for a in ADMIN_PAGES])
def test_a_menu_is_the_roles_pages_grouped_by_section(role, admin):
    grouped = sections_for(role, admin)
    listed = [p for pages in grouped.values() for p in pages]
    assert sorted(p.key for p in listed) == sorted(p.key for p in pages_for(role, admin))   # each page once
    for section, pages in grouped.items():
        assert pages and all(p.section == section for p in pages)
        keys = [p.key for p in pages_for(role, admin)]
        assert [p.key for p in pages] == [k for k in keys if PAGES[k].section == section]   # menu order kept
    rest = [s for s in grouped if s != PAGES[landing(role, admin)].section]
    assert list(grouped)[0] == PAGES[landing(role, admin)].section                        # the landing page's first
    assert rest == [s for s in SECTIONS if s in rest]                                     # then SECTIONS order


def test_the_community_menu_by_section():
    assert {s: [p.key for p in pages] for s, pages in sections_for("community").items()} == {
        "workbench": ["home", "notify_settings"],
        "grid": ["field_today"],
        "lists": ["demands", "resources", "projects", "matching", "secretary_projects"],
        "whistle": ["whistle", "events"],
        "dual": ["baolian", "volunteer_applications", "volunteer_roster", "volunteer_posts", "volunteer_hours",
                 "volunteer_assessment", "signup"],
        "residents": ["subject_requests", "suggestions", "box", "deliberation", "vote"],
        "emergency": ["emergency"],
        "data": ["dashboard", "map", "bulletin"],
        "account": ["second_factor", "account", "privacy"],
    }


def test_the_grid_workers_day_leads_the_grid_menu():
    assert list(sections_for("grid"))[:2] == ["grid", "workbench"]
    assert [p.key for p in sections_for("grid")["grid"]] == ["field_today"]


def test_an_account_that_must_change_its_password_sees_one_section():
    assert {s: [p.key for p in pages] for s, pages in sections_for("community", must_change=True).items()} == {
        "account": ["account"]}

"""ROLE_PAGES: which pages each role may open. Navigation registers exactly these, so a page a
role may not use does not exist for it; tests and docs read the same map."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("district", "street", "community", "grid", "department")
LANDING = "start"  # must differ from every file stem in pages/: AppTest resolves reruns by that hash


@dataclass(frozen=True)
class Page:
    key: str          # test handle, and the url path unless url_path says otherwise
    path: str         # file, relative to the repository root
    title_key: str    # i18n key of the title
    icon: str
    section: str      # the sidebar section it is listed under (SECTIONS)
    url_path: str = ""

    @property
    def url(self) -> str:
        return self.url_path or self.key


# The sidebar's sections, in menu order; each label is the i18n key nav.section.<key>. A role's
# pages are listed under the section their Page names, in the order of its ROLE_PAGES.
SECTIONS = ("workbench", "grid", "lists", "whistle", "dual", "residents", "emergency", "data", "admin", "account")

PAGES: dict[str, Page] = {p.key: p for p in [
    # The landing address is shared with the sign-in page, so signing in or out stays on one address.
    Page("home", "pages/home.py", "page.home", ":material/home:", "workbench", url_path=LANDING),
    Page("demands", "pages/demands.py", "page.demands", ":material/volunteer_activism:", "lists"),
    Page("resources", "pages/resources.py", "page.resources", ":material/inventory_2:", "lists"),
    Page("projects", "pages/projects.py", "page.projects", ":material/assignment:", "lists"),
    Page("org", "pages/org.py", "page.org", ":material/account_tree:", "admin"),
    Page("dashboard", "pages/dashboard.py", "page.dashboard", ":material/monitoring:", "data"),
    Page("map", "pages/map.py", "page.map", ":material/map:", "data"),
    Page("bulletin", "pages/bulletin.py", "page.bulletin", ":material/summarize:", "data"),
    Page("matching", "pages/matching.py", "page.matching", ":material/handshake:", "lists"),
    Page("whistle", "pages/whistle.py", "page.whistle", ":material/campaign:", "whistle"),
    Page("events", "pages/events.py", "page.events", ":material/assignment_late:", "whistle"),
    Page("supervision", "pages/supervision.py", "page.supervision", ":material/traffic:", "whistle"),
    Page("whistle_settings", "pages/whistle_settings.py", "page.whistle_settings", ":material/tune:", "admin"),
    Page("volunteer_applications", "pages/volunteer_applications.py", "page.volunteer_applications", ":material/how_to_reg:", "dual"),
    Page("volunteer_roster", "pages/volunteer_roster.py", "page.volunteer_roster", ":material/groups:", "dual"),
    Page("volunteer_posts", "pages/volunteer_posts.py", "page.volunteer_posts", ":material/event_available:", "dual"),
    Page("volunteer_hours", "pages/volunteer_hours.py", "page.volunteer_hours", ":material/schedule:", "dual"),
    Page("volunteer_assessment", "pages/volunteer_assessment.py", "page.volunteer_assessment", ":material/military_tech:", "dual"),
    Page("volunteer_overview", "pages/volunteer_overview.py", "page.volunteer_overview", ":material/diversity_1:", "dual"),
    Page("secretary_projects", "pages/secretary_projects.py", "page.secretary_projects", ":material/flag:", "lists"),
    Page("baolian", "pages/baolian.py", "page.baolian", ":material/hub:", "dual"),
    Page("baolian_lists", "pages/baolian_lists.py", "page.baolian_lists", ":material/list_alt:", "dual"),
    Page("notify_settings", "pages/notify_settings.py", "page.notify_settings", ":material/notifications:", "workbench"),
    # The administrators' pages (三权分立): ADMIN_PAGES below.
    Page("security_log", "pages/security_log.py", "page.security_log", ":material/policy:", "account"),
    # Every signed-in user's own second factor; the system administrator also resets another account's.
    Page("second_factor", "pages/second_factor.py", "page.second_factor", ":material/phonelink_lock:", "account"),
    Page("dormant_accounts", "pages/dormant_accounts.py", "page.dormant_accounts", ":material/person_off:", "account"),
    Page("unmask_grants", "pages/unmask_grants.py", "page.unmask_grants", ":material/visibility:", "account"),
    # Every account: its own password and sessions. The only page while the password must be changed.
    Page("account", "pages/account.py", "page.account", ":material/key:", "account"),
    # The district's password and session policy: the security administrator's (`security.settings`).
    Page("security_settings", "pages/security_settings.py", "page.security_settings", ":material/shield_lock:", "account"),
    # The public sign-up page: open while signed out (PUBLIC_PAGES); community staff use it at the counter.
    Page("signup", "pages/signup.py", "page.signup", ":material/person_add:", "dual", url_path="join"),
    # 民情意见箱: the public suggestion box (PUBLIC_PAGES), and its triage by the community.
    Page("box", "pages/box.py", "page.box", ":material/markunread_mailbox:", "residents"),
    Page("suggestions", "pages/suggestions.py", "page.suggestions", ":material/inbox:", "residents"),
    # 个人信息清单: what personal data is held and why; public, the notices point to it.
    Page("privacy", "pages/privacy.py", "page.privacy", ":material/shield_person:", "account"),
    # Residents' requests about their data: community staff of the territory and district staff.
    Page("subject_requests", "pages/subject_requests.py", "page.subject_requests", ":material/folder_shared:", "residents"),
    # 五议: community staff move items through the five stages; street, district and grid staff read.
    Page("deliberation", "pages/deliberation.py", "page.deliberation", ":material/how_to_vote:", "residents"),
    # The residents' 公议 vote with a vote code: open while signed out; community staff use it at the counter.
    Page("vote", "pages/vote.py", "page.vote", ":material/ballot:", "residents", url_path="vote"),
    # 今日走访: the grid worker's day (people to look after, rounds, findings), phone first.
    Page("field_today", "pages/field_today.py", "page.field_today", ":material/directions_walk:", "grid"),
    Page("field_campaigns", "pages/field_campaigns.py", "page.field_campaigns", ":material/checklist:", "grid"),
    # 平战结合: emergencies, shifts, the call-up and a street's live board.
    Page("emergency", "pages/emergency.py", "page.emergency", ":material/emergency:", "emergency"),
]}

# Pages anyone may open without signing in (anon): they only insert through row-level security.
PUBLIC_PAGES: list[str] = ["signup", "box", "privacy", "vote"]

# The only page of an account that must change its password first (first sign-in, a reset, expiry,
# demo mode off); the database serves such an account nothing meanwhile.
MUST_CHANGE_PAGES: list[str] = ["account"]

ROLE_PAGES: dict[str, list[str]] = {
    "district": ["home", "field_today", "field_campaigns", "demands", "resources", "projects", "matching", "dashboard", "map", "bulletin", "supervision",
                "secretary_projects", "baolian", "baolian_lists",
                "volunteer_overview", "volunteer_roster", "volunteer_assessment", "notify_settings", "second_factor", "account", "subject_requests",
                "suggestions", "privacy", "deliberation", "emergency"],
    "street": ["home", "field_today", "field_campaigns", "demands", "resources", "projects", "matching", "dashboard", "map", "bulletin", "whistle", "events", "supervision",
              "secretary_projects", "baolian",
              "volunteer_overview", "volunteer_roster", "volunteer_assessment", "notify_settings", "second_factor", "account", "suggestions", "privacy",
              "deliberation", "emergency"],
    "community": ["home", "field_today", "demands", "resources", "projects", "matching", "dashboard", "map", "bulletin", "whistle", "events",
                 "secretary_projects", "baolian",
                 "volunteer_applications", "volunteer_roster", "volunteer_posts", "volunteer_hours", "volunteer_assessment", "signup", "notify_settings", "second_factor", "account",
                 "subject_requests", "suggestions", "box", "privacy", "deliberation", "vote", "emergency"],
    "grid": ["field_today", "home", "demands", "resources", "projects", "matching", "dashboard", "map", "bulletin", "whistle", "events",
            "volunteer_posts", "second_factor", "account", "privacy", "deliberation", "emergency"],
    "department": ["home", "events", "notify_settings", "second_factor", "account", "privacy"],
}


# The pages of an administrator (public.admin_grant), instead of their role's: an administrator
# administers and reads none of the district's data. The database refuses the same to everyone else.
ADMIN_PAGES: dict[str, list[str]] = {
    "system": ["home", "org", "dormant_accounts", "whistle_settings", "second_factor", "account", "privacy"],
    "security": ["home", "security_settings", "unmask_grants", "second_factor", "account", "privacy"],
    "audit": ["home", "security_log", "second_factor", "account", "privacy"],
}


# The page a role lands on after signing in where it is not the home page (the grid worker's day):
# it takes the landing address, and the home page its own.
LANDING_PAGES: dict[str, str] = {"grid": "field_today"}


def landing(role: str, admin: str | None = None) -> str:
    """The key of the page `role` (an administrator: always home) lands on after signing in."""
    return "home" if admin is not None else LANDING_PAGES.get(role, "home")


def address(page: Page, role: str, admin: str | None = None) -> str:
    """The url path of `page` in the navigation of `role`: the landing page's is LANDING."""
    if page.key == landing(role, admin):
        return LANDING
    return page.key if page.url == LANDING else page.url


def sections_for(role: str, admin: str | None = None, must_change: bool = False) -> dict[str, list[Page]]:
    """The pages of `pages_for(role, admin, must_change)` grouped by section, each section's pages in
    menu order; the sections in SECTIONS order, except that the landing page's leads (the grid
    worker's day is at the top of the menu), and empty ones left out."""
    pages = pages_for(role, admin, must_change)
    first = PAGES[landing(role, admin)].section
    order = sorted(SECTIONS, key=lambda s: s != first)
    grouped = {s: [p for p in pages if p.section == s] for s in order}
    return {s: found for s, found in grouped.items() if found}


def public_pages() -> list[Page]:
    """The pages of the signed-out navigation besides the sign-in page."""
    return [PAGES[k] for k in PUBLIC_PAGES]


def pages_for(role: str, admin: str | None = None, must_change: bool = False) -> list[Page]:
    """The pages `role` may open (an administrator: those of the capability `admin`), in menu order;
    none for an unknown role; only the password page while the account must change its password."""
    if must_change:
        return [PAGES[k] for k in MUST_CHANGE_PAGES] if (admin in ADMIN_PAGES or role in ROLE_PAGES) else []
    keys = ADMIN_PAGES.get(admin, []) if admin is not None else ROLE_PAGES.get(role, [])
    return [PAGES[k] for k in keys]

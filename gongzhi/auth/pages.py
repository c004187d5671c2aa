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
    url_path: str = ""

    @property
    def url(self) -> str:
        return self.url_path or self.key


PAGES: dict[str, Page] = {p.key: p for p in [
    # The landing address is shared with the sign-in page, so signing in or out stays on one address.
    Page("home", "pages/home.py", "page.home", ":material/home:", url_path=LANDING),
    Page("demands", "pages/demands.py", "page.demands", ":material/volunteer_activism:"),
    Page("resources", "pages/resources.py", "page.resources", ":material/inventory_2:"),
    Page("projects", "pages/projects.py", "page.projects", ":material/assignment:"),
    Page("org", "pages/org.py", "page.org", ":material/account_tree:"),
    Page("dashboard", "pages/dashboard.py", "page.dashboard", ":material/monitoring:"),
    Page("bulletin", "pages/bulletin.py", "page.bulletin", ":material/summarize:"),
    Page("matching", "pages/matching.py", "page.matching", ":material/handshake:"),
    Page("whistle", "pages/whistle.py", "page.whistle", ":material/campaign:"),
    Page("events", "pages/events.py", "page.events", ":material/assignment_late:"),
    Page("supervision", "pages/supervision.py", "page.supervision", ":material/traffic:"),
    Page("whistle_settings", "pages/whistle_settings.py", "page.whistle_settings", ":material/tune:"),
    Page("volunteer_applications", "pages/volunteer_applications.py", "page.volunteer_applications", ":material/how_to_reg:"),
    Page("volunteer_roster", "pages/volunteer_roster.py", "page.volunteer_roster", ":material/groups:"),
    Page("volunteer_posts", "pages/volunteer_posts.py", "page.volunteer_posts", ":material/event_available:"),
    Page("volunteer_hours", "pages/volunteer_hours.py", "page.volunteer_hours", ":material/schedule:"),
    Page("volunteer_assessment", "pages/volunteer_assessment.py", "page.volunteer_assessment", ":material/military_tech:"),
    Page("volunteer_overview", "pages/volunteer_overview.py", "page.volunteer_overview", ":material/diversity_1:"),
    # District staff only for now; the audit administrator's duty (三权分立) is later work.
    Page("security_log", "pages/security_log.py", "page.security_log", ":material/policy:"),
    # Every signed-in user's own second factor; administrators also reset another account's.
    Page("second_factor", "pages/second_factor.py", "page.second_factor", ":material/phonelink_lock:"),
    # Every account: its own password and sessions. The only page while the password must be changed.
    Page("account", "pages/account.py", "page.account", ":material/key:"),
    # The district's password and session policy (capability `security.settings`).
    Page("security_settings", "pages/security_settings.py", "page.security_settings", ":material/shield_lock:"),
    # The public sign-up page: open while signed out (PUBLIC_PAGES); community staff use it at the counter.
    Page("signup", "pages/signup.py", "page.signup", ":material/person_add:", url_path="join"),
]}

# Pages anyone may open without signing in (anon): they only insert through row-level security.
PUBLIC_PAGES: list[str] = ["signup"]

# The only page of an account that must change its password first (first sign-in, a reset, expiry,
# demo mode off); the database serves such an account nothing meanwhile.
MUST_CHANGE_PAGES: list[str] = ["account"]

ROLE_PAGES: dict[str, list[str]] = {
    "district": ["home", "demands", "resources", "projects", "org", "matching", "dashboard", "bulletin", "supervision",
                "whistle_settings", "volunteer_overview", "volunteer_roster", "volunteer_assessment", "security_log",
                "second_factor", "security_settings", "account"],
    "street": ["home", "demands", "resources", "projects", "matching", "dashboard", "bulletin", "whistle", "events", "supervision",
              "volunteer_overview", "volunteer_roster", "volunteer_assessment", "second_factor", "account"],
    "community": ["home", "demands", "resources", "projects", "matching", "dashboard", "bulletin", "whistle", "events",
                 "volunteer_applications", "volunteer_roster", "volunteer_posts", "volunteer_hours", "volunteer_assessment", "signup",
                 "second_factor", "account"],
    "grid": ["home", "demands", "resources", "projects", "matching", "dashboard", "bulletin", "whistle", "events",
            "volunteer_posts", "second_factor", "account"],
    "department": ["home", "events", "second_factor", "account"],
}


def public_pages() -> list[Page]:
    """The pages of the signed-out navigation besides the sign-in page."""
    return [PAGES[k] for k in PUBLIC_PAGES]


def pages_for(role: str, must_change: bool = False) -> list[Page]:
    """The pages `role` may open, in menu order; none for an unknown role; only the password page
    while the account must change its password."""
    if role not in ROLE_PAGES:
        return []
    return [PAGES[k] for k in (MUST_CHANGE_PAGES if must_change else ROLE_PAGES[role])]

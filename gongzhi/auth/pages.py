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
]}

ROLE_PAGES: dict[str, list[str]] = {
    "district": ["home", "demands", "resources", "projects", "org", "matching", "dashboard", "bulletin"],
    "street": ["home", "demands", "resources", "projects", "matching", "dashboard", "bulletin"],
    "community": ["home", "demands", "resources", "projects", "matching", "dashboard", "bulletin"],
    "grid": ["home", "demands", "resources", "projects", "matching", "dashboard", "bulletin"],
    "department": ["home"],
}


def pages_for(role: str) -> list[Page]:
    """The pages `role` may open, in menu order; none for an unknown role."""
    return [PAGES[k] for k in ROLE_PAGES.get(role, [])]

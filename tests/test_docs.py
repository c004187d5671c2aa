"""Docs and code agree: roles, pages, demo accounts and commands."""
import re

import pytest

from gongzhi.auth.pages import ADMIN_PAGES, PAGES, ROLE_PAGES, ROLES
from gongzhi.config import ROOT
from gongzhi.demo_data import DEMO_ACCOUNTS, DEMO_ADMINS, DEMO_PASSWORD

README = (ROOT / "README.md").read_text(encoding="utf-8")
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def test_design_roles_match_the_staff_roles(conn):
    check = conn.execute("select pg_get_constraintdef(oid) as def from pg_constraint"
                         " where conrelid = 'public.staff'::regclass and conname like '%role%check%'").fetchone()["def"]
    assert set(re.findall(r"'(\w+)'", check)) == set(ROLES)
    if not DESIGN.exists():
        pytest.skip("shared/DESIGN.md is not beside this checkout")
    design_roles = set(re.findall(r"^\| `(\w+)`", DESIGN.read_text(encoding="utf-8"), re.M))
    assert design_roles - {"anon"} == set(ROLES)


def test_every_page_file_is_registered_for_some_role():
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")} - {"pages/login.py"}
    assert files == {p.path for p in PAGES.values()}
    used = {key for keys in [*ROLE_PAGES.values(), *ADMIN_PAGES.values()] for key in keys}
    assert used == set(PAGES)


def test_readme_lists_every_demo_account_and_the_password():
    for email, role, _unit, _name in DEMO_ACCOUNTS:
        assert email in README, email
    for email, _capability, _name in DEMO_ADMINS:
        assert email in README, email
    assert DEMO_PASSWORD in README


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_benchmark_is_documented():
    from gongzhi.bench import REGISTRY
    perf = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert [name for name in REGISTRY if f"bench {name}" not in perf] == []


def test_every_security_setting_and_log_kind_is_documented():
    from gongzhi import security_log, security_settings
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert [k for k in security_settings.DEFAULTS if f"`{k}`" not in text] == []
    assert [k for k in security_log.KINDS if f"`{k}`" not in text] == []

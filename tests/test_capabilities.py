"""Capabilities, not role literals: pages and ui/ ask gongzhi.auth.capabilities, which says what the
database's event_transition says; no page compares a role with a string."""
import re
from pathlib import Path

from gongzhi.auth import capabilities
from gongzhi.auth.capabilities import may
from gongzhi.config import ROOT

ROLE_LITERAL = re.compile("|".join([
    r"""\brole\s*(==|!=|is\s+(not\s+)?)\s*["']""",           # role == "grid", role is not "grid"
    r"""["']\s*(==|!=)\s*[\w.]*\brole\b""",                 # "grid" == user.role
    r"""\brole\s+(not\s+)?in\s*[(\[{]\s*["']""",             # role in ("street", "grid")
    r"""["']\s+(not\s+)?in\s+[\w.]*\brole\b""",             # "dist" in user.role
    r"""\brole\s*\.\s*(startswith|endswith)\s*\(""",          # role.startswith("d")
    r"""^\s*match\s+[\w.]*\brole\b""",                     # match user.role: case "grid": …
    r"""\}\s*(\[\s*|\.get\(\s*)[\w.]*\brole\b""",              # {"grid": …}[user.role]
]))


def test_no_page_or_widget_compares_a_role_with_a_literal():
    files = sorted((ROOT / "pages").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py")) + [ROOT / "app.py"]
    assert len(files) > 20
    found = [f"{f.relative_to(ROOT)}:{n}" for f in files
             for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if ROLE_LITERAL.search(line)]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    assert ROLE_LITERAL.search('if user.role == "department":')
    assert ROLE_LITERAL.search("if user.role in ('community', 'grid'):")
    assert ROLE_LITERAL.search('if "district" != user.role:')
    assert ROLE_LITERAL.search('if user.role is not "grid":')
    assert ROLE_LITERAL.search('if "dist" in user.role:')
    assert ROLE_LITERAL.search('if user.role.startswith("dist"):')
    assert ROLE_LITERAL.search("    match user.role:")
    assert ROLE_LITERAL.search('limit = {"district": 10, "grid": 1}[user.role]')
    assert ROLE_LITERAL.search('limit = {"district": 10}.get(user.role, 1)')
    assert not ROLE_LITERAL.search('t("role." + user.role)')
    assert not ROLE_LITERAL.search("pages_for(user.role)")
    assert not ROLE_LITERAL.search('st.write(t("home.intro", role=t("role." + user.role)))')


def test_the_event_moves_are_the_database_transition_table(conn):
    rows = conn.execute("select from_step, to_step, actor from public.event_transition").fetchall()
    assert {(r["from_step"], r["to_step"]): r["actor"] for r in rows} == capabilities.EVENT_MOVES


class _User:
    def __init__(self, role):
        self.role = role


def test_each_event_action_is_offered_to_exactly_the_actor_the_table_names(conn):
    actors = {(r["from_step"], r["to_step"]): r["actor"]
              for r in conn.execute("select from_step, to_step, actor from public.event_transition")}
    summons = [{"department_id": 1, "reported_at": None}, {"department_id": 2, "reported_at": None}]
    people = {"territory": (_User("grid"), None), "department": (_User("department"), 2),
              "lead": (_User("department"), 1), "stranger": (_User("department"), 9)}
    for action, (before, after) in capabilities.EVENT_ACTIONS.items():
        event = {"step": before, "lead_department_id": 1, "summons": summons}
        actor = actors[(before, after)]
        allowed = {"territory": {"territory"}, "department": {"department", "lead"}, "lead": {"lead"}}[actor]
        for who, (user, department) in people.items():
            assert may(user, action, event, department) == (who in allowed), (action, who)
        if action != "whistle.report":
            other_step = {**event, "step": "evaluate"}
            assert not any(may(u, action, other_step, d) for u, d in people.values()), action

"""What a signed-in user may do, asked by name: `may(user, "whistle.report", event=…)`.

Pages and ui/ ask here and never compare a role themselves, so that the portal shows exactly the
actions the database will accept. Who may move an event from step to step is
`public.event_transition` in the database; `EVENT_MOVES` below says the same (the test
tests/test_capabilities.py compares the two), and the database still decides every write.
"""
from __future__ import annotations

from gongzhi.auth.identity import Identity

# Staff whose rows and places come from a territory (department staff have none).
TERRITORY_ROLES = ("district", "street", "community", "grid")

# public.event_transition: (from step, to step) → who may make the move. `territory`: staff whose
# territory holds the event; `department`: a summoned department; `lead`: the leading department.
EVENT_MOVES = {
    (None, "whistle"): "territory",
    ("whistle", "report"): "department",
    ("report", "consult"): "department",
    ("consult", "implement"): "lead",
    ("implement", "feedback"): "lead",
    ("feedback", "evaluate"): "territory",
    ("feedback", "consult"): "territory",
}
# The event actions of the 事件办理 page, as the move each one makes (`report` is a summoned
# department's own report; the event reaches 报到 when every one has reported).
EVENT_ACTIONS = {
    "whistle.report": ("whistle", "report"),
    "whistle.implement": ("consult", "implement"),
    "whistle.feedback": ("implement", "feedback"),
    "whistle.evaluate": ("feedback", "evaluate"),
    "whistle.not_fixed": ("feedback", "consult"),
}

# Other capabilities: the roles that hold them, as the row-level security of their tables allows.
ROLES = {
    "territory": TERRITORY_ROLES,                        # sees a territory: lists, drafts, whistles
    "lists.project_draft": TERRITORY_ROLES,              # puts demands and resources in a project draft
    "whistle.spawn_demand": TERRITORY_ROLES,             # makes a demand of an event
    "whistle.hand_on": ("department",),                  # the lead hands on (checked against the event)
    "volunteers.reset_code": ("district", "community", "grid"),
    "volunteers.set_weight": ("district",),              # assessment_weight: district staff change it
    "notify.any_owner": ("district",),                   # keeps the robot of any unit or department
    "subject_requests.handle": ("district", "community"),  # subject_request: community staff of the territory, the district
    "deliberation.move": ("community",),                # 五议: public.deliberation, community staff of the territory move items
    "fieldwork.rounds": TERRITORY_ROLES,                 # people to look after, rounds, findings of the territory
    "fieldwork.campaigns": ("district", "street"),       # campaign: street staff of their street and the district set and close
    "secretary.claim": ("district", "street", "community"),   # 书记项目: secretaries claim at their own unit
    "secretary.review": ("district", "street"),          # 审 and 督's notes: the level above (the row decides which)
    "baolian.plan": ("district",),                       # 包联: propose, adjust and confirm pairs
    "suggestions.triage": ("district", "street", "community"),   # suggestion: staff of the territory (grids see none)
    "bulletin.issue": ("district",),                     # bulletin_issue: the district issues (签发) every bulletin
    "bulletin.read_issue": ("district", "street", "community"),   # bulletin_issue: the bulletins that cover them
    "emergency.declare": ("district", "street"),         # emergency: declared and ended at the district or a street
    "photos.publish": ("district", "street"),            # photo.public_as: street staff (their street) and the district mark 可公开
    "home.figures": ("district", "street", "community", "grid", "department"),   # the data a role sees
}

# The administrator capabilities (三权分立): public.admin_grant gives an account at most one of
# system / security / audit, and its requests then run as `gongzhi_admin`, which reads only the
# administration tables. Each action below is held by exactly one capability; an administrator holds
# none of the staff actions above (no data), and staff hold none of these.
ADMIN_CAPABILITIES = ("system", "security", "audit")
ADMIN_ACTIONS = {
    "admin.system": "system",        # 系统管理员: accounts, org tree, departments, whistle settings, dormant accounts
    "admin.security": "security",    # 安全管理员: who may unmask personal data
    "security.settings": "security", # the security settings (password, session, second factor)
    "ops.drill_status": "system",    # the last restore drill's outcome (private.last_drill)
    "ops.backup_status": "system",   # the backup job's last outcome (private.last_backup)
    "mfa.reset": "system",           # private.mfa_reset: removes another account's second factor
    "accounts.sign_out_everywhere": "system",   # ends another account's sessions (退出所有设备)
    "admin.audit": "audit",          # 审计管理员: the security log and the row audit, read and exported
}


def event_role(user: Identity, event: dict | None, department_id: int | None) -> set[str]:
    """What `user` is to `event`: territory staff, a summoned department, its lead."""
    if user.role in TERRITORY_ROLES:
        return {"territory"}
    found = set()
    if event is not None and department_id is not None:
        if any(s["department_id"] == department_id for s in event.get("summons", ())):
            found.add("department")
        if event.get("lead_department_id") == department_id:
            found |= {"department", "lead"}
    return found


def may(user: Identity, action: str, event: dict | None = None, department_id: int | None = None) -> bool:
    """Whether `user` may take `action` (on `event`, as a member of `department_id` where it matters)."""
    admin = getattr(user, "admin", None)
    if action in ADMIN_ACTIONS:
        return admin is not None and ADMIN_ACTIONS[action] == admin
    if admin is not None:   # an administrator's requests reach no data (gongzhi_admin)
        return False
    if action in EVENT_ACTIONS:
        move = EVENT_ACTIONS[action]
        if event is None:
            return False
        fits = EVENT_MOVES[move] in event_role(user, event, department_id)
        if action == "whistle.report":
            summon = next((s for s in event.get("summons", ()) if s["department_id"] == department_id), None)
            return fits and summon is not None and summon.get("reported_at") is None
        return fits and event.get("step") == move[0]
    if action == "whistle.hand_on":
        return (event is not None and "lead" in event_role(user, event, department_id)
                and event.get("step") != "evaluate")
    if action == "whistle.spawn_demand":
        return user.role in ROLES[action] and (event is None or event.get("step") != "evaluate")
    return user.role in ROLES[action]

"""The statuses of the lists and matches: the one Python statement of them.

The database decides which moves are allowed (`public.status_transition`, enforced by
`private.check_status`) and which statuses a demand may store (the check constraint
`demand_status_stored`); tests/db/test_statuses.py checks that this module says the same.
A demand's "matched" is derived, never stored: a new demand with a live proposal reads as matched
(`private.demand_status`).
"""
from __future__ import annotations

# Every status as staff read it, in the order lists and filters show them.
SHOWN = {
    "demand": ("new", "matched", "in_progress", "done", "cancelled"),
    "resource": ("available", "paused", "retired"),
    "project": ("planning", "in_progress", "done", "cancelled"),
    "match": ("proposed", "accepted", "done", "rejected", "cancelled", "lapsed"),
    # 五议: 提议 proposed → 动议 accepted / declined → 商议 consulted → 公议 voting → approved / rejected → 评议 evaluated
    "deliberation": ("proposed", "accepted", "declined", "consulted", "voting", "approved", "rejected", "evaluated"),
    "secretary_project": ("claimed", "submitted", "returned", "approved", "published"),
    "suggestion": ("received", "accepted", "demand", "event", "merged", "deliberation", "closed"),
}
# Statuses read but never stored, each with the stored status it is a case of.
DERIVED = {"demand": {"matched": "new"}}
# What may be stored: the shown statuses less the derived ones.
STORED = {entity: tuple(s for s in shown if s not in DERIVED.get(entity, {})) for entity, shown in SHOWN.items()}
# Where a new row may start (from_status null in public.status_transition); the first is the default.
INITIAL = {"demand": ("new",), "resource": ("available", "paused"), "project": ("planning",),
           "match": ("proposed", "accepted"), "deliberation": ("proposed",),
           "secretary_project": ("claimed",), "suggestion": ("received",)}
# A demand still waiting for its need to be met (待办), and a project still under way.
OPEN_DEMAND = ("new", "matched", "in_progress")
OPEN_PROJECT = ("planning", "in_progress")
# A message of the suggestion box still waiting for the community to move it on.
OPEN_SUGGESTION = ("received", "accepted")
# Matches that count against a demand's quantity, and those that hold a resource's capacity.
LIVE_MATCH = ("proposed", "accepted", "done")
HOLDING_MATCH = ("proposed", "accepted")


def sql_list(statuses: tuple[str, ...]) -> str:
    """SQL: `statuses` as a parenthesised list of literals, for `status in …`."""
    return "(" + ", ".join(f"'{s}'" for s in statuses) + ")"

"""The grid worker's writes, each one transaction as the signed-in user (row-level security
decides where): enter a person to look after, log a round with its findings, report a finding up
as a demand or a whistle event (pre-filled from the round and linked), set a campaign."""
from __future__ import annotations

import datetime as dt


from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.fieldwork.forms import FindingForm, PersonForm, RoundForm
from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError
from gongzhi.personal import sealed_columns


def add_person(user: Identity, form: PersonForm) -> int:
    """A new person to look after; the phone and ID number are sealed before they leave Python."""
    row = sealed_columns("care_person", form.clean())

    def work(conn):
        cols = list(row)
        return conn.execute(
            f"insert into public.care_person ({', '.join(cols)}) values ({', '.join('%(' + c + ')s' for c in cols)})"
            " returning id", row).fetchone()["id"]
    return user.write(work)


def set_active(user: Identity, person_id: int, active: bool) -> None:
    def work(conn):
        if conn.execute("update public.care_person set active = %s where id = %s", (active, person_id)).rowcount != 1:
            raise DomainError("fieldwork.not_found")
    user.write(work)


def _report(conn, visit: dict, finding: dict) -> dict:
    """The demand or event a finding becomes, pre-filled from its round; the link columns."""
    title = finding["what"][:200]
    description = f"{visit['place']}：{finding['what']}"
    if finding["outcome"] == "demand":
        demand_id = conn.execute(
            """insert into public.demand (org_unit_id, category_id, title, address, description)
               values (%s, %s, %s, %s, %s) returning id""",
            (visit["org_unit_id"], finding["category_id"], title, visit["place"], description)).fetchone()["id"]
        return {"demand_id": demand_id, "event_id": None}
    grid = conn.execute("select grid_id from public.org_unit where id = %s", (visit["org_unit_id"],)).fetchone()
    if grid is None or grid["grid_id"] is None:
        raise DomainError("whistle.form.demand_without_grid")
    departments = [r["department_id"] for r in conn.execute(
        "select department_id from public.event_routing where category_id = %s order by position",
        (finding["category_id"],))]
    if not departments:
        raise DomainError("whistle.form.no_department")
    event_id = conn.execute(
        """insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments)
           values (%s, %s, %s, %s, %s, 'normal', %s) returning id""",
        (grid["grid_id"], finding["category_id"], title, description, visit["place"], departments)).fetchone()["id"]
    return {"demand_id": None, "event_id": event_id}


def log_round(user: Identity, form: RoundForm) -> int:
    """A visit or round and its findings; each finding reported up becomes its demand or event in
    the same transaction. Returns the visit's id."""
    visit, findings = form.clean()

    def work(conn):
        if visit["care_person_id"] is not None:
            person = conn.execute("select org_unit_id from public.care_person where id = %s and active",
                                  (visit["care_person_id"],)).fetchone()
            if person is None:
                raise DomainError("fieldwork.not_found")
            visit["org_unit_id"] = person["org_unit_id"]
        visit_id = conn.execute(
            """insert into public.visit (kind, org_unit_id, care_person_id, campaign_id, visited_at, visited_on,
                                         place, people_met, note)
               values (%(kind)s, %(org_unit_id)s, %(care_person_id)s, %(campaign_id)s, %(visited_at)s,
                       %(visited_on)s, %(place)s, %(people_met)s, %(note)s) returning id""", visit).fetchone()["id"]
        for finding in findings:
            links = _report(conn, visit, finding) if finding["outcome"] != "on_spot" else {"demand_id": None,
                                                                                           "event_id": None}
            conn.execute(
                """insert into public.finding (visit_id, what, campaign_item, outcome, demand_id, event_id)
                   values (%s, %s, %s, %s, %s, %s)""",
                (visit_id, finding["what"], finding["campaign_item"], finding["outcome"],
                 links["demand_id"], links["event_id"]))
        return visit_id
    return user.write(work)


def report_up(user: Identity, finding_id: int, outcome: str, category_id: int | None) -> int:
    """One tap: a finding recorded as solved on the spot goes up as a demand or an event after
    all; returns the new demand's or event's id."""
    if outcome not in ("demand", "event") or not category_id:
        raise FormError([FieldError("findings", "fieldwork.error.category_for_report")])

    def work(conn):
        row = conn.execute(
            """select f.id, f.what, f.outcome, v.place, v.org_unit_id from public.finding f
               join public.visit v on v.id = f.visit_id where f.id = %s""", (finding_id,)).fetchone()
        if row is None:
            raise DomainError("fieldwork.not_found")
        if row["outcome"] != "on_spot":
            raise DomainError("fieldwork.already_reported")
        links = _report(conn, {"place": row["place"], "org_unit_id": row["org_unit_id"]},
                        {"what": row["what"], "outcome": outcome, "category_id": category_id})
        conn.execute("update public.finding set outcome = %s, demand_id = %s, event_id = %s where id = %s",
                     (outcome, links["demand_id"], links["event_id"], finding_id))
        return links["demand_id"] or links["event_id"]
    return user.write(work)


def set_campaign(user: Identity, org_unit_id: int, name: str, items: list[str], starts_on: dt.date,
                 ends_on: dt.date) -> int:
    """A 重点整治 campaign: a named checklist for a period, set by a street (or the district)."""
    errors: list[FieldError] = []
    name = (name or "").strip()
    items = [i.strip() for i in items if i and i.strip()]
    if not name or len(name) > 100:
        errors.append(FieldError("name", "field.error.required" if not name else "field.error.too_long"))
    if not items or len(items) > 20 or any(len(i) > 100 for i in items):
        errors.append(FieldError("items", "fieldwork.error.items"))
    if ends_on < starts_on or (ends_on - starts_on).days > 366:
        errors.append(FieldError("ends_on", "fieldwork.error.period"))
    if errors:
        raise FormError(errors)

    def work(conn):
        return conn.execute(
            """insert into public.campaign (org_unit_id, name, items, starts_on, ends_on)
               values (%s, %s, %s, %s, %s) returning id""",
            (org_unit_id, name, items, starts_on, ends_on)).fetchone()["id"]
    return user.write(work)


__all__ = ["FindingForm", "PersonForm", "RoundForm", "add_person", "log_round", "report_up", "set_active",
           "set_campaign"]

"""书记项目 报·审·督·晒: a secretary's claim of a project (认领), its submission to the level above
(报), the review (审), progress reports and supervision notes (督) and the published result (晒).

The database holds the state machine and who may move it (public.secretary_project and its
guard); this module validates input, makes one transaction per action as the signed-in user, and
reads the lists and the district-wide figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from gongzhi.auth import Identity
from gongzhi.errors import DomainError, translated
from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError

# What a list shows of a claim; the light compares the last report with the schedule.
_ROW = """
  select s.id, s.project_id, p.name, o.name as unit_name, o.kind as level, s.secretary, s.goal, s.targets,
         s.report_every_days, s.deadline, s.status, s.review_note, s.result, s.problems_solved,
         s.people_reached, s.published_on, p.budget, p.spent, p.progress,
         r.last_report, r.reports, n.notes, s.org_unit_id = %(me)s as mine,
         case o.kind when 'community' then s.street_id
              else (select d.id from public.org_unit d where d.kind = 'district') end = %(me)s as reviewing,
         case when s.status <> 'approved' then null
              when coalesce(r.last_report, s.reviewed_at::date) + s.report_every_days < current_date then 'red'
              when coalesce(r.last_report, s.reviewed_at::date) + s.report_every_days - 7 < current_date then 'yellow'
              else 'green' end as light
  from public.secretary_project s
  join public.project p on p.id = s.project_id
  join public.org_unit o on o.id = s.org_unit_id
  left join lateral (select max(u.created_at)::date as last_report, count(*) as reports
                     from public.secretary_update u where u.secretary_project_id = s.id and u.kind = 'report') r on true
  left join lateral (select count(*) as notes from public.secretary_update u
                     where u.secretary_project_id = s.id and u.kind = 'note') n on true
"""


_translated = translated


@dataclass(frozen=True)
class ClaimForm:
    """A secretary's claim (认领): the project's name and budget, the goal, measurable targets and deadline."""
    name: str
    secretary: str
    goal: str
    targets: str
    budget: str
    deadline: dt.date | None
    report_every_days: int = 30

    def validate(self, today: dt.date) -> dict:
        errors: list[FieldError] = []
        clean = {f: str(getattr(self, f) or "").strip() for f in ("name", "secretary", "goal", "targets")}
        limits = {"name": 200, "secretary": 50, "goal": 500, "targets": 2000}
        for f, most in limits.items():
            if not clean[f]:
                errors.append(FieldError(f, "field.error.required"))
            elif len(clean[f]) > most:
                errors.append(FieldError(f, "secretary.error.too_long", {"n": most}))
        try:
            budget = Decimal(str(self.budget or "0").replace(",", "").strip())
            if not budget.is_finite() or budget < 0 or budget > Decimal("9999999999.99"):
                raise InvalidOperation
            clean["budget"] = budget.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.append(FieldError("budget", "secretary.error.budget"))
        if self.deadline is None:
            errors.append(FieldError("deadline", "field.error.required"))
        elif not today <= self.deadline <= dt.date(2100, 12, 31):
            errors.append(FieldError("deadline", "secretary.error.deadline"))
        clean["deadline"] = self.deadline
        if not 7 <= int(self.report_every_days or 0) <= 92:
            errors.append(FieldError("report_every_days", "secretary.error.schedule"))
        clean["report_every_days"] = int(self.report_every_days or 0)
        if errors:
            raise FormError(errors)
        return clean


def claim(user: Identity, form: ClaimForm, today: dt.date | None = None) -> int:
    """认领: a project of kind secretary at the user's own unit and its claim, one transaction."""
    clean = form.validate(today or dt.date.today())
    if user.org_unit_id is None:
        raise DomainError("error.forbidden")
    with _translated(), user.session() as conn:
        project_id = conn.execute(
            """insert into public.project (org_unit_id, kind, name, description, budget, end_date)
               values (%s, 'secretary', %s, %s, %s, %s) returning id""",
            (user.org_unit_id, clean["name"], clean["goal"], clean["budget"], clean["deadline"])).fetchone()["id"]
        return conn.execute(
            """insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline,
                                                     report_every_days)
               values (%s, %s, %s, %s, %s, %s, %s) returning id""",
            (project_id, user.org_unit_id, clean["secretary"], clean["goal"], clean["targets"], clean["deadline"],
             clean["report_every_days"])).fetchone()["id"]


def _move(user: Identity, claim_id: int, sets: str, params: dict) -> None:
    with _translated(), user.session() as conn:
        if conn.execute(f"update public.secretary_project set {sets} where id = %(id)s",
                        {**params, "id": claim_id}).rowcount != 1:
            raise DomainError("error.forbidden")


def submit(user: Identity, claim_id: int) -> None:
    """报: the claim goes to the level above."""
    _move(user, claim_id, "status = 'submitted'", {})


def approve(user: Identity, claim_id: int, note: str = "") -> None:
    """审, approved (the level above only: the database refuses anyone else)."""
    _move(user, claim_id, "status = 'approved', review_note = %(note)s", {"note": (note or "").strip()[:1000]})


def return_claim(user: Identity, claim_id: int, reasons: str) -> None:
    """审, returned with reasons (required)."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise FormError([FieldError("reasons", "secretary.error.reasons")])
    _move(user, claim_id, "status = 'returned', review_note = %(note)s", {"note": reasons[:1000]})


def report(user: Identity, claim_id: int, body: str, progress: int) -> int:
    """督: a progress report of the owning level; the project's progress follows it."""
    body = (body or "").strip()
    if not body:
        raise FormError([FieldError("body", "field.error.required")])
    if not 0 <= int(progress) <= 100:
        raise FormError([FieldError("progress", "secretary.error.progress")])
    with _translated(), user.session() as conn:
        row = conn.execute("""insert into public.secretary_update (secretary_project_id, kind, body, progress)
                              values (%s, 'report', %s, %s) returning id""",
                           (claim_id, body[:2000], int(progress))).fetchone()
        conn.execute("""update public.project p set progress = %s from public.secretary_project s
                        where s.id = %s and p.id = s.project_id""", (int(progress), claim_id))
        return row["id"]


def note(user: Identity, claim_id: int, body: str) -> int:
    """督: a supervision note of the level above."""
    body = (body or "").strip()
    if not body:
        raise FormError([FieldError("body", "field.error.required")])
    with _translated(), user.session() as conn:
        return conn.execute("""insert into public.secretary_update (secretary_project_id, kind, body)
                               values (%s, 'note', %s) returning id""", (claim_id, body[:2000])).fetchone()["id"]


def publish(user: Identity, claim_id: int, result: str, problems_solved: int, people_reached: int,
            today: dt.date | None = None) -> None:
    """晒: the result, problems solved and people reached, published from today."""
    result = (result or "").strip()
    errors = []
    if not result:
        errors.append(FieldError("result", "field.error.required"))
    if not 0 <= int(problems_solved) <= 1_000_000:
        errors.append(FieldError("problems_solved", "secretary.error.count"))
    if not 0 <= int(people_reached) <= 10_000_000:
        errors.append(FieldError("people_reached", "secretary.error.count"))
    if errors:
        raise FormError(errors)
    _move(user, claim_id, """status = 'published', result = %(result)s, problems_solved = %(solved)s,
                             people_reached = %(reached)s, published_on = %(day)s""",
          {"result": result[:2000], "solved": int(problems_solved), "reached": int(people_reached),
           "day": today or dt.date.today()})


# ---------------------------------------------------------------- reads
def claims(user: Identity, *, status: str | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
    """Claims the user sees, newest first, one page."""
    with user.session() as conn:
        return conn.execute(_ROW + " where (%(status)s::text is null or s.status = %(status)s)"
                            " order by s.id desc limit %(limit)s offset %(offset)s",
                            {"status": status, "limit": limit, "offset": offset, "me": user.org_unit_id}).fetchall()


def count(user: Identity, *, status: str | None = None) -> int:
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.secretary_project s"
                            " where (%(status)s::text is null or s.status = %(status)s)",
                            {"status": status}).fetchone()["n"]


def one(user: Identity, claim_id: int) -> dict | None:
    """One claim the user sees, or None."""
    with user.session() as conn:
        return conn.execute(_ROW + " where s.id = %(id)s", {"id": claim_id, "me": user.org_unit_id}).fetchone()


def updates(user: Identity, claim_id: int) -> list[dict]:
    """The claim's reports and notes, oldest first."""
    with user.session() as conn:
        return conn.execute("select id, kind, body, progress, created_at from public.secretary_update"
                            " where secretary_project_id = %s order by created_at, id", (claim_id,)).fetchall()


def published(user: Identity, *, since: dt.date, until: dt.date, unit_id: int | None = None) -> list[dict]:
    """晒: results published in [since, until) within the unit `unit_id` (all the user sees when
    None), for the public board and the monthly bulletin."""
    with user.session() as conn:
        return conn.execute(_ROW + """ where s.status = 'published' and s.published_on >= %(since)s
                               and s.published_on < %(until)s
                               and (%(unit)s::bigint is null or exists (
                                    select from public.org_unit u where u.id = %(unit)s
                                    and s.terr between u.terr and u.terr_hi))
                            order by s.published_on, s.id""",
                            {"since": since, "until": until, "unit": unit_id, "me": user.org_unit_id}).fetchall()


def overview(user: Identity) -> dict:
    """The view Jilin reports, over the user's own unit and the units below it: claims per level,
    coverage of secretaries (every district, street and community unit with a claim), money in,
    problems solved, people reached."""
    with user.session() as conn:
        levels = conn.execute(
            """select o.kind as level, count(distinct o.id) as units,
                      count(distinct s.org_unit_id) as covered, count(s.id) as claimed,
                      count(s.id) filter (where s.status in ('approved', 'published')) as approved,
                      count(s.id) filter (where s.status = 'published') as published,
                      coalesce(sum(p.budget), 0) as budget, coalesce(sum(p.spent), 0) as spent,
                      coalesce(sum(s.problems_solved), 0) as problems_solved,
                      coalesce(sum(s.people_reached), 0) as people_reached
               from public.org_unit o
               left join public.secretary_project s on s.org_unit_id = o.id
               left join public.project p on p.id = s.project_id
               join public.org_unit me on me.id = %(me)s and o.terr between me.terr and me.terr_hi
               where o.kind in ('district', 'street', 'community')
               group by o.kind order by min(o.terr), o.kind""", {"me": user.org_unit_id}).fetchall()
        uncovered = conn.execute(
            """select o.name, o.kind as level from public.org_unit o
               join public.org_unit me on me.id = %(me)s and o.terr between me.terr and me.terr_hi
               where o.kind in ('district', 'street', 'community')
                 and not exists (select from public.secretary_project s where s.org_unit_id = o.id)
               order by o.terr limit 50""", {"me": user.org_unit_id}).fetchall()
    totals = {k: sum(r[k] for r in levels) for k in ("units", "covered", "claimed", "approved", "published",
                                                     "budget", "spent", "problems_solved", "people_reached")}
    return {"levels": levels, "totals": totals, "uncovered": uncovered}

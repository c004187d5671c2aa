"""The inputs of 包联 kept by the district: the list of units (functions, strength, capacity, where
each sits) and the communities' needs profiles (population, old estates, beside their open
demands). Checks of a unit or a profile (shared by the forms and the spreadsheet import), the
paginated lists, and the writes, one transaction each as the signed-in user (row-level security
lets only the district write)."""
from __future__ import annotations

import re
from typing import Any, Mapping

from gongzhi.auth import Identity
from gongzhi.errors import DomainError, translated
from gongzhi.lists.fields import FORMULA_START, FieldError
from gongzhi.lists.forms import FormError
from gongzhi.statuses import OPEN_DEMAND, sql_list

UNIT_FIELDS = ("name", "functions", "strength", "capacity", "located_at")
PROFILE_FIELDS = ("population", "old_estates")
LIMITS = {"strength": (1, 100_000), "capacity": (1, 20), "population": (0, 10_000_000), "old_estates": (0, 1000)}
MAX_FUNCTIONS = 10
SEPARATORS = re.compile(r"[、,，;；/\n]+")
_OPEN = sql_list(tuple(s for s in OPEN_DEMAND if s != "matched"))


def whole_number(value: Any, field: str) -> tuple[int | None, FieldError | None]:
    """A whole number within the field's limits, from a form's text, a number or a sheet's cell."""
    low, high = LIMITS[field]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    if not text:
        return None, FieldError(field, "field.error.required")
    if not re.fullmatch(r"[0-9]+", text):
        return None, FieldError(field, "field.error.number")
    number = int(text)
    if not low <= number <= high:
        return None, FieldError(field, "baolian.desk.out_of_range", {"min": low, "max": high})
    return number, None


def check_unit(raw: Mapping[str, Any], categories: Mapping[str, str], places: Mapping[str, int],
               taken: set[str]) -> tuple[dict, list[FieldError]]:
    """A unit's values and every problem: a name of 1–100 characters not used by another unit
    (`taken`), 1–10 functions among the categories (`categories`: code, Chinese or English name →
    code; a text is split at 、 , ; / or line breaks), strength and capacity in range, and where it sits
    (`places`: a street's or community's id, name or code → id)."""
    errors: list[FieldError] = []
    name = str(raw.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", "field.error.required"))
    elif len(name) > 100:
        errors.append(FieldError("name", "field.error.too_long"))
    elif name.startswith(FORMULA_START):
        errors.append(FieldError("name", "field.error.formula"))
    elif name in taken:
        errors.append(FieldError("name", "baolian.desk.name_taken"))
    given = raw.get("functions") or []
    if isinstance(given, str):
        given = [x for x in SEPARATORS.split(given) if x]
    functions = list(dict.fromkeys(categories.get(str(x).strip()) for x in given))
    if not given:
        errors.append(FieldError("functions", "field.error.required"))
    elif None in functions:
        errors.append(FieldError("functions", "baolian.desk.unknown_function"))
    elif len(functions) > MAX_FUNCTIONS:
        errors.append(FieldError("functions", "baolian.desk.too_many_functions", {"max": MAX_FUNCTIONS}))
    clean: dict[str, Any] = {"name": name, "functions": functions, "active": bool(raw.get("active", True))}
    for field in ("strength", "capacity"):
        clean[field], problem = whole_number(raw.get(field), field)
        errors += [problem] if problem else []
    located = raw.get("located_at")
    clean["located_at"] = places.get(str(located).strip()) if located not in (None, "") else None
    if located in (None, ""):
        errors.append(FieldError("located_at", "field.error.required"))
    elif clean["located_at"] is None:
        errors.append(FieldError("located_at", "baolian.desk.unknown_place"))
    return clean, errors


def check_profile(raw: Mapping[str, Any]) -> tuple[dict, list[FieldError]]:
    """A community's population and number of old estates (老旧小区), whole numbers in range."""
    clean, errors = {}, []
    for field in PROFILE_FIELDS:
        clean[field], problem = whole_number(raw.get(field), field)
        errors += [problem] if problem else []
    return clean, errors


# ---------------------------------------------------------------- lookups, in the caller's transaction
def categories(conn) -> dict[str, str]:
    """Category code, Chinese and English name → code."""
    out: dict[str, str] = {}
    for r in conn.execute("select code, name_zh, name_en from public.category"):
        out.update({r["code"]: r["code"], r["name_zh"]: r["code"], r["name_en"]: r["code"]})
    return out


def places(conn) -> dict[str, int]:
    """Streets and communities by id, name and code (a unit sits in one of them)."""
    out: dict[str, int] = {}
    for r in conn.execute("select id, name, code from public.org_unit where kind in ('street', 'community')"
                          " order by terr desc"):
        out.update({str(r["id"]): r["id"], r["name"]: r["id"], r["code"]: r["id"]})
    return out


def communities(conn) -> dict[str, int]:
    """Communities by id, name and code."""
    out: dict[str, int] = {}
    for r in conn.execute("select id, name, code from public.org_unit where kind = 'community' order by terr desc"):
        out.update({str(r["id"]): r["id"], r["name"]: r["id"], r["code"]: r["id"]})
    return out


def unit_names(conn, but: int | None = None) -> set[str]:
    return {r["name"] for r in conn.execute("select name from public.baolian_unit where id is distinct from %s", (but,))}


# ---------------------------------------------------------------- reads
def unit_total(user: Identity, search: str = "") -> int:
    """How many units have `search` in their name."""
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.baolian_unit where name like %s",
                            (f"%{search.strip()}%",)).fetchone()["n"]


def unit_page(user: Identity, *, limit: int = 30, offset: int = 0, search: str = "") -> list[dict]:
    """One page of the units with `search` in their name, by name, with where each sits and how many
    communities it holds."""
    with user.session() as conn:
        return conn.execute("""select b.id, b.name, b.functions, b.strength, b.capacity, b.located_at, b.active,
                                      o.name as located,
                                      (select count(*) from public.baolian_pair p where p.baolian_unit_id = b.id) as held
                               from public.baolian_unit b join public.org_unit o on o.id = b.located_at
                               where b.name like %s order by b.name, b.id limit %s offset %s""",
                            (f"%{search.strip()}%", limit, offset)).fetchall()


def profile_total(user: Identity) -> int:
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.org_unit where kind = 'community'").fetchone()["n"]


def profile_page(user: Identity, *, limit: int = 30, offset: int = 0) -> list[dict]:
    """One page of the communities, in the tree's order, with their profile (None where none is
    kept yet) and their open demands."""
    with user.session() as conn:
        return conn.execute(f"""select o.id, o.name, s.name as street, p.population, p.old_estates,
                                       (select count(*) from public.demand d
                                        where d.community_id = o.id and d.status in {_OPEN}) as open_demands
                                from public.org_unit o left join public.org_unit s on s.id = o.street_id
                                left join public.community_profile p on p.community_id = o.id
                                where o.kind = 'community' order by o.terr limit %s offset %s""",
                            (limit, offset)).fetchall()


def choices(user: Identity) -> dict[str, dict]:
    """What the forms offer: places (id → name), communities (id → name), categories (code → row)."""
    with user.session() as conn:
        return {
            "places": {r["id"]: r["name"] for r in conn.execute(
                "select id, name from public.org_unit where kind in ('street', 'community') order by terr")},
            "communities": {r["id"]: r["name"] for r in conn.execute(
                "select id, name from public.org_unit where kind = 'community' order by terr")},
            "categories": {r["code"]: r for r in conn.execute(
                "select code, name_zh, name_en from public.category order by id")},
        }


# ---------------------------------------------------------------- writes
# A unit's name is unique on the list: the database's refusal, in the user's words.
NAME_TAKEN = {"baolian_unit_name_key": "baolian.desk.name_taken"}


def add_unit(user: Identity, raw: Mapping[str, Any]) -> int:
    """A new unit on the 包联 list (it answers whistles as its own department); returns its id."""
    with translated(NAME_TAKEN), user.session() as conn:
        clean, errors = check_unit(raw, categories(conn), places(conn), unit_names(conn))
        if errors:
            raise FormError(errors)
        return conn.execute("""insert into public.baolian_unit (name, functions, strength, capacity, located_at, active)
                               values (%(name)s, %(functions)s, %(strength)s, %(capacity)s, %(located_at)s, %(active)s)
                               returning id""", clean).fetchone()["id"]


def change_unit(user: Identity, unit_id: int, raw: Mapping[str, Any]) -> None:
    """New values of a unit; a capacity below the communities it already holds is refused."""
    with translated(NAME_TAKEN), user.session() as conn:
        clean, errors = check_unit(raw, categories(conn), places(conn), unit_names(conn, unit_id))
        held = conn.execute("select count(*) as n from public.baolian_pair where baolian_unit_id = %s",
                            (unit_id,)).fetchone()["n"]
        if clean["capacity"] is not None and clean["capacity"] < held:
            errors.append(FieldError("capacity", "baolian.desk.below_held", {"held": held}))
        if errors:
            raise FormError(errors)
        if conn.execute("""update public.baolian_unit set name = %(name)s, functions = %(functions)s,
                             strength = %(strength)s, capacity = %(capacity)s, located_at = %(located_at)s,
                             active = %(active)s where id = %(id)s""", {**clean, "id": unit_id}).rowcount != 1:
            raise DomainError("error.forbidden")


def set_profile(user: Identity, community_id: int, raw: Mapping[str, Any]) -> None:
    """A community's needs profile, kept or replaced."""
    clean, errors = check_profile(raw)
    if errors:
        raise FormError(errors)
    with translated(), user.session() as conn:
        if conn.execute("select 1 from public.org_unit where id = %s and kind = 'community'",
                        (community_id,)).fetchone() is None:
            raise DomainError("baolian.desk.not_a_community")
        if conn.execute("""insert into public.community_profile (community_id, population, old_estates)
                           values (%s, %s, %s) on conflict (community_id) do update
                           set population = excluded.population, old_estates = excluded.old_estates""",
                        (community_id, clean["population"], clean["old_estates"])).rowcount != 1:
            raise DomainError("error.forbidden")

"""包联 in the database: the district's units and communities read into `pairing`, the proposal
written as pairs with their reasons, staff's adjustments (remove a proposed pair, add one) and the
confirmation that registers each unit at its community (单位报到, by the database's trigger)."""
from __future__ import annotations

import json

from gongzhi.auth import Identity
from gongzhi.errors import DomainError, translated
from gongzhi.levers.pairing import Community, Unit, assign, pair_points
from gongzhi.lists.fields import FieldError
from gongzhi.lists.forms import FormError
from gongzhi.personal import sealed_columns
from gongzhi.personal.crypto import BadValue
from gongzhi.statuses import OPEN_DEMAND, sql_list


_translated = translated


def load(conn) -> tuple[list[Unit], list[Community]]:
    """The active units and every community with its needs profile."""
    units = [Unit(r["id"], r["name"], tuple(r["functions"]), r["strength"], r["capacity"], r["street_id"],
                  r["community_id"])
             for r in conn.execute("""select b.id, b.name, b.functions, b.strength, b.capacity, o.street_id, o.community_id
                                      from public.baolian_unit b join public.org_unit o on o.id = b.located_at
                                      where b.active order by b.id""")]
    mix: dict[int, dict[str, int]] = {}
    for r in conn.execute(f"""select d.community_id, c.code, count(*) as n from public.demand d
                              join public.category c on c.id = d.category_id
                              where d.status in {sql_list(tuple(s for s in OPEN_DEMAND if s != 'matched'))}
                                and d.community_id is not null
                              group by 1, 2"""):
        mix.setdefault(r["community_id"], {})[r["code"]] = r["n"]
    communities = [Community(r["id"], r["name"], r["street_id"], mix.get(r["id"], {}), r["population"] or 0,
                             r["old_estates"] or 0)
                   for r in conn.execute("""select o.id, o.name, o.street_id, p.population, p.old_estates
                                            from public.org_unit o left join public.community_profile p on p.community_id = o.id
                                            where o.kind = 'community' order by o.terr""")]
    return units, communities


def propose(user: Identity) -> int:
    """A new proposal: the proposed pairs are replaced by an optimal assignment of the units'
    remaining capacity (confirmed pairs stay and count); returns how many pairs were proposed."""
    with _translated(), user.session() as conn:
        conn.execute("delete from public.baolian_pair where status = 'proposed'")
        units, communities = load(conn)
        held = {}
        for r in conn.execute("select baolian_unit_id as u, org_unit_id as c from public.baolian_pair"):
            held.setdefault(r["u"], set()).add(r["c"])
        free = [Unit(u.key, u.name, u.functions, u.strength, u.capacity - len(held.get(u.key, ())), u.street,
                     u.community) for u in units if u.capacity > len(held.get(u.key, ()))]
        pairs = [p for p in assign(free, communities) if p.community not in held.get(p.unit, set())]
        with conn.cursor() as cur:
            cur.executemany("""insert into public.baolian_pair (baolian_unit_id, org_unit_id, score, reasons)
                               values (%s, %s, %s, %s)""",
                            [(p.unit, p.community, p.score, json.dumps(p.reasons, ensure_ascii=False)) for p in pairs])
        return len(pairs)


def add_pair(user: Identity, unit_id: int, community_id: int) -> int:
    """Staff's adjustment: a pair of their choosing, scored and explained like the proposal's."""
    with _translated(), user.session() as conn:
        units, communities = load(conn)
        u = next((x for x in units if x.key == unit_id), None)
        c = next((x for x in communities if x.key == community_id), None)
        if u is None or c is None:
            raise DomainError("error.reference")
        score, reasons = pair_points(u, c)
        return conn.execute("""insert into public.baolian_pair (baolian_unit_id, org_unit_id, score, reasons)
                               values (%s, %s, %s, %s) returning id""",
                            (unit_id, community_id, round(score, 3),
                             json.dumps(reasons, ensure_ascii=False))).fetchone()["id"]


def remove_pair(user: Identity, pair_id: int) -> None:
    """Staff's adjustment: a proposed pair taken out (a confirmed one stays)."""
    with _translated(), user.session() as conn:
        if conn.execute("delete from public.baolian_pair where id = %s and status = 'proposed'",
                        (pair_id,)).rowcount != 1:
            raise DomainError("baolian.confirmed_is_final")


def registered(user: Identity, pair_id: int) -> bool:
    """Whether the pair's unit is already registered (单位报到) at the pair's community."""
    with user.session() as conn:
        return conn.execute("""select exists (select from public.baolian_pair p
                                 join public.baolian_unit b on b.id = p.baolian_unit_id
                                 join public.unit u on u.name = b.name and u.org_unit_id = p.org_unit_id and u.active
                                 where p.id = %s) as found""", (pair_id,)).fetchone()["found"]


def confirm(user: Identity, pair_id: int, contact_name: str = "", phone: str = "") -> int:
    """确认 one pair: the unit is registered at the community (单位报到) with its contact unless it
    already is there, and the pair names that registration; one transaction. Returns the
    registration's id."""
    contact_name, phone = (contact_name or "").strip(), (phone or "").strip()
    with _translated(), user.session() as conn:
        pair = conn.execute("""select p.org_unit_id, b.name from public.baolian_pair p
                               join public.baolian_unit b on b.id = p.baolian_unit_id
                               where p.id = %s and p.status = 'proposed'""", (pair_id,)).fetchone()
        if pair is None:
            raise DomainError("baolian.confirmed_is_final")
        unit = conn.execute("select id from public.unit where name = %s and org_unit_id = %s and active"
                            " order by id limit 1", (pair["name"], pair["org_unit_id"])).fetchone()
        if unit is None:
            errors = []
            if not contact_name or len(contact_name) > 50:
                errors.append(FieldError("contact_name", "field.error.required"))
            try:
                sealed = sealed_columns("unit", {"phone": phone})
                if sealed["phone_enc"] is None:
                    errors.append(FieldError("phone", "field.error.required"))
            except BadValue:
                errors.append(FieldError("phone", "baolian.bad_phone"))
            if errors:
                raise FormError(errors)
            unit = conn.execute("""insert into public.unit (org_unit_id, name, unit_type, contact_name,
                                                          phone_enc, phone_bidx, phone_masked)
                                   values (%s, %s, 'organ', %s, %s, %s, %s) returning id""",
                                (pair["org_unit_id"], pair["name"], contact_name, sealed["phone_enc"],
                                 sealed["phone_bidx"], sealed["phone_masked"])).fetchone()
        conn.execute("update public.baolian_pair set status = 'confirmed', unit_id = %s where id = %s",
                     (unit["id"], pair_id))
        return unit["id"]


def pairs(user: Identity, *, limit: int = 50, offset: int = 0) -> list[dict]:
    """Pairs the user sees, community by community, with their reasons."""
    with user.session() as conn:
        return conn.execute("""select p.id, p.baolian_unit_id, b.name as unit_name, b.functions, b.strength,
                                      p.org_unit_id as community_id, o.name as community_name, p.score, p.reasons,
                                      p.status, p.unit_id
                               from public.baolian_pair p join public.baolian_unit b on b.id = p.baolian_unit_id
                               join public.org_unit o on o.id = p.org_unit_id
                               order by o.terr, p.score desc, p.id limit %s offset %s""", (limit, offset)).fetchall()


def pair_count(user: Identity) -> int:
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.baolian_pair").fetchone()["n"]


def units(user: Identity) -> list[dict]:
    """The district's list of units with what each holds."""
    with user.session() as conn:
        return conn.execute("""select b.id, b.name, b.functions, b.strength, b.capacity, o.name as located,
                                      (select count(*) from public.baolian_pair p where p.baolian_unit_id = b.id) as held
                               from public.baolian_unit b join public.org_unit o on o.id = b.located_at
                               where b.active order by b.id""").fetchall()


def category_names(user: Identity, lang: str) -> dict[str, str]:
    """Category code → name in `lang`, to word the units' functions and the reasons."""
    column = "name_en" if lang == "en" else "name_zh"
    with user.session() as conn:
        return {r["code"]: r[column] for r in conn.execute(f"select code, {column} from public.category")}


def communities(user: Identity) -> list[dict]:
    with user.session() as conn:
        return conn.execute("select id, name from public.org_unit where kind = 'community' order by terr").fetchall()

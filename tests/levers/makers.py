"""Rows of the levers' tables for the RLS matrices and the domain tests, made as the owner."""
import uuid

from gongzhi.personal.crypto import seal


def level_unit(conn, unit: int) -> int:
    """The unit whose secretary a place belongs to: a grid's or building's community, else itself."""
    return conn.execute("select coalesce(community_id, id) as id from public.org_unit where id = %s",
                        (unit,)).fetchone()["id"]


def a_community(conn, unit: int) -> int:
    """A community at or under `unit` (its first by code when the unit is above communities)."""
    return conn.execute("""select c.id from public.org_unit u join public.org_unit c
                           on c.kind = 'community' and c.terr between u.terr and u.terr_hi
                           or c.id = u.community_id
                           where u.id = %s order by (c.id = u.community_id) desc, c.terr limit 1""",
                        (unit,)).fetchone()["id"]


def secretary_project(conn, unit: int, status: str = "claimed") -> int:
    """A claim at the place's level unit (as the owner: the guard lets the loader through)."""
    at = level_unit(conn, unit)
    project = conn.execute("insert into public.project (org_unit_id, kind, name) values (%s, 'secretary', '测试书记项目')"
                           " returning id", (at,)).fetchone()["id"]
    claim = conn.execute("""insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline)
                            values (%s, %s, '测试书记', '测试目标', '指标一', current_date + 60) returning id""",
                         (project, at)).fetchone()["id"]
    for step in {"claimed": [], "submitted": ["submitted"],
                 "approved": ["submitted", "approved"]}[status]:
        conn.execute("update public.secretary_project set status = %s where id = %s", (step, claim))
    return claim


def baolian_unit(conn, unit: int, capacity: int = 5) -> int:
    return conn.execute("""insert into public.baolian_unit (name, functions, strength, capacity, located_at)
                           values (%s, '{elderly}', 40, %s, %s) returning id""",
                        (f"测试单位{uuid.uuid4().hex[:6]}", capacity, unit)).fetchone()["id"]


def confirmed_pair(conn, baolian_unit_id: int, community: int) -> int:
    """As the owner: the unit registered at `community` (单位报到) and its pair there confirmed."""
    phone = seal("phone", "13907310042")
    registration = conn.execute("""insert into public.unit (org_unit_id, name, unit_type, phone_enc, phone_bidx,
                                                          phone_masked)
                                   select %s, name, 'organ', %s, %s, %s from public.baolian_unit where id = %s
                                   returning id""",
                                (community, phone.enc, phone.bidx, phone.masked, baolian_unit_id)).fetchone()["id"]
    return conn.execute("""insert into public.baolian_pair (baolian_unit_id, org_unit_id, status, unit_id)
                           values (%s, %s, 'confirmed', %s) returning id""",
                        (baolian_unit_id, community, registration)).fetchone()["id"]

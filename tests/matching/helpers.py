"""Hand-built demands, resources and a category of their own, as the owner, for matching tests."""
import uuid


def new_category(conn) -> int:
    code = f"t_{uuid.uuid4().hex[:8]}"
    return conn.execute("insert into public.category (code, name_zh, name_en) values (%s, '测试类别', 'Test')"
                        " returning id", (code,)).fetchone()["id"]


def unit(conn, name: str) -> int:
    return conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()["id"]


def demand(conn, unit_id: int, category: int, *, quantity: int = 1, needed_by=None, title: str = "测试需求") -> int:
    return conn.execute(
        "insert into public.demand (org_unit_id, category_id, title, quantity, needed_by) values (%s, %s, %s, %s, %s)"
        " returning id", (unit_id, category, title, quantity, needed_by)).fetchone()["id"]


def resource(conn, unit_id: int, category: int, *, capacity: int = 3, provider: str = "测试单位",
             available_from=None, name: str = "测试资源") -> int:
    return conn.execute(
        "insert into public.resource (org_unit_id, kind, category_id, name, provider, capacity, available_from)"
        " values (%s, 'service', %s, %s, %s, %s, %s) returning id",
        (unit_id, category, name, provider, capacity, available_from)).fetchone()["id"]


def match(conn, demand_id: int, resource_id: int, quantity: int = 1) -> int:
    return conn.execute("insert into public.match (demand_id, resource_id, quantity) values (%s, %s, %s)"
                        " returning id", (demand_id, resource_id, quantity)).fetchone()["id"]


def allocated(conn, resource_id: int) -> int:
    return conn.execute("select allocated from public.resource where id = %s", (resource_id,)).fetchone()["allocated"]


def status(conn, table: str, row_id: int) -> str:
    """The status as staff read it (a demand's "matched" is derived from its proposals)."""
    column = "private.demand_status(id, status)" if table == "demand" else "status"
    return conn.execute(f"select {column} as status from public.{table} where id = %s", (row_id,)).fetchone()["status"]


def category_of(conn, demand_id: int) -> int:
    return conn.execute("select category_id from public.demand where id = %s", (demand_id,)).fetchone()["category_id"]

"""RLS matrix: vote codes are issued and read (hash and whether used) by community staff of their
territory only; nobody changes or removes one (private.deliberation_ballot marks a code used)."""
import secrets

from tests.db.rls import INSIDE, NONE, NOTHING, Spec, cell_test
from tests.deliberation.makers import at, new_code, new_item, placeable


def _make(conn, unit):
    item = new_item(conn, unit, "consulted")
    new_code(conn, item)
    return {"id": conn.execute("select max(id) as id from public.deliberation_code where deliberation_id = %s",
                               (item,)).fetchone()["id"]}


SPEC = Spec(
    table="deliberation_code",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, _make),
    prepare=lambda conn, unit: {"item": new_item(conn, unit, "consulted") if placeable(conn, unit) else -1,
                                "hash": secrets.token_hex(32)},
    insert="insert into public.deliberation_code (deliberation_id, code_hash) values (%(item)s, %(hash)s)",
    update_set="used = true",
)
MATRIX = {
    "district": NOTHING,
    "street": NOTHING,
    "community": dict(select=INSIDE, insert=INSIDE, update=NONE, delete=NONE),
    "grid": NOTHING,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

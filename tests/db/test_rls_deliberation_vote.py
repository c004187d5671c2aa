"""RLS matrix: single votes are read and written by nobody — not even district staff; the public
vote goes through private.deliberation_ballot and the count through private.deliberation_result."""
import secrets

from tests.db.rls import NOTHING, Spec, cell_test
from tests.deliberation.makers import at, new_item, placeable


def _make(conn, unit):
    item = new_item(conn, unit, "voting")
    return {"id": conn.execute("insert into public.deliberation_vote (deliberation_id, choice, seal)"
                               " values (%s, 'yes', %s) returning id", (item, secrets.token_bytes(32))).fetchone()["id"]}


SPEC = Spec(
    table="deliberation_vote",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, _make) if placeable(conn, unit) else {"id": "00000000-0000-0000-0000-000000000000"},
    prepare=lambda conn, unit: {"item": new_item(conn, unit, "voting") if placeable(conn, unit) else -1,
                                "seal": secrets.token_bytes(32)},
    insert="insert into public.deliberation_vote (deliberation_id, choice, seal) values (%(item)s, 'yes', %(seal)s)",
    update_set="choice = 'no'",
)
MATRIX = {role: NOTHING for role in ("district", "street", "community", "grid", "department", "anon")}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix of the suggestion box: anon and every staff role insert nothing into the table
directly (anon only through public.submit_suggestion: tests/suggest/test_box.py); community,
street and district staff read and triage the messages of their territory; grid and department
staff see none; nobody deletes. Messages live at the community, so the community's places are
its own community (inside) and the next one (outside); the owner places rows at every place of the
harness (tests/suggest/makers.at)."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.suggest.makers import at

SPEC = Spec(
    table="suggestion",
    key="id = %(id)s",
    make=at,
    prepare=lambda conn, unit: {"unit": unit},
    insert="insert into public.suggestion (org_unit_id, category_id, body, notice_version, tracking_hash)"
           " values (%(unit)s, (select min(id) from public.category), '路灯坏了一周没人修', 'suggestion_v1',"
           " sha256('x'::bytea))",
    update_set="reply = '已安排网格员查看', status = 'accepted'",
    move="update public.suggestion set org_unit_id = %(unit)s where id = %(id)s",
)
READ_TRIAGE = dict(select=INSIDE, insert=NONE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=NONE, update=ALL, delete=NONE),
    "street": READ_TRIAGE,
    "community": READ_TRIAGE,
    "grid": NOTHING,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["street", "community"])
def test_cannot_move_a_message_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)


def test_staff_never_read_the_phone_cipher_the_tracking_hash_or_the_sender(conn):
    act_as_owner(conn)
    key = at(conn, unit_id(conn, "丽水社区"))
    act_as(conn, "community")
    for column in ("phone_enc", "phone_bidx", "tracking_hash", "sender_hash"):
        with pytest.raises(Exception) as refused, conn.transaction():
            conn.execute(f"select {column} from public.suggestion where id = %s", (key["id"],))
        assert "permission denied" in str(refused.value)

"""RLS matrix: sign-ups follow their post; staff sign up volunteers they see for posts of their
territory; anon cannot sign up without a phone and code (tests/volunteers/test_signup.py)."""

from tests.db.rls import INSIDE, NONE, NOTHING, Spec, cell_test
from tests.volunteers.makers import at, new_post, new_signup, new_volunteer, registrable

IN_OUT = frozenset({"inside", "outside"})


def _prepare(conn, unit):
    if not registrable(conn, unit):
        return {"post": -1, "volunteer": -1}
    return {"post": new_post(conn, unit), "volunteer": new_volunteer(conn, unit)}


SPEC = Spec(
    table="signup",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_signup),
    prepare=_prepare,
    insert="insert into public.signup (post_id, volunteer_id) values (%(post)s, %(volunteer)s)",
    update_set="status = 'withdrawn'",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=IN_OUT),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: a stored fake-fix flag is read exactly like the event it is about (its territory, the
departments summoned to it, the district) and written by nobody but the refresh job."""

from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test
from tests.whistle.helpers import new_event


def _flag(conn, unit: int) -> dict:
    """As the owner: an event at `unit` and a flag about it, copied from it as the refresh does."""
    event = new_event(conn, unit)
    return conn.execute("""insert into public.event_flag (kind, event_id, community_id, terr, departments, at)
                           select 'no_after_photo', e.id, e.community_id, e.terr, e.departments, now()
                           from public.event e where e.id = %s returning id""", (event,)).fetchone()


def _prepare(conn, unit: int) -> dict:
    event = new_event(conn, unit)
    return conn.execute("select id as event, terr, community_id as community, departments from public.event"
                        " where id = %s", (event,)).fetchone()


SPEC = Spec(
    table="event_flag",
    key="id = %(id)s",
    make=_flag,
    prepare=_prepare,
    insert="insert into public.event_flag (kind, event_id, community_id, terr, departments, at)"
           " values ('too_fast', %(event)s, %(community)s, %(terr)s, %(departments)s, now())",
    update_set="detail = '{\"edited\": true}'",
)
READ_ONLY = dict(select=INSIDE, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY,
    "department": READ_ONLY,   # the events it is summoned to (tests/whistle/helpers.py: inside only)
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

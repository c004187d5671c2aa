"""A page rerun is one transaction: every page checks out one portal connection per run of the real
app.py (a write made in a callback is its own transaction), counted as `bench pages` counts
`transactions_per_rerun.<page>`; the few pages that cannot share one are named with their count."""
import pytest

from gongzhi import db
from gongzhi.auth.pages import PAGES
from gongzhi.bench.pages import RERUN_ADMINS, RERUN_ROLES, transactions_per_rerun
from tests.conftest import ACCOUNTS, DEMO_EMAILS
from tests.pages.conftest import identity_of

# Pages whose rerun does not take exactly one checkout, and why.
NOT_ONE = {
    "org": 4,       # not yet drawn in one page transaction (its account forms are being reworked)
    "privacy": 0,   # reads no database: the data inventory and the notices are code
    "signup": 2,    # the public form's own transaction besides the signed-in page's (its session check)
    "vote": 0,      # the public vote reads nothing until a resident enters a code (then one, as the public role)
}


def _checkouts_of(at) -> int:
    before = db.checkouts()
    at.run()
    assert not at.exception
    return db.checkouts() - before


def test_a_rerun_of_every_page_checks_out_one_connection(fresh_db):
    users = {role: identity_of(ACCOUNTS[role]) for role in (*RERUN_ROLES, *RERUN_ADMINS)}
    assert transactions_per_rerun(users) == {f"transactions_per_rerun.{key}": NOT_ONE.get(key, 1) for key in PAGES}


@pytest.mark.parametrize("page, view_key, views", [
    ("pages/matching.py", "matching_view", ("batch", "matches")),
    ("pages/volunteer_roster.py", "roster_view", ("units", "ledger")),
])
def test_each_view_of_a_page_is_one_transaction(app_as, page, view_key, views):
    at = app_as("community")
    at.run()                       # app.py first, so that the page runs inside it as in the portal
    at.switch_page(page).run()
    assert _checkouts_of(at) == 1
    for view in views:
        at.radio(key=view_key).set_value(view)
        assert _checkouts_of(at) == 1


def test_the_bulletin_once_asked_for_is_one_transaction(app_as):
    at = app_as("community", "pages/bulletin.py").run()
    at.button(key="bulletin_go").click().run()
    assert not at.exception and at.subheader
    assert _checkouts_of(at) == 1


def test_the_page_transaction_sees_its_own_rows_and_a_refusal_undoes_only_itself(app_as, fresh_db):
    from gongzhi.errors import DomainError
    from gongzhi.lists import commands
    user = identity_of(DEMO_EMAILS["grid"])
    before = db.checkouts()
    with user.one_transaction():
        with user.session() as conn:
            grid = conn.execute("select id from public.org_unit where kind = 'grid' order by terr limit 1").fetchone()
        with pytest.raises(DomainError):
            commands.change_status(user, "demand", [-1], "done")
        with user.session() as conn:
            assert conn.execute("select private.staff_role() as r").fetchone()["r"] == "grid"
    assert db.checkouts() - before == 1
    assert grid is not None

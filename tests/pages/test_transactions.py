"""A page rerun is one transaction: the list pages and the matching page check out one portal
connection per run of the real app.py (a write made in a callback is its own transaction)."""
import pytest

from gongzhi import db

PAGES = ["pages/demands.py", "pages/resources.py", "pages/projects.py", "pages/matching.py"]


def _checkouts_of(at) -> int:
    before = db.checkouts()
    at.run()
    assert not at.exception
    return db.checkouts() - before


@pytest.mark.parametrize("page", PAGES)
def test_a_rerun_checks_out_one_connection(app_as, page):
    at = app_as("community")
    at.run()                       # app.py first, so that the page runs inside it as in the portal
    at.switch_page(page).run()
    assert _checkouts_of(at) == 1
    if page == "pages/matching.py":
        for view in ("batch", "matches"):
            at.radio(key="matching_view").set_value(view)
            assert _checkouts_of(at) == 1


def test_the_page_transaction_sees_its_own_rows_and_a_refusal_undoes_only_itself(app_as, fresh_db):
    from gongzhi.errors import DomainError
    from gongzhi.lists import commands
    from tests.conftest import DEMO_EMAILS
    from tests.pages.conftest import identity_of
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

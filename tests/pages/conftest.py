"""Page-test helpers: the real app.py under AppTest, signed in as a demo account."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi.auth import load_identity
from gongzhi.config import ROOT
from gongzhi.db import owner

APP = str(ROOT / "app.py")
TIMEOUT = 30


def identity_of(email: str):
    with owner() as conn:
        user_id = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()["id"]
    return load_identity(str(user_id))


@pytest.fixture
def app_as(fresh_db):
    """`app_as("grid")` → an AppTest of app.py signed in as that demo account, not yet run."""
    from tests.conftest import ACCOUNTS

    def make(role: str, page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.session_state["identity"] = identity_of(ACCOUNTS[role])
        if page:
            at.switch_page(page)
        return at
    return make

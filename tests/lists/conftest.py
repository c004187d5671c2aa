"""Domain-test helpers: demo accounts as Identities on a database of the test's own."""
import pytest

from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of


@pytest.fixture
def users(fresh_db):
    return {role: identity_of(email) for role, email in DEMO_EMAILS.items()}

"""A database of the module's own (a copy of the demo district) for the load driver and replica tests."""
from __future__ import annotations

import pytest

from tests.conftest import clone_database, drop_database


@pytest.fixture(scope="module")
def load_db(pg_admin_url, template_url):
    name, url = clone_database(pg_admin_url, template_url, "gz_load")
    yield url
    drop_database(pg_admin_url, name)

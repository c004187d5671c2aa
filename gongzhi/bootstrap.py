"""Getting a database ready for the portal: on the embedded default, start the server, apply
migrations and load the demo district on first start. A configured database is left as it is
unless GONGZHI_AUTO_MIGRATE=1."""
from __future__ import annotations

import os

from gongzhi import config, demo
from gongzhi.db import connection, migrate


def ensure_ready() -> str:
    url = connection.server_url()
    if config.database_url() is None or os.environ.get("GONGZHI_AUTO_MIGRATE") == "1":
        migrate.migrate(url)
        connection.sync_portal_login()
    if config.database_url() is None:
        demo.load_demo(url)
    return url

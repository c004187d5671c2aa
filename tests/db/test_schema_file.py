"""supabase/schema.sql is what the migrations build: a change of schema shows in its diff."""
import difflib

import psycopg

from gongzhi.db import migrate, schema
from tests.conftest import drop_database


def test_the_schema_file_matches_the_migrations(pg_admin_url):
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("create database gz_schema_file")
    url = pg_admin_url.replace("/postgres?", "/gz_schema_file?")
    try:
        migrate.migrate(url)
        built = schema.render(url)
    finally:
        drop_database(pg_admin_url, "gz_schema_file")
    checked_in = schema.SCHEMA_FILE.read_text(encoding="utf-8") if schema.SCHEMA_FILE.exists() else ""
    if built != checked_in:
        diff = "".join(list(difflib.unified_diff(checked_in.splitlines(True), built.splitlines(True),
                                                 "supabase/schema.sql", "the migrations", n=1))[:40])
        raise AssertionError(f"supabase/schema.sql and the migrations disagree; run `{schema.COMMAND}` "
                             f"and commit the file.\n{diff}")


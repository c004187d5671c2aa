"""Database access: the backends, the connection pool and the per-request identity.

`owner()` gives a connection as the schema owner (migrations, seeding, sign-in);
`as_user(user_id)` gives one transaction as `authenticated` with that user's claims, so that
row-level security decides exactly as it does on Supabase.
"""
from gongzhi.db.connection import as_anon, as_user, close_pool, owner, pool, server_url

__all__ = ["as_anon", "as_user", "close_pool", "owner", "pool", "server_url"]

"""Database access: the backends, the connection pool and the per-request identity.

The portal connects as `gongzhi_portal`: `as_user(user_id)` gives one transaction as
`authenticated` with that user's claims, so that row-level security decides exactly as it does on
Supabase (`as_reader` the same on the read server, a standby, where one is configured); `as_anon()` as the public; `as_auth()` as sign-in. `owner()` gives a connection as the
schema owner, for migrations, seeding, backups, jobs and the command line.
"""
from gongzhi.db.connection import (as_anon, as_auth, as_reader, as_user, checkouts, close_pool, data_as_of,
                                   one_transaction, owner, pool, server_url)

__all__ = ["as_anon", "as_auth", "as_reader", "as_user", "checkouts", "close_pool", "data_as_of", "one_transaction",
           "owner", "pool", "server_url"]

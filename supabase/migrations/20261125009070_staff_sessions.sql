-- Sessions that outlive a page reload, for local accounts. The browser keeps a random token in a
-- cookie; the database keeps only the token's SHA-256, whose session it is and when it expires.
-- In `private`: no client role may read or write it; the portal does, as the owner
-- (gongzhi.auth.sessions). Signing out deletes the row, so a copied cookie dies with it.

create table private.staff_session (
  token_hash bytea primary key check (length(token_hash) = 32),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table private.staff_session is 'A signed-in browser of a local account: SHA-256 of its cookie token, the user, the expiry.';
create index staff_session_user_id_idx on private.staff_session (user_id);
create index staff_session_expires_at_idx on private.staff_session (expires_at);

revoke all on private.staff_session from public, anon, authenticated, gongzhi_district;

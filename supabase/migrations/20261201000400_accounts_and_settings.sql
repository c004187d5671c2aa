-- Accounts and per-user settings: the language each user chose (中文 / English), remembered across
-- sign-ins; the private helpers through which district staff manage sign-in accounts on the
-- 组织与账号 page under their own role (never the owner connection); and the sessions that outlive a
-- page reload for local accounts.
--
-- Sessions: the browser keeps a random token in a cookie; the database keeps only the token's
-- SHA-256, whose session it is and when it expires. The table is in `private`: no client role may
-- read or write it; the portal does, as the owner (gongzhi.auth.sessions). Signing out deletes the
-- row, so a copied cookie dies with it.

-- ---------------------------------------------------------------- tables
create table public.user_setting (
  user_id uuid primary key default private.uid() references auth.users (id) on delete cascade,
  language text not null default 'zh' check (language in ('zh', 'en')),
  updated_at timestamptz not null default now()
);
comment on table public.user_setting is 'Per-user preferences (the interface language). Each user reads and writes only their own row.';

create table private.staff_session (
  token_hash bytea primary key check (length(token_hash) = 32),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table private.staff_session is 'A signed-in browser of a local account: SHA-256 of its cookie token, the user, the expiry.';

-- ---------------------------------------------------------------- indexes
create index staff_session_user_id_idx on private.staff_session (user_id);
create index staff_session_expires_at_idx on private.staff_session (expires_at);

-- ---------------------------------------------------------------- triggers
create trigger user_setting_touch before update on public.user_setting
  for each row execute function private.touch();

-- Nobody disables, moves or re-roles their own account: a district administrator would lock
-- themselves out, and nobody else may change their own role anyway.
create function private.protect_own_staff_row() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.user_id = auth.uid()
     and (new.active is distinct from old.active or new.role is distinct from old.role
          or new.org_unit_id is distinct from old.org_unit_id) then
    raise exception 'gongzhi:org.account.not_yourself' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

create trigger staff_protect_own before update on public.staff
  for each row execute function private.protect_own_staff_row();

-- ---------------------------------------------------------------- helpers
-- The sign-in email and last sign-in of every staff member; district staff only (others get nothing).
create function private.staff_logins() returns table (user_id uuid, email text, last_sign_in_at timestamptz)
language sql stable security definer set search_path = ''
as $$
  select u.id, u.email::text, u.last_sign_in_at
  from auth.users u join public.staff s on s.user_id = u.id
  where (select private.staff_role()) = 'district'
$$;

-- Creates the sign-in account of a new staff member and returns its id; district staff only.
-- The password arrives hashed: the database never sees it in clear.
create function private.create_login(p_email text, p_password_hash text) returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  new_id uuid;
begin
  if private.staff_role() is distinct from 'district' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  if coalesce(p_email, '') !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' or length(p_email) > 255 then
    raise exception 'gongzhi:org.account.bad_email' using errcode = 'check_violation';
  end if;
  if exists (select from auth.users u where u.email = lower(btrim(p_email))) then
    raise exception 'gongzhi:org.account.email_taken' using errcode = 'unique_violation';
  end if;
  insert into auth.users (email, encrypted_password, email_confirmed_at)
  values (lower(btrim(p_email)), p_password_hash, now())
  returning id into new_id;
  return new_id;
end;
$$;

-- Replaces a staff member's password (already hashed) and lifts any lockout; district staff only.
create function private.set_login_password(p_user uuid, p_password_hash text) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if private.staff_role() is distinct from 'district' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  if not exists (select from public.staff s where s.user_id = p_user) then
    raise exception 'gongzhi:org.account.not_found' using errcode = 'no_data_found';
  end if;
  update auth.users set encrypted_password = p_password_hash, updated_at = now() where id = p_user;
  delete from auth.local_sign_in where user_id = p_user;
end;
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.user_setting enable row level security;

create policy "users read their own settings" on public.user_setting
  for select to authenticated, gongzhi_district using (user_id = (select private.uid()));
create policy "users add their own settings" on public.user_setting
  for insert to authenticated, gongzhi_district with check (user_id = (select private.uid()));
create policy "users change their own settings" on public.user_setting
  for update to authenticated, gongzhi_district
  using (user_id = (select private.uid())) with check (user_id = (select private.uid()));

-- ---------------------------------------------------------------- grants
grant select, insert, update on public.user_setting to authenticated, gongzhi_district;
revoke all on private.staff_session from public, anon, authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.staff_logins(), private.create_login(text, text),
  private.set_login_password(uuid, text) to gongzhi_district;

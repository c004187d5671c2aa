-- Identity (身份鉴别): the state of each account's password, its history, forced changes, demo mode,
-- and browser sessions with an idle timeout and a rule for a second sign-in.
--
-- private.password_state says when an account's password was set and whether the account must
-- change it before doing anything: a password set by someone else (a new account, a district's
-- reset, `python -m gongzhi user add`), an expired one, or the published demo password once demo
-- mode is off. While it must, the database serves it nothing of the district: the request role is
-- `authenticated` even for district staff (private.request_role: never gongzhi_district, whose
-- policies are constant) and every staff helper (staff_role, terr_lo/hi, terr_above,
-- department_id, personal_terr_lo/hi) answers null, so no territorial or departmental policy
-- matches — on the embedded server and through the Supabase API alike. What is left is the
-- account's own staff row and preferences, and the security settings.
-- private.password_history keeps the scrypt hash of every password set (the portal compares a new
-- one with the last N, N a security setting); private.password_set is the one way both are written.
-- Demo mode is the security setting `demo_mode`: only the demo loader (no signed-in user) turns it
-- on; turning it off, or removing it, makes every account still on the demo password change it.

-- ---------------------------------------------------------------- tables
create table private.password_state (
  user_id uuid primary key references auth.users (id) on delete cascade,
  changed_at timestamptz not null default now(),
  must_change boolean not null default true,
  reason text check (reason in ('first', 'reset', 'expired', 'demo')),
  demo boolean not null default false,
  check (must_change = (reason is not null))
);
comment on table private.password_state is 'When each account''s password was set, whether it must be changed before the account may act (and why), and whether it is the published demo password.';
comment on column private.password_state.demo is 'The password is the published demo password, written by the demo loader; allowed only while demo mode is on.';

create table private.password_history (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  hash text not null,
  set_at timestamptz not null default now()
);
comment on table private.password_history is 'The scrypt hash of every password an account has had (newest kept: 24), so that a new password can be compared with the last N.';

alter table private.staff_session
  add column last_seen_at timestamptz not null default now(),
  add column idle_minutes integer not null default 30 check (idle_minutes between 1 and 1440),
  add column ended_reason text check (ended_reason in ('elsewhere', 'everywhere'));
comment on column private.staff_session.last_seen_at is 'The last page run of this browser (bumped at most once a minute); idle_minutes after it the session ends.';
comment on column private.staff_session.ended_reason is 'Why the session was ended while its browser may still hold the cookie: signed in elsewhere, or signed out everywhere. The browser is told at its next page run.';

insert into private.security_log_kind (kind) values
  ('session_expired'), ('password_change'), ('password_reset'), ('sign_out_everywhere');

-- Accounts that exist before this migration: nobody knows who set their passwords, so each must
-- change it, except in a deployment that is still the untouched demo (every account a demo
-- account), which stays in demo mode.
insert into private.password_state (user_id, changed_at, must_change, reason, demo)
select u.id, coalesce(u.updated_at, now()), true, 'first', u.email::text like '%@demo.gongzhi.cn'
from auth.users u;

insert into public.security_setting (key, value, updated_by)
select 'demo_mode', 'true'::jsonb, null
where exists (select from auth.users)
  and not exists (select from auth.users u where u.email::text not like '%@demo.gongzhi.cn');

update private.password_state set must_change = false, reason = null
where demo and exists (select from public.security_setting where key = 'demo_mode' and value = 'true'::jsonb);

-- ---------------------------------------------------------------- indexes
create index password_history_user_id_idx on private.password_history (user_id, id desc);

-- ---------------------------------------------------------------- helpers
-- Whether `p_user` must change their password before acting (false for an account with no state:
-- a Supabase Auth account whose owner set the password through the invitation).
create function private.password_blocks(p_user uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce((select p.must_change from private.password_state p where p.user_id = p_user), false)
$$;

-- Records a new password of `p_user` (its scrypt hash): the history, when it was set, and whether
-- the account must change it (`p_reason` 'first' or 'reset' when someone else set it, null when the
-- account's own user did). The one writer of password_state and password_history.
create function private.password_set(p_user uuid, p_hash text, p_reason text) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if p_reason is not null and p_reason not in ('first', 'reset') then
    raise exception 'gongzhi:error.forbidden' using errcode = 'check_violation';
  end if;
  insert into private.password_history (user_id, hash) values (p_user, p_hash);
  delete from private.password_history h
  where h.user_id = p_user
    and h.id < (select min(k.id) from (select x.id from private.password_history x where x.user_id = p_user
                                       order by x.id desc limit 24) k);
  insert into private.password_state (user_id, changed_at, must_change, reason, demo)
  values (p_user, now(), p_reason is not null, p_reason, false)
  on conflict (user_id) do update
    set changed_at = excluded.changed_at, must_change = excluded.must_change, reason = excluded.reason, demo = false;
end;
$$;

-- The user's own new password (checked by the portal against the policy and the history): on the
-- embedded server it replaces the hash in auth.users (which ends every session of the account);
-- on Supabase, Supabase Auth holds the password and only the state and history are written here.
create function private.change_own_password(p_user uuid, p_hash text) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if to_regclass('auth.local_sign_in') is not null then
    update auth.users set encrypted_password = p_hash, updated_at = now() where id = p_user;
  end if;
  perform private.password_set(p_user, p_hash, null);
end;
$$;

-- At sign-in: marks a password older than `p_expiry_days` (the district's setting) as expired —
-- except the demo password while demo mode lets it stand — and returns the account's state. An
-- account with no state yet (a Supabase Auth account, whose owner set the password through the
-- invitation) starts one now.
create function private.password_status(p_user uuid, p_expiry_days integer)
returns table (must_change boolean, reason text, changed_at timestamptz, demo boolean)
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.password_state (user_id, must_change, reason)
  select u.id, false, null from auth.users u where u.id = p_user
  on conflict (user_id) do nothing;
  update private.password_state p set must_change = true, reason = 'expired'
  where p.user_id = p_user and not p.must_change and not p.demo
    and p.changed_at < now() - make_interval(days => greatest(p_expiry_days, 1));
  return query select p.must_change, p.reason, p.changed_at, p.demo
               from private.password_state p where p.user_id = p_user;
end;
$$;

-- A browser's session by its token's SHA-256: whose it is and whether it still lives ('live',
-- 'idle', 'expired', or why it was ended: 'elsewhere', 'everywhere'); a live one's last_seen_at is
-- moved on, at most once a minute. `must_change`: the account must change its password first.
create function private.session_touch(p_token_hash bytea)
returns table (user_id uuid, status text, must_change boolean)
language plpgsql security definer set search_path = ''
as $$
declare
  s private.staff_session;
begin
  select * into s from private.staff_session x where x.token_hash = p_token_hash;
  if not found then
    return;
  end if;
  user_id := s.user_id;
  must_change := private.password_blocks(s.user_id);
  status := case when s.ended_reason is not null then s.ended_reason
                 when s.expires_at <= now() then 'expired'
                 when s.last_seen_at + make_interval(mins => s.idle_minutes) <= now() then 'idle'
                 else 'live' end;
  if status = 'live' and s.last_seen_at < now() - interval '1 minute' then
    update private.staff_session x set last_seen_at = now() where x.token_hash = p_token_hash;
  end if;
  return next;
end;
$$;

-- The same, from inside a page's own transaction: only a session of the signed-in user; null for
-- any other token.
create function private.session_check(p_token_hash bytea)
returns table (status text, must_change boolean)
language sql volatile security definer set search_path = ''
as $$
  select t.status, t.must_change from private.session_touch(p_token_hash) t where t.user_id = auth.uid()
$$;

-- A district administrator signs an account out of every browser (退出所有设备): its sessions end,
-- and each browser is told why at its next page run.
create function private.end_sessions_everywhere(p_user uuid) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  ended integer;
begin
  if p_user is distinct from auth.uid() and private.staff_role() is distinct from 'district' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  if p_user is distinct from auth.uid() and not exists (select from public.staff s where s.user_id = p_user) then
    raise exception 'gongzhi:org.account.not_found' using errcode = 'no_data_found';
  end if;
  update private.staff_session s set ended_reason = 'everywhere'
  where s.user_id = p_user and s.ended_reason is null and s.expires_at > now();
  get diagnostics ended = row_count;
  return ended;
end;
$$;

-- The account must change its password: no staff helper answers for it (so no policy matches).
create or replace function private.staff_role() returns text
language sql stable security definer set search_path = ''
as $$ select s.role from public.staff s where s.user_id = auth.uid() and s.active and not private.password_blocks(s.user_id) $$;

create or replace function private.terr_lo() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department' and not private.password_blocks(s.user_id)
$$;

create or replace function private.terr_hi() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department' and not private.password_blocks(s.user_id)
$$;

create or replace function private.terr_above() returns bigint[]
language sql stable security definer set search_path = ''
as $$
  select (private.terr_serving(o.terr))[1:3]
  from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department' and not private.password_blocks(s.user_id)
$$;

create or replace function private.department_id() returns bigint
language sql stable security definer set search_path = ''
as $$
  select s.department_id from public.staff s
  where s.user_id = auth.uid() and s.active and s.role = 'department' and not private.password_blocks(s.user_id)
$$;

create or replace function private.personal_terr_lo() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role in ('district', 'grid') and not private.password_blocks(s.user_id)
$$;

create or replace function private.personal_terr_hi() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role in ('district', 'grid') and not private.password_blocks(s.user_id)
$$;

-- An account that must change its password never runs as gongzhi_district until it has.
create or replace function private.request_role(p_user uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select case when private.password_blocks(p_user) then 'authenticated'
              when exists (select from public.staff s where s.user_id = p_user and s.active and s.role = 'district')
              then 'gongzhi_district' else 'authenticated' end
$$;

-- A new account's password was set by whoever made it; a district's reset likewise.
create or replace function private.create_login(p_email text, p_password_hash text) returns uuid
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
  perform private.password_set(new_id, p_password_hash, 'first');
  return new_id;
end;
$$;

create or replace function private.set_login_password(p_user uuid, p_password_hash text) returns void
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
  delete from private.sign_in_failure f
  where f.kind = 'email' and f.key = (select sha256(convert_to(u.email, 'UTF8')) from auth.users u where u.id = p_user);
  perform private.password_set(p_user, p_password_hash, 'reset');
end;
$$;

-- ---------------------------------------------------------------- triggers
-- A local account made by any other path (the command line, a script as the owner) starts out
-- having to change its password; private.password_set then records who set it.
create function private.new_login_must_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.password_state (user_id, must_change, reason) values (new.id, true, 'first')
  on conflict (user_id) do nothing;
  return null;
end;
$$;

do $$
begin
  if to_regclass('auth.local_sign_in') is not null then
    create trigger users_password_state after insert on auth.users
      for each row execute function private.new_login_must_change();
  end if;
end
$$;

-- Demo mode: a signed-in user may turn it off, never on (the demo loader, with no user, turns it
-- on). Once it is off or gone, every account still on the demo password must change it.
create function private.guard_demo_mode() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op <> 'DELETE' and new.key = 'demo_mode' and new.value = 'true'::jsonb and auth.uid() is not null then
    raise exception 'gongzhi:security_setting.demo_on' using errcode = 'check_violation';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

create function private.demo_mode_ended() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.security_setting s where s.key = 'demo_mode' and s.value = 'true'::jsonb) then
    update private.password_state p set must_change = true, reason = 'demo' where p.demo and not p.must_change;
  end if;
  return null;
end;
$$;

create trigger security_setting_demo_guard before insert or update or delete on public.security_setting
  for each row execute function private.guard_demo_mode();
create trigger security_setting_demo_ended after insert or update or delete on public.security_setting
  for each statement execute function private.demo_mode_ended();

-- ---------------------------------------------------------------- grants
revoke all on private.password_state, private.password_history
  from public, anon, authenticated, gongzhi_district, gongzhi_auth, gongzhi_portal;
grant select on private.password_history to gongzhi_auth;
grant update (last_seen_at, ended_reason) on private.staff_session to gongzhi_auth;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.staff_role(), private.terr_lo(), private.terr_hi(), private.terr_above(),
  private.department_id(), private.personal_terr_lo(), private.personal_terr_hi()
  to authenticated, gongzhi_district;
grant execute on function private.request_role(uuid) to gongzhi_portal;
grant execute on function private.create_login(text, text), private.set_login_password(uuid, text)
  to gongzhi_district;
grant execute on function private.password_set(uuid, text, text), private.change_own_password(uuid, text),
  private.password_status(uuid, integer), private.session_touch(bytea) to gongzhi_auth;
grant execute on function private.session_check(bytea) to authenticated, gongzhi_district;
grant execute on function private.end_sessions_everywhere(uuid) to authenticated, gongzhi_district;

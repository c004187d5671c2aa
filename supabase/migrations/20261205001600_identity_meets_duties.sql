-- Identity (20261205000700) and the separation of duties (20261205000900) were written side by side;
-- the later one replaced four functions without the earlier one's rules. Each function below holds
-- both: an account that must change its password acts as nobody (identity), and account
-- administration is the system administrator's (三权分立), with the password's state recorded
-- whenever someone else sets it.

-- An account that must change its password runs as `authenticated` with no staff rights, even an
-- administrator; otherwise administrators run as gongzhi_admin and district staff as gongzhi_district.
create or replace function private.request_role(p_user uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select case when private.password_blocks(p_user) then 'authenticated'
              when private.admin_capability_of(p_user) is not null then 'gongzhi_admin'
              when exists (select from public.staff s where s.user_id = p_user and s.active and s.role = 'district')
              then 'gongzhi_district' else 'authenticated' end
$$;

-- The administrator capability of the signed-in user, none while its password must be changed.
create or replace function private.admin_capability() returns text
language sql stable security definer set search_path = ''
as $$
  select g.capability from public.admin_grant g join public.staff s on s.user_id = g.user_id
  where g.user_id = auth.uid() and s.active and not private.password_blocks(g.user_id)
$$;

-- A new account's sign-in, made by the system administrator: its password was set by someone else,
-- so it must be changed at the first sign-in.
create or replace function private.create_login(p_email text, p_password_hash text) returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  new_id uuid;
begin
  if private.admin_capability() is distinct from 'system' then
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

-- The system administrator's reset of a staff member's password (not an administrator's: those
-- change only from the command line); the account must change it at its next sign-in.
create or replace function private.set_login_password(p_user uuid, p_password_hash text) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if private.admin_capability() is distinct from 'system' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  if not exists (select from public.staff s where s.user_id = p_user) then
    raise exception 'gongzhi:org.account.not_found' using errcode = 'no_data_found';
  end if;
  if exists (select from public.admin_grant g where g.user_id = p_user) then
    raise exception 'gongzhi:admin.account_protected' using errcode = 'insufficient_privilege';
  end if;
  update auth.users set encrypted_password = p_password_hash, updated_at = now() where id = p_user;
  delete from auth.local_sign_in where user_id = p_user;
  delete from private.sign_in_failure f
  where f.kind = 'email' and f.key = (select sha256(convert_to(u.email, 'UTF8')) from auth.users u where u.id = p_user);
  perform private.password_set(p_user, p_password_hash, 'reset');
end;
$$;

-- 退出所有设备: a user ends their own sessions; the system administrator ends another account's.
create or replace function private.end_sessions_everywhere(p_user uuid) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  ended integer;
begin
  if p_user is distinct from auth.uid() and private.admin_capability() is distinct from 'system' then
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

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.end_sessions_everywhere(uuid) to gongzhi_admin;

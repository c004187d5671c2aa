-- Separation of duties (三权分立, 等保 2.0 访问控制): three administrator capabilities held by
-- different accounts, enforced here for every client.
--
--   system   系统管理员  accounts, the org tree, departments and the whistle settings (routing, time
--                        limits, calendar); no access to the security log
--   security 安全管理员  the security settings (password, session, second factor) and who may
--                        unmask personal data (public.unmask_grant, read by private.may_unmask())
--   audit    审计管理员  reads the security log and the whole row audit; changes nothing
--
-- public.admin_grant holds one capability per account (its primary key is the account, so no account
-- holds two). Nobody grants a capability through the API, not even an administrator: capabilities
-- are given and taken by the deployer from the command line (`python -m gongzhi user add --admin`,
-- `python -m gongzhi admin grant|revoke`), each change a `capability` entry of the security log.
--
-- A capability holder's requests run as `gongzhi_admin`, a role with no policy on the district's
-- data (demands, residents, volunteers, events): an administrator administers and reads nothing
-- else. Plain district staff keep `gongzhi_district` and all the data, but lose the administration:
-- the account, org-tree, department, settings and whistle-settings writes, the security log and the
-- audit of those administration tables move to the capability holders. Accounts that hold a
-- capability are changed only from the command line, so the system administrator cannot reset the
-- audit administrator's password and sign in as them.

-- ---------------------------------------------------------------- roles
do $$
begin
  if not exists (select from pg_roles where rolname = 'gongzhi_admin') then
    create role gongzhi_admin nologin noinherit;
  end if;
end
$$;
comment on role gongzhi_admin is 'Administrator accounts (三权分立): policies only on the administration tables, none on the district''s data.';
grant gongzhi_admin to current_user;
grant gongzhi_admin to gongzhi_portal;
grant usage on schema public, private to gongzhi_admin;

-- ---------------------------------------------------------------- tables
create table public.admin_grant (
  user_id uuid not null references public.staff (user_id) on delete cascade,
  capability text not null
    constraint admin_grant_capability_known check (capability in ('system', 'security', 'audit')),
  granted_by uuid,
  granted_at timestamptz not null default now(),
  constraint admin_grant_one_capability_per_account primary key (user_id)
);
comment on table public.admin_grant is 'The administrator capability of an account (system / security / audit; 三权分立): at most one per account. Written only by the deployer (command line).';

create table public.unmask_grant (
  user_id uuid primary key references public.staff (user_id) on delete cascade,
  reason text not null check (length(btrim(reason)) between 1 and 200),
  granted_by uuid,
  granted_at timestamptz not null default now()
);
comment on table public.unmask_grant is 'Staff the security administrator allows to unmask personal data (each unmasking is still logged with its reason); read through private.may_unmask().';

insert into private.security_log_kind (kind) values ('capability');

-- ---------------------------------------------------------------- helpers
-- The administrator capability of the signed-in user (system / security / audit), or null.
create function private.admin_capability() returns text
language sql stable security definer set search_path = ''
as $$
  select g.capability from public.admin_grant g join public.staff s on s.user_id = g.user_id
  where g.user_id = auth.uid() and s.active
$$;

-- The administrator capability of a user, for sign-in (the menu of an administrator).
create function private.admin_capability_of(p_user uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select g.capability from public.admin_grant g join public.staff s on s.user_id = g.user_id
  where g.user_id = p_user and s.active
$$;

-- Whether the signed-in user may unmask personal data: the security administrator granted it and the
-- account is active. The unmasking function still applies the territory and logs the reason.
create function private.may_unmask() returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (select from public.unmask_grant g join public.staff s on s.user_id = g.user_id
                 where g.user_id = auth.uid() and s.active)
$$;

-- The role a signed-in user's requests run as: administrators gongzhi_admin, district staff
-- gongzhi_district (constant policies), other staff `authenticated`. Decided from the tables, never
-- the client.
create or replace function private.request_role(p_user uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select case when private.admin_capability_of(p_user) is not null then 'gongzhi_admin'
              when exists (select from public.staff s where s.user_id = p_user and s.active and s.role = 'district')
              then 'gongzhi_district' else 'authenticated' end
$$;

-- The sign-in email and last sign-in of every staff member; the system administrator only.
create or replace function private.staff_logins() returns table (user_id uuid, email text, last_sign_in_at timestamptz)
language sql stable security definer set search_path = ''
as $$
  select u.id, u.email::text, u.last_sign_in_at
  from auth.users u join public.staff s on s.user_id = u.id
  where (select private.admin_capability()) = 'system'
$$;

-- Creates the sign-in account of a new staff member and returns its id; the system administrator
-- only. The password arrives hashed: the database never sees it in clear.
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
  return new_id;
end;
$$;

-- Replaces a staff member's password (already hashed) and lifts any lockout; the system
-- administrator only, and never of an administrator's account (the deployer resets those).
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
end;
$$;

-- Active accounts without a sign-in for p_days days (or never signed in and created that long
-- ago), oldest first; the system administrator only. Administrators' accounts are the deployer's
-- and are not listed.
create function private.dormant_accounts(p_days integer)
returns table (user_id uuid, display_name text, email text, role text, org_unit_name text,
               last_sign_in_at timestamptz, created_at timestamptz)
language plpgsql stable security definer set search_path = ''
as $$
begin
  if private.admin_capability() is distinct from 'system' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  return query
    select s.user_id, s.display_name, u.email::text, s.role, o.name, u.last_sign_in_at, s.created_at
    from public.staff s join auth.users u on u.id = s.user_id join public.org_unit o on o.id = s.org_unit_id
    where s.active
      and not exists (select from public.admin_grant g where g.user_id = s.user_id)
      and coalesce(u.last_sign_in_at, s.created_at) < now() - make_interval(days => greatest(p_days, 1))
    order by coalesce(u.last_sign_in_at, s.created_at), s.user_id;
end;
$$;

-- The security log for the audit administrator, newest first: optionally one kind, a time range,
-- the actor (part of a name or email, or an id) and the object (a part of it). Everyone else is
-- refused.
drop function private.security_log_page(text, timestamptz, timestamptz, integer, integer);
create function private.security_log_page(p_kind text, p_from timestamptz, p_to timestamptz,
                                          p_actor text, p_object text, p_limit integer, p_offset integer)
returns table (id bigint, at timestamptz, kind text, actor uuid, actor_name text, client text,
               object text, details jsonb, total bigint)
language plpgsql stable security definer set search_path = ''
as $$
begin
  if private.admin_capability() is distinct from 'audit' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  return query
    select l.id, l.at, l.kind, l.actor, s.display_name, l.client, l.object, l.details, count(*) over ()
    from private.security_log l left join public.staff s on s.user_id = l.actor
    where (p_kind is null or l.kind = p_kind)
      and (p_from is null or l.at >= p_from) and (p_to is null or l.at < p_to)
      and (nullif(btrim(p_actor), '') is null or l.actor::text = btrim(p_actor)
           or l.actor in (select s2.user_id from public.staff s2 join auth.users u on u.id = s2.user_id
                          where strpos(s2.display_name, btrim(p_actor)) > 0
                             or strpos(u.email::text, lower(btrim(p_actor))) > 0))
      and (nullif(btrim(p_object), '') is null or strpos(l.object, btrim(p_object)) > 0)
    order by l.id desc
    limit least(greatest(p_limit, 0), 200) offset greatest(p_offset, 0);
end;
$$;

-- Every entry matching the same filters, oldest first, for an export; the audit administrator only.
create function private.security_log_rows(p_kind text, p_from timestamptz, p_to timestamptz,
                                          p_actor text, p_object text)
returns table (id bigint, at timestamptz, kind text, actor uuid, actor_name text, client text,
               object text, details jsonb)
language plpgsql stable security definer set search_path = ''
as $$
begin
  if private.admin_capability() is distinct from 'audit' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  return query
    select l.id, l.at, l.kind, l.actor, s.display_name, l.client, l.object, l.details
    from private.security_log l left join public.staff s on s.user_id = l.actor
    where (p_kind is null or l.kind = p_kind)
      and (p_from is null or l.at >= p_from) and (p_to is null or l.at < p_to)
      and (nullif(btrim(p_actor), '') is null or l.actor::text = btrim(p_actor)
           or l.actor in (select s2.user_id from public.staff s2 join auth.users u on u.id = s2.user_id
                          where strpos(s2.display_name, btrim(p_actor)) > 0
                             or strpos(u.email::text, lower(btrim(p_actor))) > 0))
      and (nullif(btrim(p_object), '') is null or strpos(l.object, btrim(p_object)) > 0)
    order by l.id;
end;
$$;

-- ---------------------------------------------------------------- triggers
-- One capability per account, said plainly (the primary key is the last word); a capability is
-- granted to district-level staff only, never changed in place (revoke, then grant: both logged),
-- and never by the account itself.
create function private.check_admin_grant() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'gongzhi:admin.capability_fixed' using errcode = 'check_violation';
  end if;
  if new.user_id = auth.uid() then
    raise exception 'gongzhi:admin.not_yourself' using errcode = 'insufficient_privilege';
  end if;
  if exists (select from public.admin_grant g where g.user_id = new.user_id) then
    raise exception 'gongzhi:admin.one_capability' using errcode = 'unique_violation';
  end if;
  if not exists (select from public.staff s where s.user_id = new.user_id and s.role = 'district') then
    raise exception 'gongzhi:admin.district_only' using errcode = 'check_violation';
  end if;
  if exists (select from public.unmask_grant u where u.user_id = new.user_id) then
    raise exception 'gongzhi:admin.unmask_not_for_admins' using errcode = 'check_violation';
  end if;
  new.granted_by := auth.uid();
  new.granted_at := now();
  return new;
end;
$$;

create trigger admin_grant_checked before insert or update on public.admin_grant
  for each row execute function private.check_admin_grant();

-- An unmask grant names active staff who are no administrator (administrators see no personal data),
-- and records who granted it.
create function private.check_unmask_grant() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'gongzhi:admin.capability_fixed' using errcode = 'check_violation';
  end if;
  if exists (select from public.admin_grant g where g.user_id = new.user_id) then
    raise exception 'gongzhi:admin.unmask_not_for_admins' using errcode = 'check_violation';
  end if;
  if not exists (select from public.staff s where s.user_id = new.user_id and s.active) then
    raise exception 'gongzhi:org.account.not_found' using errcode = 'no_data_found';
  end if;
  new.granted_by := auth.uid();
  new.granted_at := now();
  return new;
end;
$$;

create trigger unmask_grant_checked before insert or update on public.unmask_grant
  for each row execute function private.check_unmask_grant();

-- An administrator's account is changed or removed only by the deployer (no signed-in user), so no
-- administrator can take over another's account (their own is protected_own_staff_row's business).
create function private.protect_admin_staff_row() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if auth.uid() is not null and old.user_id is distinct from auth.uid()
     and exists (select from public.admin_grant g where g.user_id = old.user_id) then
    raise exception 'gongzhi:admin.account_protected' using errcode = 'insufficient_privilege';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

create trigger staff_protect_admin before update or delete on public.staff
  for each row execute function private.protect_admin_staff_row();

select private.add_audit('admin_grant');
select private.add_audit('unmask_grant');

-- ---------------------------------------------------------------- row-level security
alter table public.admin_grant enable row level security;
alter table public.unmask_grant enable row level security;

-- Administrators know who the other administrators are (the system administrator's account list,
-- the security administrator's unmask grants, the audit administrator's reading of the logs).
create policy "administrators read the capabilities" on public.admin_grant
  for select to gongzhi_admin using ((select private.admin_capability()) is not null);

create policy "security administrators read the unmask grants" on public.unmask_grant
  for select to gongzhi_admin using ((select private.admin_capability()) = 'security');
create policy "security administrators grant unmasking" on public.unmask_grant
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'security');
create policy "security administrators withdraw unmasking" on public.unmask_grant
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'security');

-- Accounts: plain district staff still read every staff member; only the system administrator
-- writes. Every administrator reads the staff (names in the logs, the grantees of unmasking).
drop policy "district staff add staff" on public.staff;
drop policy "district staff change staff" on public.staff;
drop policy "district staff remove staff" on public.staff;
create policy "administrators read all staff" on public.staff
  for select to gongzhi_admin using ((select private.admin_capability()) is not null);
create policy "system administrators add staff" on public.staff
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators change staff" on public.staff
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove staff" on public.staff
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

-- The org tree.
drop policy "district staff add org units" on public.org_unit;
drop policy "district staff rename org units" on public.org_unit;
drop policy "district staff remove org units" on public.org_unit;
create policy "administrators read the org tree" on public.org_unit
  for select to gongzhi_admin using ((select private.admin_capability()) is not null);
create policy "system administrators add org units" on public.org_unit
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators rename org units" on public.org_unit
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove org units" on public.org_unit
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

-- Departments.
drop policy "district staff add departments" on public.department;
drop policy "district staff change departments" on public.department;
drop policy "district staff remove departments" on public.department;
create policy "administrators read the departments" on public.department
  for select to gongzhi_admin using ((select private.admin_capability()) is not null);
create policy "system administrators add departments" on public.department
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators change departments" on public.department
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove departments" on public.department
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

-- The categories, read by the whistle settings (routing per category); the district keeps them.
create policy "system administrators read categories" on public.category
  for select to gongzhi_admin using ((select private.admin_capability()) = 'system');

-- Whistle settings: routing, time limits, the work calendar.
drop policy "district staff add event routes" on public.event_routing;
drop policy "district staff change event routes" on public.event_routing;
drop policy "district staff remove event routes" on public.event_routing;
create policy "system administrators read the event routing" on public.event_routing
  for select to gongzhi_admin using ((select private.admin_capability()) = 'system');
create policy "system administrators add event routes" on public.event_routing
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators change event routes" on public.event_routing
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove event routes" on public.event_routing
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

drop policy "district staff add event time limits" on public.event_deadline;
drop policy "district staff change event time limits" on public.event_deadline;
drop policy "district staff remove event time limits" on public.event_deadline;
create policy "system administrators read the event time limits" on public.event_deadline
  for select to gongzhi_admin using ((select private.admin_capability()) = 'system');
create policy "system administrators add event time limits" on public.event_deadline
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators change event time limits" on public.event_deadline
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove event time limits" on public.event_deadline
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

drop policy "district staff add calendar days" on public.work_calendar;
drop policy "district staff change calendar days" on public.work_calendar;
drop policy "district staff remove calendar days" on public.work_calendar;
create policy "system administrators read the work calendar" on public.work_calendar
  for select to gongzhi_admin using ((select private.admin_capability()) = 'system');
create policy "system administrators add calendar days" on public.work_calendar
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators change calendar days" on public.work_calendar
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove calendar days" on public.work_calendar
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

-- The security settings: every administrator reads them; the security administrator keeps them.
drop policy "district staff add security settings" on public.security_setting;
drop policy "district staff change security settings" on public.security_setting;
drop policy "district staff remove security settings" on public.security_setting;
create policy "administrators read the security settings" on public.security_setting
  for select to gongzhi_admin using ((select private.admin_capability()) is not null);
create policy "security administrators add security settings" on public.security_setting
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'security');
create policy "security administrators change security settings" on public.security_setting
  for update to gongzhi_admin using ((select private.admin_capability()) = 'security')
  with check ((select private.admin_capability()) = 'security');
create policy "security administrators remove security settings" on public.security_setting
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'security');

-- The row audit: district staff keep the history of the records they work on (the lists'
-- detail pages), not of the administration tables; the audit administrator reads all of it.
drop policy "district staff read the whole audit" on public.audit_log;
create policy "district staff read the audit of the district's records" on public.audit_log
  for select to gongzhi_district
  using (table_name not in ('staff', 'org_unit', 'department', 'event_routing', 'event_deadline',
                            'work_calendar', 'security_setting', 'admin_grant', 'unmask_grant'));
create policy "audit administrators read the whole audit" on public.audit_log
  for select to gongzhi_admin using ((select private.admin_capability()) = 'audit');

-- ---------------------------------------------------------------- grants
-- District staff keep reading what they read; the writes of administration are gone.
revoke insert, update, delete on public.staff, public.org_unit, public.department, public.event_routing,
  public.event_deadline, public.work_calendar, public.security_setting from gongzhi_district;
revoke all on public.admin_grant, public.unmask_grant from anon, authenticated, gongzhi_district, gongzhi_auth;
grant select on public.admin_grant to gongzhi_admin;
grant select, insert, delete on public.unmask_grant to gongzhi_admin;
grant select, insert, update, delete on public.staff, public.org_unit, public.department, public.event_routing,
  public.event_deadline, public.work_calendar to gongzhi_admin;
grant select on public.category, public.audit_log to gongzhi_admin;
grant select, insert, update (value), delete on public.security_setting to gongzhi_admin;
grant usage, select on all sequences in schema public to gongzhi_admin;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.admin_capability(), private.may_unmask() to authenticated, gongzhi_district, gongzhi_admin;
grant execute on function private.admin_capability_of(uuid) to gongzhi_auth;
grant execute on function private.uid(), private.staff_role() to gongzhi_admin;
revoke execute on function private.staff_logins(), private.create_login(text, text),
  private.set_login_password(uuid, text) from gongzhi_district;
grant execute on function private.staff_logins(), private.create_login(text, text),
  private.set_login_password(uuid, text), private.dormant_accounts(integer),
  private.security_log_page(text, timestamptz, timestamptz, text, text, integer, integer),
  private.security_log_rows(text, timestamptz, timestamptz, text, text) to gongzhi_admin;
grant execute on function private.security_log_head(),
  private.security_log_append(bigint, text, text, text, jsonb, text, text) to gongzhi_admin;

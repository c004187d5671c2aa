-- A second factor (两步验证, TOTP as RFC 6238) and the session's assurance level in the database.
--
-- Local accounts (the embedded server, plain PostgreSQL) keep their TOTP secret, the last accepted
-- time-step and their hashed single-use recovery codes in private tables that only the sign-in role
-- (gongzhi_auth) reaches; the portal checks codes in Python (gongzhi.auth.totp, .second_factor),
-- since PostgreSQL here has no HMAC. Hosted Supabase keeps its own factors (Supabase Auth MFA).
--
-- The assurance level travels as the `aal` claim of request.jwt.claims, as Supabase Auth puts it in
-- its access tokens: `aal1` after a password, `aal2` after the second factor. The portal sets it from
-- the browser session (private.staff_session.aal). private.requires_aal2() says whether the current
-- user must have `aal2` (district accounts unless the district turned it off or the deployment is
-- the demo; every account when the district made the second factor mandatory for all), and one
-- RESTRICTIVE policy on every table in public refuses an `aal1` request of such a user: the same
-- policy decides on both backends.

-- ---------------------------------------------------------------- tables
create table private.mfa_factor (
  user_id uuid primary key references auth.users (id) on delete cascade,
  secret text not null check (secret ~ '^[A-Z2-7]{16,128}$'),
  confirmed_at timestamptz,
  last_step bigint,
  created_at timestamptz not null default now()
);
comment on table private.mfa_factor is 'A local account''s TOTP factor: the base32 secret (plain until the personal-data key covers it), when enrolment was confirmed (null while pending) and the last accepted time-step, so a code is accepted once.';

create table private.mfa_recovery_code (
  user_id uuid not null references auth.users (id) on delete cascade,
  code_hash bytea not null check (length(code_hash) = 32),
  used_at timestamptz,
  primary key (user_id, code_hash)
);
comment on table private.mfa_recovery_code is 'Single-use recovery codes of a local account''s second factor: SHA-256 of the user and the code, and when it was used.';

alter table private.staff_session add column aal text not null default 'aal1' check (aal in ('aal1', 'aal2'));
comment on column private.staff_session.aal is 'The session''s assurance level: aal1 after a password, aal2 after the second factor.';

insert into private.security_log_kind (kind) values
  ('mfa_enrol'), ('mfa_remove'), ('mfa_failed'), ('recovery_code_used');

-- ---------------------------------------------------------------- helpers
-- A boolean district security setting (public.security_setting), or its default when unset.
create function private.security_flag(p_key text, p_default boolean) returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce((select case when jsonb_typeof(s.value) = 'boolean' then s.value::boolean end
                   from public.security_setting s where s.key = p_key), p_default)
$$;

-- Whether `p_user` must sign in with a second factor: the one rule, read by the portal too
-- (gongzhi.auth.second_factor.requires_second_factor). Not in demo mode: district accounts while
-- mfa.required_for_district (default on), every account when mfa.optional_for_others is off.
create function private.requires_aal2_of(p_user uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select not private.security_flag('demo_mode', false)
     and exists (select from public.staff s
                 where s.user_id = p_user and s.active
                   and ((s.role = 'district' and private.security_flag('mfa.required_for_district', true))
                        or not private.security_flag('mfa.optional_for_others', true)))
$$;

-- Whether the current user must have the second factor.
create function private.requires_aal2() returns boolean
language sql stable security definer set search_path = ''
as $$ select private.requires_aal2_of(auth.uid()) $$;

-- Whether the current request's assurance is enough for its user.
create function private.aal_ok() returns boolean
language sql stable security definer set search_path = ''
as $$ select not private.requires_aal2() or coalesce(auth.jwt() ->> 'aal', '') = 'aal2' $$;

-- An administrator's reset of another account's second factor (a lost phone): removes the factor
-- and its recovery codes; the account enrols again at its next sign-in when it must have one.
-- Returns whether there was a factor. The caller logs the reset in the same transaction.
create function private.mfa_reset(p_user uuid) returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  v_found boolean;
begin
  if coalesce(private.staff_role(), '') <> 'district' or not private.aal_ok() then
    raise exception 'gongzhi:error.forbidden' using errcode = '42501';
  end if;
  if p_user = auth.uid() then
    raise exception 'gongzhi:mfa.reset_self' using errcode = '42501';
  end if;
  delete from private.mfa_recovery_code where user_id = p_user;
  delete from private.mfa_factor where user_id = p_user;
  v_found := found;
  -- Its sessions were opened with the removed factor: they end too.
  delete from private.staff_session where user_id = p_user;
  return v_found;
end;
$$;

-- ---------------------------------------------------------------- row-level security
-- One restrictive policy per table in public (a new table adds its own;
-- tests/db/test_rls_assurance_level.py checks): whatever the permissive policies allow, a user who
-- must have the second factor gets nothing with an aal1 request. The answer is compared as an
-- integer because the planner takes a boolean of unknown value to hold for half the rows, which
-- halved every row estimate (the list pages' "约 N" counts, join plans); an integer's `<> 0` it
-- takes to hold for nearly all.
create policy "staff present the second factor where the district requires it" on public.application
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.assessment
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.assessment_weight
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.audit_log
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.category
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.demand
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.demand_tally
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.department
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_consult
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_deadline
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_demand
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_department
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_routing
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_timeline
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.event_transition
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.match
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.org_unit
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.post
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.project
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.project_demand
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.project_milestone
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.project_resource
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.provider_record
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.resource
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.resource_tally
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.security_setting
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.service_log
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.signup
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.staff
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.status_transition
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.unit
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.user_setting
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.volunteer
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.work_calendar
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on private.mfa_factor, private.mfa_recovery_code
  from public, anon, authenticated, gongzhi_district, gongzhi_portal;
grant select, insert, update, delete on private.mfa_factor, private.mfa_recovery_code to gongzhi_auth;
grant update (aal) on private.staff_session to gongzhi_auth;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.requires_aal2(), private.aal_ok() to authenticated, gongzhi_district;
grant execute on function private.requires_aal2_of(uuid) to gongzhi_auth;
grant execute on function private.mfa_reset(uuid) to gongzhi_district;

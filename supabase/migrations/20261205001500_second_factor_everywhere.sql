-- The second factor everywhere (issue 25): the administrators (三权分立: system, security and audit
-- administration) must present it as district accounts do, outside demo mode; the one restrictive
-- policy covers every table in public, the administration tables included, and the administrators'
-- role gongzhi_admin; resetting another account's factor is the system administrator's.

-- ---------------------------------------------------------------- the one rule
-- Whether `p_user` must sign in with a second factor (read by the portal too:
-- gongzhi.auth.second_factor.requires_second_factor). Not in demo mode: every administrator (an
-- active account holding a capability in public.admin_grant, whatever the district's settings),
-- district accounts while mfa.required_for_district (default on), every account when
-- mfa.optional_for_others is off.
create or replace function private.requires_aal2_of(p_user uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select not private.security_flag('demo_mode', false)
     and exists (select from public.staff s
                 where s.user_id = p_user and s.active
                   and (exists (select from public.admin_grant g where g.user_id = s.user_id)
                        or (s.role = 'district' and private.security_flag('mfa.required_for_district', true))
                        or not private.security_flag('mfa.optional_for_others', true)))
$$;

-- ---------------------------------------------------------------- the reset
-- The system administrator's reset of another account's second factor (a lost phone): removes the
-- factor and its recovery codes and ends the account's sessions. Returns whether there was a factor.
-- The caller logs the reset in the same transaction.
create or replace function private.mfa_reset(p_user uuid) returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  v_found boolean;
begin
  if private.admin_capability() is distinct from 'system' or not private.aal_ok() then
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
-- The restrictive policy applies to the administrators' role too.
alter policy "staff present the second factor where the district requires it" on public.application
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.assessment
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.assessment_weight
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.audit_log
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.category
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.demand
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.demand_tally
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.department
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_consult
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_deadline
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_demand
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_department
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_routing
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_timeline
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.event_transition
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.match
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.notification
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.notification_log
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.notify_robot
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.org_unit
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.post
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.privacy_notice
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.project
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.project_demand
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.project_milestone
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.project_resource
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.provider_record
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.resource
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.resource_tally
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.security_setting
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.service_log
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.signup
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.staff
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.status_transition
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.subject_request
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.unit
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.user_setting
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.volunteer
  to authenticated, gongzhi_district, gongzhi_admin;
alter policy "staff present the second factor where the district requires it" on public.work_calendar
  to authenticated, gongzhi_district, gongzhi_admin;

-- The administration tables take it like every table in public (a new table adds its own;
-- tests/db/test_rls_assurance_level.py checks).
create policy "staff present the second factor where the district requires it" on public.admin_grant
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.unmask_grant
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- function privileges
grant execute on function private.requires_aal2(), private.aal_ok() to gongzhi_admin;
revoke execute on function private.mfa_reset(uuid) from gongzhi_district;
grant execute on function private.mfa_reset(uuid) to gongzhi_admin;

-- The system administrator writes staff rows: their sealed phone's check constraint calls these
-- (the personal-data migration predates gongzhi_admin).
grant execute on function private.valid_masked(text, text), private.sealed(text, bytea, bytea, text) to gongzhi_admin;

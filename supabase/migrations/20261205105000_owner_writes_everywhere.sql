-- One home for "this write comes from the owner's own connection": migrations, jobs, the demo
-- loader and the key-holding CLI connect as the owner without SET ROLE; every client request runs
-- as an API role the portal (or PostgREST) set. `private.is_system()` asked `current_user`, which
-- inside any security definer function is the owner, so a write a client made through a definer
-- function passed every guard that asked it; `private.owner_writes()` read the role set for the
-- request but named four API roles and trusted every other one; other guards took "no signed-in
-- user" or "no request claims" for the owner. One rule now names the owner instead of listing the
-- roles that are not, and every one of those guards calls it. Writes the database derives in its
-- own triggers (a consult moving its event, a reopening counted on the lead department, a match
-- booking capacity) pass the guards' "who may" checks through `private.written_by_trigger()`,
-- never their stamps.

-- ---------------------------------------------------------------- helpers
-- Whether the statement comes from the owner's own connection rather than from a client role. The
-- role a request runs as is the one SET ROLE chose (the portal, PostgREST, the tests), or the login
-- when none was chosen; a security definer function changes neither, unlike `current_user`. A role
-- that is not the owner (nor holds its rights) is a client, whatever its name.
create or replace function private.owner_writes() returns boolean
language sql stable set search_path = ''
as $$
  select pg_catalog.pg_has_role(
    coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user),
    (select n.nspowner from pg_catalog.pg_namespace n where n.nspname = 'private'),
    'USAGE')
$$;

-- Whether the row is written by one of the database's own triggers, fired by a statement whose own
-- row the guards already checked (a trigger nested in a trigger): such a write was decided by the
-- database, so the guard skips its "who may" checks, but still stamps what it stamps.
create or replace function private.written_by_trigger() returns boolean
language sql stable set search_path = ''
as $$ select pg_catalog.pg_trigger_depth() > 1 $$;

-- ---------------------------------------------------------------- triggers
-- Before an event is written: checks the grid, the departments summoned, the lead, the step machine
-- and who moves it; computes the next deadline; protects what a client may not change. An open
-- event past its deadline may be marked escalated once, at a time not after now
-- (`private.escalate_overdue`, which staff call too).
create or replace function private.guard_event() returns trigger
language plpgsql set search_path = ''
as $$
declare
  system boolean := private.owner_writes();
  derived boolean := private.written_by_trigger();
  my_role text := private.staff_role();
  my_department bigint := private.department_id();
  actor text;
  unit_kind text;
  found_count integer;
  dl record;
begin
  -- departments: distinct, existing and active
  new.departments := array(select x from unnest(new.departments) with ordinality as u(x, n)
                           where x is not null group by x order by min(n));
  if tg_op = 'INSERT' or new.departments is distinct from old.departments then
    select count(*) into found_count from public.department d where d.id = any (new.departments) and d.active;
    if found_count <> cardinality(new.departments) then
      raise exception 'gongzhi:whistle.unknown_department';
    end if;
  end if;

  if tg_op = 'INSERT' then
    select kind into unit_kind from public.org_unit where id = new.org_unit_id;
    if unit_kind is distinct from 'grid' then
      raise exception 'gongzhi:whistle.not_a_grid';
    end if;
    if not system then
      if coalesce(my_role, '') not in ('grid', 'community', 'street') then
        raise exception 'gongzhi:whistle.not_entitled';
      end if;
      new.created_at := now();
      new.created_by := private.uid();
      new.escalated_at := null;
      new.reopen_count := 0;
    end if;
    new.step_at := new.created_at;
    if new.step <> 'whistle' then
      raise exception 'gongzhi:whistle.invalid_step';
    end if;
    new.lead_department_id := coalesce(new.lead_department_id, new.departments[1]);
    if not new.lead_department_id = any (new.departments) then
      raise exception 'gongzhi:whistle.lead_not_summoned';
    end if;
    new.satisfaction := null; new.implement_note := null; new.feedback_note := null; new.closed_at := null;
    select e.id into new.repeat_of from public.event e
    where e.category_id = new.category_id and e.address_key = regexp_replace(lower(new.address), '\s+', '', 'g')
      and e.created_at between new.created_at - interval '90 days' and new.created_at
    order by e.created_at desc limit 1;
    select * into dl from private.step_deadline(new.urgency, 'report', new.step_at);
    new.deadline := dl.deadline;
    new.yellow_at := dl.yellow_at;
    return new;
  end if;

  -- UPDATE: what nobody but the system changes
  if not system and (new.org_unit_id, new.category_id, new.title, new.description, new.address, new.urgency,
                     new.created_by, new.created_at, new.repeat_of, new.reopen_count)
                    is distinct from
                    (old.org_unit_id, old.category_id, old.title, old.description, old.address, old.urgency,
                     old.created_by, old.created_at, old.repeat_of, old.reopen_count) then
    raise exception 'gongzhi:whistle.immutable';
  end if;
  if not system and new.escalated_at is distinct from old.escalated_at
     and not (old.escalated_at is null and old.closed_at is null
              and new.escalated_at > old.deadline and new.escalated_at <= now()) then
    raise exception 'gongzhi:whistle.immutable';
  end if;
  if not (old.departments <@ new.departments) then
    raise exception 'gongzhi:whistle.cannot_unsummon';
  end if;
  if not system and new.departments is distinct from old.departments
     and my_role = 'department' and my_department is distinct from old.lead_department_id then
    raise exception 'gongzhi:whistle.only_lead';
  end if;
  if new.lead_department_id is distinct from old.lead_department_id then
    if not system and coalesce(my_role, '') <> 'district' and my_department is distinct from old.lead_department_id then
      raise exception 'gongzhi:whistle.only_lead';
    end if;
    if new.lead_department_id is null then
      raise exception 'gongzhi:whistle.lead_not_summoned';
    end if;
    if not new.lead_department_id = any (new.departments) then
      new.departments := new.departments || new.lead_department_id;
    end if;
  end if;

  if new.step = old.step then
    if not system and (new.step_at, new.deadline, new.yellow_at, new.closed_at, new.satisfaction,
                       new.implement_note, new.feedback_note, new.evaluate_note)
                      is distinct from
                      (old.step_at, old.deadline, old.yellow_at, old.closed_at, old.satisfaction,
                       old.implement_note, old.feedback_note, old.evaluate_note) then
      raise exception 'gongzhi:whistle.immutable';
    end if;
    return new;
  end if;

  -- a step change: allowed, and by whom (a move the database derives in its own trigger was
  -- allowed when the row that caused it was written)
  select t.actor into actor from public.event_transition t where t.from_step = old.step and t.to_step = new.step;
  if actor is null then
    raise exception 'gongzhi:whistle.invalid_step' using
      detail = format('%s -> %s', old.step, new.step);
  end if;
  if not system and not derived and not coalesce((case actor
        when 'territory' then my_role in ('grid', 'community', 'street')
        when 'department' then my_role = 'department' and my_department = any (old.departments)
        when 'lead' then my_role = 'department' and my_department = old.lead_department_id
      end), false) then
    raise exception 'gongzhi:whistle.not_entitled';
  end if;
  if not system or new.step_at is not distinct from old.step_at then
    new.step_at := now();
  end if;
  if new.step = 'implement' and coalesce(btrim(new.implement_note), '') = '' then
    raise exception 'gongzhi:whistle.note_required';
  end if;
  if new.step = 'feedback' and coalesce(btrim(new.feedback_note), '') = '' then
    raise exception 'gongzhi:whistle.note_required';
  end if;
  if new.step = 'evaluate' then
    if new.satisfaction is null then
      raise exception 'gongzhi:whistle.score_required';
    end if;
    new.closed_at := new.step_at;
    new.deadline := null;
    new.yellow_at := null;
    return new;
  end if;
  if old.step = 'feedback' and new.step = 'consult' then
    new.reopen_count := old.reopen_count + 1;
  end if;
  new.satisfaction := null;
  new.closed_at := null;
  select * into dl from private.step_deadline(new.urgency, private.next_step(new.step), new.step_at);
  new.deadline := dl.deadline;
  new.yellow_at := dl.yellow_at;
  return new;
end;
$$;

-- A department's row: only its report may change, once, and only by that department; the event's
-- own trigger counts a reopening on the lead department (`not_fixed`), and nothing else.
create or replace function private.guard_event_department() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if private.owner_writes() or private.staff_role() = 'district' then
    return new;
  end if;
  if private.written_by_trigger() and new.not_fixed = old.not_fixed + 1
     and (new.event_id, new.department_id, new.terr, new.summoned_at, new.report_deadline, new.reported_at,
          new.report_note)
         is not distinct from (old.event_id, old.department_id, old.terr, old.summoned_at, old.report_deadline,
                               old.reported_at, old.report_note) then
    return new;
  end if;
  if (new.event_id, new.department_id, new.terr, new.summoned_at, new.report_deadline, new.not_fixed)
     is distinct from (old.event_id, old.department_id, old.terr, old.summoned_at, old.report_deadline, old.not_fixed)
     or coalesce(private.staff_role(), '') <> 'department' then
    raise exception 'gongzhi:whistle.not_entitled';
  end if;
  if old.reported_at is not null then
    raise exception 'gongzhi:whistle.already_reported';
  end if;
  if new.reported_at is not null then
    new.reported_at := now();
  end if;
  return new;
end;
$$;

-- A consult record: its author's department, allowed only once every summoned department reported.
create or replace function private.guard_consult() returns trigger
language plpgsql set search_path = ''
as $$
declare
  s text;
begin
  select e.step, e.terr into s, new.terr from public.event e where e.id = new.event_id;
  if s is null then
    raise exception 'gongzhi:error.reference';
  end if;
  if s not in ('report', 'consult') then
    raise exception 'gongzhi:whistle.consult_not_now';
  end if;
  if not private.owner_writes() then
    new.department_id := private.department_id();
    new.created_by := private.uid();
    new.created_at := now();
  end if;
  return new;
end;
$$;

-- A resource's `allocated` is written only by the match triggers (`private.book_capacity`) and the
-- owner's connection.
create or replace function private.allocated_by_matches() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if not (private.owner_writes() or private.written_by_trigger()) then
    raise exception 'gongzhi:resource.allocated_by_matches' using errcode = 'insufficient_privilege';
  end if;
  return new;
end;
$$;

-- The same rule, spelled "no signed-in user" or "no request claims": an API role without a user
-- (the sign-in role, the public forms, anon) is a client too.

-- created_by is the signed-in user on insert and never changes afterwards, except from the owner's
-- connection.
create or replace function private.stamp_created_by() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if private.owner_writes() then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.created_by := auth.uid();
  else
    new.created_by := old.created_by;
  end if;
  return new;
end;
$$;

-- Demo mode: a client may turn it off, never on (the demo loader, from the owner's connection, turns
-- it on). Once it is off or gone, every account still on the demo password must change it.
create or replace function private.guard_demo_mode() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op <> 'DELETE' and new.key = 'demo_mode' and new.value = 'true'::jsonb and not private.owner_writes() then
    raise exception 'gongzhi:security_setting.demo_on' using errcode = 'check_violation';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

-- An administrator's account is changed or removed only by the deployer (the owner's connection), so
-- no administrator can take over another's account (their own is protected_own_staff_row's business).
create or replace function private.protect_admin_staff_row() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if not private.owner_writes() and old.user_id is distinct from auth.uid()
     and exists (select from public.admin_grant g where g.user_id = old.user_id) then
    raise exception 'gongzhi:admin.account_protected' using errcode = 'insufficient_privilege';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

-- Demo mode goes off when a district loads its own org tree (the system administrator's job) or on
-- the security settings page (the security administrator's), and from the owner's connection (the
-- command line). True when demo mode was on.
create or replace function private.end_demo_mode() returns boolean
language plpgsql security definer set search_path = ''
as $$
begin
  if not private.owner_writes() and coalesce(private.admin_capability(), '') not in ('system', 'security') then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  update public.security_setting set value = 'false'::jsonb, updated_by = auth.uid(), updated_at = now()
  where key = 'demo_mode' and value = 'true'::jsonb;
  return found;
end;
$$;

-- Flags open events whose step deadline passed by `clock_at` (the real clock for every client, so
-- nobody escalates the future; the owner's jobs and tests may pass their own), and records it in
-- their timelines: the street sees them flagged.
create or replace function private.escalate_overdue(clock_at timestamptz) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  n integer;
  clock timestamptz := case when private.owner_writes() then clock_at else least(clock_at, now()) end;
begin
  with flagged as (
    update public.event e set escalated_at = clock
    where e.closed_at is null and e.escalated_at is null and e.deadline < clock
    returning e.id, e.terr, e.step
  ), logged as (
    insert into public.event_timeline (event_id, terr, at, kind, step)
    select id, terr, clock, 'escalate', step from flagged returning 1
  )
  select count(*) into n from logged;
  return n;
end;
$$;

-- The retired name: every guard now asks private.owner_writes().
drop function private.is_system();

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.owner_writes(), private.written_by_trigger()
  to authenticated, gongzhi_district, gongzhi_admin;

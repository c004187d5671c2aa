-- Whistle and report (吹哨报到), part 2: the events a grid escalates to departments, and the six
-- steps whistle → report → consult → implement → feedback → evaluate, with each event's timeline.
--
-- Who may move an event is decided here for every client: public.event_transition names, for each
-- allowed step change, who is entitled to it (the event's territory staff, any summoned department,
-- or the lead department), and private.guard_event() refuses the rest. Moves the database derives
-- itself (all departments reported → report; first consult → consult) run as the owner.
-- Department staff see only the events summoned to their department.

-- ---------------------------------------------------------------- reference tables
-- Which departments a category of event summons by default (a suggestion the whistler may change).
create table public.event_routing (
  category_id bigint not null references public.category (id) on delete cascade,
  department_id bigint not null references public.department (id) on delete cascade,
  position integer not null default 0,
  primary key (category_id, department_id)
);
comment on table public.event_routing is 'Routing: category → the departments an event of that category summons, first one leads.';

-- The step machine: from → to, and who may make the move.
create table public.event_transition (
  from_step text,
  to_step text not null,
  actor text not null check (actor in ('territory', 'department', 'lead')),
  unique nulls not distinct (from_step, to_step)
);
comment on table public.event_transition is 'Allowed step changes of an event and who is entitled to each; enforced by private.guard_event.';

insert into public.event_transition (from_step, to_step, actor) values
  (null, 'whistle', 'territory'),
  ('whistle', 'report', 'department'),
  ('report', 'consult', 'department'),
  ('consult', 'implement', 'lead'),
  ('implement', 'feedback', 'lead'),
  ('feedback', 'evaluate', 'territory'),
  ('feedback', 'consult', 'territory');

-- ---------------------------------------------------------------- events
create table public.event (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  category_id bigint not null references public.category (id),
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  address text not null check (length(btrim(address)) between 1 and 200),
  address_key text generated always as (regexp_replace(lower(address), '\s+', '', 'g')) stored,
  urgency text not null default 'normal' check (urgency in ('normal', 'urgent')),
  departments bigint[] not null check (cardinality(departments) between 1 and 20),
  lead_department_id bigint references public.department (id),
  step text not null default 'whistle'
    check (step in ('whistle', 'report', 'consult', 'implement', 'feedback', 'evaluate')),
  step_at timestamptz not null default now(),
  deadline timestamptz,
  yellow_at timestamptz,
  escalated_at timestamptz,
  repeat_of bigint references public.event (id) on delete set null,
  reopen_count integer not null default 0 check (reopen_count >= 0),
  implement_note text check (length(implement_note) <= 2000),
  feedback_note text check (length(feedback_note) <= 2000),
  satisfaction smallint check (satisfaction between 1 and 5),
  evaluate_note text check (length(evaluate_note) <= 2000),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  closed_at timestamptz,
  check ((step = 'evaluate') = (closed_at is not null)),
  check (step <> 'evaluate' or satisfaction is not null)
) with (fillfactor = 90);
comment on table public.event is '吹哨事件: an issue a grid escalates to departments; step is the last step reached, deadline/yellow_at those of the next.';

-- Each summoned department: its report deadline, when it reported, and the "not fixed" count against it.
create table public.event_department (
  event_id bigint not null references public.event (id) on delete cascade,
  department_id bigint not null references public.department (id),
  terr bigint not null default 0,
  summoned_at timestamptz not null default now(),
  report_deadline timestamptz,
  reported_at timestamptz,
  report_note text not null default '' check (length(report_note) <= 2000),
  not_fixed integer not null default 0 check (not_fixed >= 0),
  primary key (event_id, department_id)
);
comment on table public.event_department is 'A department summoned to an event (报到): deadline, report, and reopenings counted against it.';

create table public.event_consult (
  id bigint generated always as identity primary key,
  event_id bigint not null references public.event (id) on delete cascade,
  terr bigint not null default 0,
  department_id bigint references public.department (id),
  attendees text not null check (length(btrim(attendees)) between 1 and 500),
  decision text not null check (length(btrim(decision)) between 1 and 2000),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now()
);
comment on table public.event_consult is '会商: who met about an event and what they decided.';

create table public.event_timeline (
  id bigint generated always as identity primary key,
  event_id bigint not null references public.event (id) on delete cascade,
  terr bigint not null default 0,
  at timestamptz not null default now(),
  kind text not null check (kind in ('whistle', 'summon', 'report', 'step', 'consult', 'implement', 'feedback',
                                     'evaluate', 'reopen', 'hand_on', 'escalate')),
  step text not null,
  department_id bigint references public.department (id),
  actor uuid references auth.users (id) on delete set null,
  note text not null default ''
);
comment on table public.event_timeline is 'Every step change of an event, timestamped; written only by triggers.';

-- Demands an event came from (source) or gave rise to (spawned).
create table public.event_demand (
  event_id bigint not null references public.event (id) on delete cascade,
  demand_id bigint not null references public.demand (id) on delete cascade,
  terr bigint not null default 0,
  relation text not null check (relation in ('source', 'spawned')),
  primary key (event_id, demand_id)
);
comment on table public.event_demand is 'Links between events and demands: the demand escalated into the event, or demands the event spawned.';

-- ---------------------------------------------------------------- indexes
create index event_routing_department_id_idx on public.event_routing (department_id);
create index event_terr_idx on public.event (terr, id);
create index event_departments_idx on public.event using gin (departments);
create index event_org_unit_id_idx on public.event (org_unit_id);
create index event_category_id_idx on public.event (category_id, address_key, created_at);
create index event_lead_department_id_idx on public.event (lead_department_id);
create index event_repeat_of_idx on public.event (repeat_of);
create index event_created_by_idx on public.event (created_by);
create index event_created_at_idx on public.event (created_at);
create index event_department_department_id_idx on public.event_department (department_id, event_id);
create index event_department_terr_idx on public.event_department (terr);
create index event_consult_event_id_idx on public.event_consult (event_id);
create index event_consult_terr_idx on public.event_consult (terr);
create index event_consult_department_id_idx on public.event_consult (department_id);
create index event_consult_created_by_idx on public.event_consult (created_by);
create index event_timeline_event_id_idx on public.event_timeline (event_id, at);
create index event_timeline_terr_idx on public.event_timeline (terr);
create index event_timeline_department_id_idx on public.event_timeline (department_id);
create index event_timeline_actor_idx on public.event_timeline (actor);
create index event_demand_demand_id_idx on public.event_demand (demand_id);
create index event_demand_terr_idx on public.event_demand (terr);

-- ---------------------------------------------------------------- helpers
-- True when the calling role is the owner or a service (seeding, derived moves), not a client role.
create function private.is_system() returns boolean
language sql stable set search_path = ''
as $$ select current_user not in ('authenticated', 'anon', 'gongzhi_district') $$;

-- ---------------------------------------------------------------- triggers
-- Before an event is written: checks the grid, the departments summoned, the lead, the step machine
-- and who moves it; computes the next deadline; protects what a client may not change.
-- Runs as the caller (security invoker), so that current_user tells a client from the system.
create function private.guard_event() returns trigger
language plpgsql set search_path = ''
as $$
declare
  system boolean := private.is_system();
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
                     new.created_by, new.created_at, new.repeat_of, new.escalated_at, new.reopen_count)
                    is distinct from
                    (old.org_unit_id, old.category_id, old.title, old.description, old.address, old.urgency,
                     old.created_by, old.created_at, old.repeat_of, old.escalated_at, old.reopen_count) then
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

  -- a step change: allowed, and by whom
  select t.actor into actor from public.event_transition t where t.from_step = old.step and t.to_step = new.step;
  if actor is null then
    raise exception 'gongzhi:whistle.invalid_step' using
      detail = format('%s -> %s', old.step, new.step);
  end if;
  if not system and not coalesce((case actor
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

-- After an event is written: summons the departments (report deadlines), counts a reopening against
-- the lead department, and writes the timeline.
create function private.event_written() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  kind text;
  note text := '';
begin
  if tg_op = 'INSERT' then
    insert into public.event_department (event_id, department_id, terr, summoned_at, report_deadline)
    select new.id, d, new.terr, new.step_at, new.deadline from unnest(new.departments) d;
    insert into public.event_timeline (event_id, terr, at, kind, step, actor, note)
    values (new.id, new.terr, new.step_at, 'whistle', 'whistle', private.uid(), new.title);
    return null;
  end if;
  if new.departments is distinct from old.departments then
    insert into public.event_department (event_id, department_id, terr, summoned_at, report_deadline)
    select new.id, d, new.terr, now(), (select x.deadline from private.step_deadline(new.urgency, 'report', now()) x)
    from unnest(new.departments) d where not d = any (old.departments)
    on conflict do nothing;
    insert into public.event_timeline (event_id, terr, kind, step, department_id, actor, note)
    select new.id, new.terr, 'summon', new.step, d, private.uid(), ''
    from unnest(new.departments) d where not d = any (old.departments);
  end if;
  if new.lead_department_id is distinct from old.lead_department_id then
    insert into public.event_timeline (event_id, terr, kind, step, department_id, actor, note)
    values (new.id, new.terr, 'hand_on', new.step, new.lead_department_id, private.uid(), '');
  end if;
  if new.step <> old.step then
    kind := case when old.step = 'feedback' and new.step = 'consult' then 'reopen'
                 when new.step in ('implement', 'feedback', 'evaluate') then new.step else 'step' end;
    note := coalesce(case new.step when 'implement' then new.implement_note when 'feedback' then new.feedback_note
                                   when 'evaluate' then new.satisfaction || '/5 ' || coalesce(new.evaluate_note, '')
                                   when 'consult' then new.evaluate_note end, '');
    insert into public.event_timeline (event_id, terr, at, kind, step, department_id, actor, note)
    values (new.id, new.terr, new.step_at, kind, new.step,
            coalesce(private.department_id(), case when kind in ('implement', 'feedback') then new.lead_department_id end),
            private.uid(), note);
    if kind = 'reopen' then
      update public.event_department set not_fixed = not_fixed + 1
      where event_id = new.id and department_id = new.lead_department_id;
    end if;
  end if;
  return null;
end;
$$;

-- A department's row: only its report may change, once, and only by that department.
create function private.guard_event_department() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if private.is_system() or private.staff_role() = 'district' then
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

-- When a department reports: the timeline, and the event reaches "report" once all have reported.
create function private.department_reported() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.reported_at is null or old.reported_at is not null then
    return null;
  end if;
  insert into public.event_timeline (event_id, terr, at, kind, step, department_id, actor, note)
  select new.event_id, new.terr, new.reported_at, 'report', e.step, new.department_id, private.uid(), new.report_note
  from public.event e where e.id = new.event_id;
  update public.event e set step = 'report', step_at = new.reported_at
  where e.id = new.event_id and e.step = 'whistle'
    and not exists (select from public.event_department x where x.event_id = new.event_id and x.reported_at is null);
  return null;
end;
$$;

-- A consult record: its author's department, allowed only once every summoned department reported.
create function private.guard_consult() returns trigger
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
  if not private.is_system() then
    new.department_id := private.department_id();
    new.created_by := private.uid();
    new.created_at := now();
  end if;
  return new;
end;
$$;

-- After a consult record: the timeline, and the event reaches "consult".
create function private.consult_written() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.event_timeline (event_id, terr, at, kind, step, department_id, actor, note)
  values (new.event_id, new.terr, new.created_at, 'consult', 'consult', new.department_id, new.created_by,
          new.decision);
  update public.event set step = 'consult', step_at = new.created_at where id = new.event_id and step = 'report';
  return null;
end;
$$;

create trigger event_1_territory before insert or update of org_unit_id on public.event
  for each row execute function private.set_territory();
create trigger event_2_guard before insert or update on public.event
  for each row execute function private.guard_event();
create trigger event_written after insert or update on public.event
  for each row execute function private.event_written();
create trigger event_department_guard before update on public.event_department
  for each row execute function private.guard_event_department();
create trigger event_department_reported after update of reported_at on public.event_department
  for each row execute function private.department_reported();
create trigger event_consult_guard before insert on public.event_consult
  for each row execute function private.guard_consult();
create trigger event_consult_written after insert on public.event_consult
  for each row execute function private.consult_written();
create trigger event_demand_territory before insert or update of event_id on public.event_demand
  for each row execute function private.inherit_territory('event', 'event_id');

select private.add_audit('event');
select private.add_audit('event_consult');

-- ---------------------------------------------------------------- row-level security
alter table public.event_routing enable row level security;
alter table public.event_transition enable row level security;
alter table public.event enable row level security;
alter table public.event_department enable row level security;
alter table public.event_consult enable row level security;
alter table public.event_timeline enable row level security;
alter table public.event_demand enable row level security;

-- Reference tables: every staff member reads them; the district maintains the routing (the step
-- machine is fixed).
create policy "staff read the event routing" on public.event_routing
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the event routing" on public.event_routing
  for select to gongzhi_district using (true);
create policy "district staff add event routes" on public.event_routing
  for insert to gongzhi_district with check (true);
create policy "district staff change event routes" on public.event_routing
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove event routes" on public.event_routing
  for delete to gongzhi_district using (true);

create policy "staff read the event step machine" on public.event_transition
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the event step machine" on public.event_transition
  for select to gongzhi_district using (true);

-- Events: the territory that whistled (and the levels above it), and the departments summoned.
create policy "staff read events of their territory" on public.event
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments read the events they are summoned to" on public.event
  for select to authenticated
  using (departments @> array[(select private.department_id())]);
create policy "staff whistle events in their territory" on public.event
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff move events of their territory" on public.event
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments move the events they are summoned to" on public.event
  for update to authenticated
  using (departments @> array[(select private.department_id())])
  with check (departments @> array[(select private.department_id())]);

-- A department's own rows, and every row of the events of one's territory.
create policy "staff read the departments summoned in their territory" on public.event_department
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments read their own summons" on public.event_department
  for select to authenticated
  using (department_id = (select private.department_id()));
create policy "departments report on their own summons" on public.event_department
  for update to authenticated
  using (department_id = (select private.department_id()))
  with check (department_id = (select private.department_id()));

-- Rows that belong to an event follow it: the territory, and the departments summoned to it.
create policy "staff read consults of their territory" on public.event_consult
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments read consults of their events" on public.event_consult
  for select to authenticated
  using (event_id in (select ed.event_id from public.event_department ed
                      where ed.department_id = (select private.department_id())));
create policy "staff record consults of their territory" on public.event_consult
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments record consults of their events" on public.event_consult
  for insert to authenticated
  with check (event_id in (select ed.event_id from public.event_department ed
                           where ed.department_id = (select private.department_id())));

create policy "staff read timelines of their territory" on public.event_timeline
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments read timelines of their events" on public.event_timeline
  for select to authenticated
  using (event_id in (select ed.event_id from public.event_department ed
                      where ed.department_id = (select private.department_id())));

create policy "staff read demand links of their territory" on public.event_demand
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff link demands they see to events of their territory" on public.event_demand
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.demand d where d.id = demand_id));

-- District staff: the whole district, one constant policy per table and action.
create policy "district staff read all events" on public.event
  for select to gongzhi_district using (true);
create policy "district staff whistle events" on public.event
  for insert to gongzhi_district with check (true);
create policy "district staff change events" on public.event
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove events" on public.event
  for delete to gongzhi_district using (true);

create policy "district staff read all summons" on public.event_department
  for select to gongzhi_district using (true);
create policy "district staff add summons" on public.event_department
  for insert to gongzhi_district with check (true);
create policy "district staff change summons" on public.event_department
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove summons" on public.event_department
  for delete to gongzhi_district using (true);

create policy "district staff read all consults" on public.event_consult
  for select to gongzhi_district using (true);
create policy "district staff record consults" on public.event_consult
  for insert to gongzhi_district with check (true);
create policy "district staff change consults" on public.event_consult
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove consults" on public.event_consult
  for delete to gongzhi_district using (true);

create policy "district staff read every timeline" on public.event_timeline
  for select to gongzhi_district using (true);

create policy "district staff read all demand links of events" on public.event_demand
  for select to gongzhi_district using (true);
create policy "district staff link demands to events" on public.event_demand
  for insert to gongzhi_district with check (true);
create policy "district staff change demand links of events" on public.event_demand
  for update to gongzhi_district using (true) with check (true);
create policy "district staff unlink demands from events" on public.event_demand
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
revoke insert, update, delete, truncate on public.event_timeline from anon, authenticated, gongzhi_district;
revoke insert, update, delete, truncate on public.event_transition from anon, authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.is_system() to authenticated, gongzhi_district;

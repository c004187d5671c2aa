-- 平战结合: the war-time mode (issue 20). The district, or a street for its own territory, declares
-- an emergency; within it temporary organisations per 小区 (grid), task types, shifts at 小区 and
-- 楼栋 (grid and building), a call-up of registered members to those shifts, check-in and
-- check-out, and open requests such as medicine deliveries.
--
-- Invariants held here for every client:
--   * only the district and street staff declare, at their own unit; staff see an emergency declared
--     over their territory or within it (the declaring level and below), never another street's;
--   * every place of an emergency lies inside its territory; an ended emergency is a closed record:
--     nothing in it is added or changed, and nothing is ever deleted;
--   * a person is never called up to two shifts whose times overlap (exclusion constraint), and a
--     shift never holds more people than its capacity (checked on the locked shift row);
--   * checking out of a shift writes the hours into the volunteer's service record (服务纪实);
--   * ending the emergency cancels the shifts not begun, checks out those on duty and closes the
--     temporary organisations: everyone is back to their peace-time roles, the record kept.

-- ---------------------------------------------------------------- tables
create table public.emergency (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 100),
  kind text not null check (kind in ('epidemic', 'flood', 'fire', 'earthquake', 'other')),
  status text not null default 'active' check (status in ('active', 'ended')),
  summary text not null default '' check (length(summary) <= 2000),
  declared_at timestamptz not null default now(),
  ended_at timestamptz,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  check ((status = 'ended') = (ended_at is not null))
);
comment on table public.emergency is '平战结合: an emergency declared by the district or a street over its territory (org_unit_id); ended, it is kept as a record.';
comment on column public.emergency.ended_at is 'Computed by private.check_emergency when the status moves to ended.';

create table public.emergency_task (
  id bigint generated always as identity primary key,
  emergency_id bigint not null references public.emergency (id),
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 50),
  skills text[] not null default '{}' check (cardinality(skills) <= 10),
  created_at timestamptz not null default now(),
  unique (emergency_id, name)
);
comment on table public.emergency_task is '战时任务类型 (采样扫码、送菜送药、值守、宣传 …) of one emergency; skills are the category codes of volunteers suited to it. Territory of the emergency.';

create table public.emergency_org (
  id bigint generated always as identity primary key,
  emergency_id bigint not null references public.emergency (id),
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 100),
  head_volunteer_id bigint references public.volunteer (id),
  created_at timestamptz not null default now(),
  ended_at timestamptz,
  unique (emergency_id, org_unit_id)
);
comment on table public.emergency_org is '小区临时党支部: the temporary organisation of one 小区 (grid) in an emergency; its head is a registered member living there.';
comment on column public.emergency_org.ended_at is 'Computed by private.end_emergency when the emergency ends.';

create table public.shift (
  id bigint generated always as identity primary key,
  emergency_id bigint not null references public.emergency (id),
  task_id bigint not null references public.emergency_task (id),
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  during tstzrange generated always as (tstzrange(starts_at, ends_at)) stored,
  capacity integer not null check (capacity between 1 and 50),
  created_at timestamptz not null default now(),
  check (ends_at > starts_at and ends_at <= starts_at + interval '24 hours')
);
comment on table public.shift is '班次: a task at a 小区 or 楼栋 (grid or building) over a time, for capacity people.';

create table public.callup (
  id bigint generated always as identity primary key,
  shift_id bigint not null references public.shift (id),
  emergency_id bigint,
  volunteer_id bigint not null references public.volunteer (id),
  terr bigint not null default 0,
  during tstzrange,
  status text not null default 'assigned' check (status in ('assigned', 'on_duty', 'done', 'cancelled')),
  checked_in_at timestamptz,
  checked_out_at timestamptz,
  hours numeric(5, 2),
  service_log_id bigint references public.service_log (id),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint callup_no_double_booking exclude using gist (volunteer_id with =, during with &&)
    where (status <> 'cancelled')
);
comment on table public.callup is '战时调度: a person called up to a shift; during and emergency_id are the shift''s. Territory of the shift.';
comment on column public.callup.during is 'Computed by private.check_callup: the shift''s time, for the overlap rule.';
comment on column public.callup.emergency_id is 'Computed by private.check_callup: the shift''s emergency.';
comment on column public.callup.hours is 'Computed by private.check_callup at check-out: the hours on duty, written to the service record.';
comment on column public.callup.service_log_id is 'Computed by private.check_callup at check-out: the service record of the hours.';

create table public.emergency_request (
  id bigint generated always as identity primary key,
  emergency_id bigint not null references public.emergency (id),
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('medicine', 'food', 'care', 'other')),
  detail text not null check (length(btrim(detail)) between 1 and 200),
  due_at timestamptz not null,
  status text not null default 'open' check (status in ('open', 'done', 'cancelled')),
  done_at timestamptz,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now()
);
comment on table public.emergency_request is '战时诉求: an open request at a 小区 or 楼栋 (送药、送菜 …) with its due time; detail holds no name or phone.';
comment on column public.emergency_request.done_at is 'Computed by private.check_emergency_request when the request is done or cancelled.';

-- ---------------------------------------------------------------- indexes
create index emergency_terr_idx on public.emergency (terr, id);
create index emergency_org_unit_id_idx on public.emergency (org_unit_id);
create index emergency_created_by_idx on public.emergency (created_by);
create index emergency_task_emergency_id_idx on public.emergency_task (emergency_id);
create index emergency_task_terr_idx on public.emergency_task (terr);
create index emergency_org_terr_idx on public.emergency_org (terr);
create index emergency_org_org_unit_id_idx on public.emergency_org (org_unit_id);
create index emergency_org_head_volunteer_id_idx on public.emergency_org (head_volunteer_id);
create index shift_emergency_terr_idx on public.shift (emergency_id, terr, starts_at);
create index shift_terr_idx on public.shift (terr);
create index shift_task_id_idx on public.shift (task_id);
create index shift_org_unit_id_idx on public.shift (org_unit_id);
create index callup_shift_id_idx on public.callup (shift_id, status);
create index callup_emergency_id_idx on public.callup (emergency_id, terr) where status in ('assigned', 'on_duty');
create index callup_volunteer_id_idx on public.callup (volunteer_id);
create index callup_terr_idx on public.callup (terr);
create index callup_service_log_id_idx on public.callup (service_log_id);
create index callup_created_by_idx on public.callup (created_by);
create index emergency_request_emergency_terr_idx on public.emergency_request (emergency_id, terr) where status = 'open';
create index emergency_request_terr_idx on public.emergency_request (terr);
create index emergency_request_org_unit_id_idx on public.emergency_request (org_unit_id);
create index emergency_request_created_by_idx on public.emergency_request (created_by);

-- ---------------------------------------------------------------- helpers
-- The status machines of this feature (its own, so that public.status_transition stays the lists'):
-- a refused move raises gongzhi:status.invalid_transition, as private.check_status does
create function private.emergency_move(p_entity text, p_from text, p_to text) returns void
language plpgsql immutable set search_path = ''
as $$
begin
  if p_from is not distinct from p_to then
    return;
  end if;
  if (p_entity, coalesce(p_from, ''), p_to) not in (
      ('emergency', '', 'active'), ('emergency', 'active', 'ended'),
      ('callup', '', 'assigned'), ('callup', 'assigned', 'on_duty'), ('callup', 'assigned', 'cancelled'),
      ('callup', 'on_duty', 'done'),
      ('emergency_request', '', 'open'), ('emergency_request', 'open', 'done'),
      ('emergency_request', 'open', 'cancelled')) then
    raise exception 'gongzhi:status.invalid_transition' using errcode = 'check_violation';
  end if;
end;
$$;

-- Refuses a change to anything of an emergency that has ended (its record is closed).
create function private.emergency_open(p_emergency bigint) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.emergency e where e.id = p_emergency and e.status = 'active') then
    raise exception 'gongzhi:emergency.ended';
  end if;
end;
$$;

-- Refuses a place of the given kinds that is not inside the emergency's territory.
create function private.emergency_place(p_emergency bigint, p_unit bigint, p_kinds text[]) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.emergency e
                 join public.org_unit d on d.id = e.org_unit_id
                 join public.org_unit o on o.id = p_unit
                 where e.id = p_emergency and o.kind = any (p_kinds) and o.terr between d.terr and d.terr_hi) then
    raise exception 'gongzhi:emergency.place_outside';
  end if;
end;
$$;

-- ---------------------------------------------------------------- triggers
-- An emergency is declared at the district or a street; ending it stamps ended_at. Nothing else of
-- an ended emergency changes.
create function private.check_emergency() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.org_unit o where o.id = new.org_unit_id and o.kind in ('district', 'street')) then
    raise exception 'gongzhi:emergency.bad_place';
  end if;
  perform private.emergency_move('emergency', case when tg_op = 'UPDATE' then old.status end, new.status);
  if tg_op = 'INSERT' then
    new.declared_at := now();
    new.ended_at := null;
    return new;
  end if;
  if old.status = 'ended' then
    raise exception 'gongzhi:emergency.ended';
  end if;
  if new.org_unit_id <> old.org_unit_id then
    raise exception 'gongzhi:emergency.place_fixed';
  end if;
  new.declared_at := old.declared_at;
  new.ended_at := case when new.status = 'ended' then now() end;
  return new;
end;
$$;

-- Ending an emergency returns everyone to peace-time roles: shifts not begun are cancelled, people
-- on duty are checked out (their hours recorded), the temporary organisations close.
create function private.end_emergency() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.callup set status = 'cancelled' where emergency_id = new.id and status = 'assigned';
  update public.callup set status = 'done' where emergency_id = new.id and status = 'on_duty';
  update public.emergency_org set ended_at = now() where emergency_id = new.id and ended_at is null;
  return null;
end;
$$;

-- Rows that belong to an emergency: it must be active, and the place inside its territory.
create function private.check_emergency_part() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.emergency_id <> old.emergency_id then
    raise exception 'gongzhi:emergency.place_fixed';
  end if;
  -- The end of the emergency itself closes its organisations.
  if not (tg_table_name = 'emergency_org' and pg_trigger_depth() > 1) then
    perform private.emergency_open(new.emergency_id);
  end if;
  if tg_table_name = 'emergency_org' then
    perform private.emergency_place(new.emergency_id, new.org_unit_id, array['grid']);
    if pg_trigger_depth() = 1 and new.head_volunteer_id is not null and not exists (
        select from public.volunteer v join public.org_unit g on g.id = new.org_unit_id
        where v.id = new.head_volunteer_id and v.active and v.terr between g.terr and g.terr_hi) then
      raise exception 'gongzhi:emergency.head_not_resident';
    end if;
  elsif tg_table_name in ('shift', 'emergency_request') then
    perform private.emergency_place(new.emergency_id, new.org_unit_id, array['grid', 'building']);
  end if;
  if tg_table_name = 'shift' then
    if not exists (select from public.emergency_task t where t.id = new.task_id and t.emergency_id = new.emergency_id) then
      raise exception 'gongzhi:emergency.task_elsewhere';
    end if;
    if tg_op = 'UPDATE' then
      if (new.starts_at <> old.starts_at or new.ends_at <> old.ends_at or new.org_unit_id <> old.org_unit_id)
         and exists (select from public.callup c where c.shift_id = new.id and c.status <> 'cancelled') then
        raise exception 'gongzhi:emergency.shift_staffed';
      end if;
    end if;
  end if;
  return new;
end;
$$;

-- A call-up: the shift's time and emergency copied, capacity held on the locked shift row, and the
-- moves of check-in and check-out stamped; check-out writes the hours to the service record.
create function private.check_callup() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  s public.shift;
  e public.emergency;
  task text;
  log_id bigint;
begin
  if tg_op = 'UPDATE' and (new.shift_id <> old.shift_id or new.volunteer_id <> old.volunteer_id) then
    raise exception 'gongzhi:emergency.callup_fixed';
  end if;
  perform private.emergency_move('callup', case when tg_op = 'UPDATE' then old.status end, new.status);
  select * into s from public.shift where id = new.shift_id for update;
  select * into e from public.emergency where id = s.emergency_id;
  new.emergency_id := s.emergency_id;
  new.during := s.during;
  if tg_op = 'INSERT' then
    if e.status <> 'active' then
      raise exception 'gongzhi:emergency.ended';
    end if;
    if not exists (select from public.volunteer v where v.id = new.volunteer_id and v.active) then
      raise exception 'gongzhi:emergency.not_available';
    end if;
    if (select count(*) from public.callup c where c.shift_id = s.id and c.status <> 'cancelled') >= s.capacity then
      raise exception 'gongzhi:emergency.shift_full';
    end if;
    new.checked_in_at := null;
    new.checked_out_at := null;
    new.hours := null;
    new.service_log_id := null;
    return new;
  end if;
  if e.status <> 'active' and pg_trigger_depth() = 1 then
    raise exception 'gongzhi:emergency.ended';
  end if;
  if new.status = old.status then
    new.checked_in_at := old.checked_in_at;
    new.checked_out_at := old.checked_out_at;
  elsif new.status = 'on_duty' then
    if now() < lower(s.during) - interval '1 hour' then
      raise exception 'gongzhi:emergency.too_early';
    end if;
    -- A stated time (entered late) is kept if it lies between an hour before the shift and now.
    new.checked_in_at := least(greatest(coalesce(new.checked_in_at, now()), lower(s.during) - interval '1 hour'), now());
  elsif new.status = 'done' then
    new.checked_out_at := least(greatest(coalesce(new.checked_out_at, now()), old.checked_in_at), now());
  end if;
  if new.status <> 'done' or old.status = 'done' then
    new.hours := old.hours;
    new.service_log_id := old.service_log_id;
    return new;
  end if;
  new.hours := least(24, greatest(0.1, round(extract(epoch from new.checked_out_at - new.checked_in_at) / 3600, 1)));
  select t.name into task from public.emergency_task t where t.id = s.task_id;
  insert into public.service_log (volunteer_id, served_on, hours, note, verified_at)
  values (new.volunteer_id, (new.checked_in_at at time zone 'Asia/Shanghai')::date, new.hours,
          left('战时：' || e.name || ' · ' || task, 500), now())
  returning id into log_id;
  new.service_log_id := log_id;
  return new;
end;
$$;

-- A request's done_at is stamped when it closes.
create function private.check_emergency_request() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform private.emergency_move('emergency_request', case when tg_op = 'UPDATE' then old.status end, new.status);
  new.done_at := case when new.status <> 'open' then coalesce(case when tg_op = 'UPDATE' then old.done_at end, now()) end;
  return new;
end;
$$;

create trigger emergency_territory before insert or update of org_unit_id on public.emergency
  for each row execute function private.set_territory();
create trigger emergency_territory_kept before update on public.emergency for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger emergency_check before insert or update on public.emergency
  for each row execute function private.check_emergency();
create trigger emergency_ended after update of status on public.emergency
  for each row when (new.status = 'ended' and old.status <> 'ended') execute function private.end_emergency();
create trigger emergency_created_by before insert on public.emergency for each row
  when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger emergency_created_by_kept before update on public.emergency for each row
  when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger emergency_task_territory before insert or update of emergency_id on public.emergency_task
  for each row execute function private.inherit_territory('emergency', 'emergency_id');
create trigger emergency_task_territory_kept before update on public.emergency_task for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('emergency', 'emergency_id');
create trigger emergency_task_check before insert or update on public.emergency_task
  for each row execute function private.check_emergency_part();

create trigger emergency_org_territory before insert or update of org_unit_id on public.emergency_org
  for each row execute function private.set_territory();
create trigger emergency_org_territory_kept before update on public.emergency_org for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger emergency_org_check before insert or update on public.emergency_org
  for each row execute function private.check_emergency_part();

create trigger shift_territory before insert or update of org_unit_id on public.shift
  for each row execute function private.set_territory();
create trigger shift_territory_kept before update on public.shift for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger shift_check before insert or update on public.shift
  for each row execute function private.check_emergency_part();

create trigger callup_territory before insert or update of shift_id on public.callup
  for each row execute function private.inherit_territory('shift', 'shift_id');
create trigger callup_territory_kept before update on public.callup for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('shift', 'shift_id');
create trigger callup_check before insert or update on public.callup
  for each row execute function private.check_callup();
create trigger callup_created_by before insert on public.callup for each row
  when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger callup_created_by_kept before update on public.callup for each row
  when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger emergency_request_territory before insert or update of org_unit_id on public.emergency_request
  for each row execute function private.set_territory();
create trigger emergency_request_territory_kept before update on public.emergency_request for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger emergency_request_part before insert or update on public.emergency_request
  for each row execute function private.check_emergency_part();
create trigger emergency_request_done before insert or update on public.emergency_request
  for each row execute function private.check_emergency_request();
create trigger emergency_request_created_by before insert on public.emergency_request for each row
  when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger emergency_request_created_by_kept before update on public.emergency_request for each row
  when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

select private.add_audit('emergency');
select private.add_audit('emergency_task');
select private.add_audit('emergency_org');
select private.add_audit('shift');
select private.add_audit('callup');
select private.add_audit('emergency_request');

-- ---------------------------------------------------------------- row-level security
alter table public.emergency enable row level security;
alter table public.emergency_task enable row level security;
alter table public.emergency_org enable row level security;
alter table public.shift enable row level security;
alter table public.callup enable row level security;
alter table public.emergency_request enable row level security;

-- An emergency and its task types: seen by the declaring level and everyone below it (declared at
-- their own unit or one above theirs), declared and ended at the declaring unit only.
create policy "staff read emergencies declared over their territory" on public.emergency
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "street staff declare emergencies for their territory" on public.emergency
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff end emergencies they declared" on public.emergency
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all emergencies" on public.emergency for select to gongzhi_district using (true);
create policy "district staff declare emergencies" on public.emergency for insert to gongzhi_district with check (true);
create policy "district staff end emergencies" on public.emergency for update to gongzhi_district using (true) with check (true);

create policy "staff read the task types of emergencies over their territory" on public.emergency_task
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add task types to emergencies they declared" on public.emergency_task
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change task types of emergencies they declared" on public.emergency_task
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all emergency task types" on public.emergency_task for select to gongzhi_district using (true);
create policy "district staff add emergency task types" on public.emergency_task for insert to gongzhi_district with check (true);
create policy "district staff change emergency task types" on public.emergency_task for update to gongzhi_district using (true) with check (true);

-- Organisations, shifts, call-ups and requests lie at a place inside the emergency's territory:
-- staff whose territory holds the place read and write them.
create policy "staff read temporary organisations of their territory" on public.emergency_org
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff set up temporary organisations in their territory" on public.emergency_org
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change temporary organisations of their territory" on public.emergency_org
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all temporary organisations" on public.emergency_org for select to gongzhi_district using (true);
create policy "district staff set up temporary organisations" on public.emergency_org for insert to gongzhi_district with check (true);
create policy "district staff change temporary organisations" on public.emergency_org for update to gongzhi_district using (true) with check (true);

create policy "staff read shifts of their territory" on public.shift
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff add shifts in their territory" on public.shift
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change shifts of their territory" on public.shift
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all shifts" on public.shift for select to gongzhi_district using (true);
create policy "district staff add shifts" on public.shift for insert to gongzhi_district with check (true);
create policy "district staff change shifts" on public.shift for update to gongzhi_district using (true) with check (true);

create policy "staff read call-ups of their territory" on public.callup
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff call up people in their territory" on public.callup
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff check call-ups of their territory in and out" on public.callup
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all call-ups" on public.callup for select to gongzhi_district using (true);
create policy "district staff call people up" on public.callup for insert to gongzhi_district with check (true);
create policy "district staff check call-ups in and out" on public.callup for update to gongzhi_district using (true) with check (true);

create policy "staff read emergency requests of their territory" on public.emergency_request
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff record emergency requests in their territory" on public.emergency_request
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff close emergency requests of their territory" on public.emergency_request
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all emergency requests" on public.emergency_request for select to gongzhi_district using (true);
create policy "district staff record emergency requests" on public.emergency_request for insert to gongzhi_district with check (true);
create policy "district staff close emergency requests" on public.emergency_request for update to gongzhi_district using (true) with check (true);

-- The second factor where the district requires it (see the second-factor migration).
create policy "staff present the second factor where the district requires it" on public.emergency
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.emergency_task
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.emergency_org
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.shift
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.callup
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.emergency_request
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.emergency, public.emergency_task, public.emergency_org, public.shift, public.callup,
  public.emergency_request from anon, authenticated, gongzhi_district;
grant select on public.emergency, public.emergency_task, public.emergency_org, public.shift, public.callup,
  public.emergency_request to authenticated, gongzhi_district;
grant insert (org_unit_id, name, kind, summary), update (name, kind, summary, status)
  on public.emergency to authenticated, gongzhi_district;
grant insert (emergency_id, name, skills), update (name, skills) on public.emergency_task to authenticated, gongzhi_district;
grant insert (emergency_id, org_unit_id, name, head_volunteer_id), update (name, head_volunteer_id)
  on public.emergency_org to authenticated, gongzhi_district;
grant insert (emergency_id, task_id, org_unit_id, starts_at, ends_at, capacity), update (starts_at, ends_at, capacity)
  on public.shift to authenticated, gongzhi_district;
grant insert (shift_id, volunteer_id), update (status, checked_in_at, checked_out_at)
  on public.callup to authenticated, gongzhi_district;
grant insert (emergency_id, org_unit_id, kind, detail, due_at), update (detail, due_at, status)
  on public.emergency_request to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

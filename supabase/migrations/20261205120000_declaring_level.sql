-- 平战结合: an emergency is seen by the level that declared it and the levels below, not above.
-- A street's own emergency (its temporary organisations, shifts, call-ups and requests) is the
-- street's business; the district sees and runs the emergencies the district declared, whether
-- over the whole district or over one street. The emergency records who declared it
-- (`declared_level`), set by its insert trigger from the signed-in staff member and fixed after.

alter table public.emergency add column declared_level text
  constraint emergency_declared_level_check check (declared_level in ('district', 'street'));
comment on column public.emergency.declared_level is
  'The level that declared the emergency (district or street). Set by private.check_emergency from the signed-in staff member; never changes.';

-- Existing emergencies: declared by their creator's level where that was the district or a street,
-- else by the level of the unit they cover. The status guard is off for this one backfill, because
-- it refuses every change to an ended emergency.
alter table public.emergency disable trigger emergency_check;
update public.emergency e
   set declared_level = coalesce(
         (select case s.role when 'district' then 'district' when 'street' then 'street' end
            from public.staff s where s.user_id = e.created_by),
         (select o.kind from public.org_unit o where o.id = e.org_unit_id));
alter table public.emergency enable trigger emergency_check;
alter table public.emergency alter column declared_level set not null;

-- The whole body of private.check_emergency (first written in 20261205002700_emergency).
create or replace function private.check_emergency() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_kind text;
begin
  select o.kind into v_kind from public.org_unit o where o.id = new.org_unit_id;
  if v_kind is null or v_kind not in ('district', 'street') then
    raise exception 'gongzhi:emergency.bad_place';
  end if;
  perform private.emergency_move('emergency', case when tg_op = 'UPDATE' then old.status end, new.status);
  if tg_op = 'INSERT' then
    if not private.owner_writes() then
      new.declared_level := case when private.staff_role() = 'district' then 'district' else 'street' end;
    end if;
    new.declared_level := coalesce(new.declared_level, v_kind);
    -- A street declares over its own street only; the district over itself or any street.
    if new.declared_level = 'street' and v_kind <> 'street' then
      raise exception 'gongzhi:emergency.bad_place';
    end if;
    new.declared_at := now();
    new.ended_at := null;
    return new;
  end if;
  if old.status = 'ended' then
    raise exception 'gongzhi:emergency.ended';
  end if;
  if new.org_unit_id <> old.org_unit_id or new.declared_level <> old.declared_level then
    raise exception 'gongzhi:emergency.place_fixed';
  end if;
  new.declared_at := old.declared_at;
  new.ended_at := case when new.status = 'ended' then now() end;
  return new;
end;
$$;

create index emergency_declared_level_idx on public.emergency (declared_level);

-- "District emergencies" below are the ones the district declared (over the district or a street);
-- this lists them for the district's policies on their parts (one initplan per statement, not a
-- join per row).
create function private.district_emergencies() returns bigint[]
language sql stable security definer set search_path = ''
as $$ select coalesce(array_agg(e.id), '{}') from public.emergency e where e.declared_level = 'district' $$;
revoke all on function private.district_emergencies() from public;
grant execute on function private.district_emergencies() to gongzhi_district;

-- The street ends only what the street declared: an emergency the district declared over a street
-- is the district's to end.
drop policy "staff end emergencies they declared" on public.emergency;
create policy "street staff end emergencies the street declared" on public.emergency
  for update to authenticated
  using (declared_level = 'street' and terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (declared_level = 'street' and terr between (select private.terr_lo()) and (select private.terr_hi()));

drop policy "district staff read all emergencies" on public.emergency;
drop policy "district staff declare emergencies" on public.emergency;
drop policy "district staff end emergencies" on public.emergency;
create policy "district staff read the emergencies the district declared" on public.emergency
  for select to gongzhi_district using (declared_level = 'district');
create policy "district staff declare emergencies" on public.emergency
  for insert to gongzhi_district with check (declared_level = 'district');
create policy "district staff end the emergencies the district declared" on public.emergency
  for update to gongzhi_district using (declared_level = 'district') with check (declared_level = 'district');

drop policy "district staff read all emergency task types" on public.emergency_task;
drop policy "district staff add emergency task types" on public.emergency_task;
drop policy "district staff change emergency task types" on public.emergency_task;
create policy "district staff read task types of district emergencies" on public.emergency_task
  for select to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff add task types to district emergencies" on public.emergency_task
  for insert to gongzhi_district with check (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff change task types of district emergencies" on public.emergency_task
  for update to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]))
  with check (emergency_id = any ((select private.district_emergencies())::bigint[]));

drop policy "district staff read all temporary organisations" on public.emergency_org;
drop policy "district staff set up temporary organisations" on public.emergency_org;
drop policy "district staff change temporary organisations" on public.emergency_org;
create policy "district staff read the organisations of district emergencies" on public.emergency_org
  for select to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff set up organisations in district emergencies" on public.emergency_org
  for insert to gongzhi_district with check (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff change organisations of district emergencies" on public.emergency_org
  for update to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]))
  with check (emergency_id = any ((select private.district_emergencies())::bigint[]));

drop policy "district staff read all shifts" on public.shift;
drop policy "district staff add shifts" on public.shift;
drop policy "district staff change shifts" on public.shift;
create policy "district staff read shifts of district emergencies" on public.shift
  for select to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff add shifts to district emergencies" on public.shift
  for insert to gongzhi_district with check (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff change shifts of district emergencies" on public.shift
  for update to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]))
  with check (emergency_id = any ((select private.district_emergencies())::bigint[]));

drop policy "district staff read all call-ups" on public.callup;
drop policy "district staff call people up" on public.callup;
drop policy "district staff check call-ups in and out" on public.callup;
create policy "district staff read call-ups of district emergencies" on public.callup
  for select to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff call people up in district emergencies" on public.callup
  for insert to gongzhi_district with check (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff check call-ups of district emergencies" on public.callup
  for update to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]))
  with check (emergency_id = any ((select private.district_emergencies())::bigint[]));

drop policy "district staff read all emergency requests" on public.emergency_request;
drop policy "district staff record emergency requests" on public.emergency_request;
drop policy "district staff close emergency requests" on public.emergency_request;
create policy "district staff read requests of district emergencies" on public.emergency_request
  for select to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff record requests in district emergencies" on public.emergency_request
  for insert to gongzhi_district with check (emergency_id = any ((select private.district_emergencies())::bigint[]));
create policy "district staff close requests of district emergencies" on public.emergency_request
  for update to gongzhi_district using (emergency_id = any ((select private.district_emergencies())::bigint[]))
  with check (emergency_id = any ((select private.district_emergencies())::bigint[]));

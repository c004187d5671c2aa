-- 包联 units answer the whistle (issue 20): a unit paired with a community by 包联 is summoned to
-- the community's whistle events as departments are, through the same event_department rows
-- (report, consult, implement, answer, deadlines and lights), and its account is a department
-- account that sees only the events it was summoned to.
--
-- Invariants held here for every client:
--   * every 包联 unit has its own responder department (public.department, code baolian_<id>),
--     made and renamed with the unit and taken out of use when the unit is;
--   * a unit's department is summoned only to events in a community the unit is paired with and
--     confirmed for (包联 confirmed), and never routed to a category by default;
--   * grid and community staff read the confirmed pairs serving their territory, so the whistle
--     form can offer the community's units.

-- ---------------------------------------------------------------- tables
alter table public.baolian_unit add column department_id bigint unique references public.department (id);
comment on column public.baolian_unit.department_id is
  'Computed: the department the unit answers whistles as (吹哨报到), made with the unit.';

-- ---------------------------------------------------------------- helpers
-- Whether a department is a 包联 unit's own (the lists of ordinary departments leave these out;
-- administrators, who read departments but not the 包联 list, ask this).
create function private.answers_for_baolian_unit(department bigint) returns boolean
language sql stable security definer set search_path = ''
as $$ select exists (select from public.baolian_unit b where b.department_id = department) $$;

-- ---------------------------------------------------------------- triggers
-- A unit's responder department: made when the unit is added, renamed and taken out of use with
-- it. The department table is the system administrator's; this is the one path by which the
-- district's 包联 list adds to it, and only rows coded baolian_<unit id>.
create function private.baolian_unit_department() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.department (code, name_zh, name_en, position, active)
    values ('baolian_' || new.id, left(btrim(new.name), 50), left(btrim(new.name), 80), 1000 + new.id::integer, new.active)
    returning id into new.department_id;
    return new;
  end if;
  new.department_id := old.department_id;
  if (new.name, new.active) is distinct from (old.name, old.active) then
    update public.department set name_zh = left(btrim(new.name), 50), name_en = left(btrim(new.name), 80),
                                 active = new.active
    where id = new.department_id;
  end if;
  return new;
end;
$$;

-- A removed unit's department answers no new whistles; its past summons stay with it.
create function private.baolian_unit_removed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.department set active = false where id in (select department_id from old_rows);
  return null;
end;
$$;

-- A unit's department is summoned only where the unit is paired (包联 confirmed) with the event's
-- community.
create function private.baolian_summoned_where_paired() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from public.baolian_unit b where b.department_id = new.department_id)
     and not exists (select from public.baolian_unit b
                     join public.baolian_pair p on p.baolian_unit_id = b.id and p.status = 'confirmed'
                     join public.event e on e.id = new.event_id and e.community_id = p.org_unit_id
                     where b.department_id = new.department_id) then
    raise exception 'gongzhi:baolian.not_paired_here' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

-- The routing summons departments everywhere; a 包联 unit answers only in its communities.
create function private.baolian_not_routed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from public.baolian_unit b where b.department_id = new.department_id) then
    raise exception 'gongzhi:baolian.not_routable' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

create trigger baolian_unit_department before insert or update on public.baolian_unit
  for each row execute function private.baolian_unit_department();
create trigger baolian_unit_removed after delete on public.baolian_unit
  referencing old table as old_rows for each statement execute function private.baolian_unit_removed();
create trigger event_department_baolian_paired before insert or update of department_id, event_id on public.event_department
  for each row execute function private.baolian_summoned_where_paired();
create trigger event_routing_baolian_not_routed before insert or update of department_id on public.event_routing
  for each row execute function private.baolian_not_routed();

-- Units already listed get their departments now.
do $$
declare
  b record;
  d bigint;
begin
  for b in select id, name, active from public.baolian_unit where department_id is null order by id loop
    insert into public.department (code, name_zh, name_en, position, active)
    values ('baolian_' || b.id, left(btrim(b.name), 50), left(btrim(b.name), 80), 1000 + b.id::integer, b.active)
    returning id into d;
    update public.baolian_unit set department_id = d where id = b.id;
  end loop;
end;
$$;

-- ---------------------------------------------------------------- row-level security
-- The confirmed pairs serving a grid or community (its community's 包联 units).
create policy "staff read confirmed baolian pairs serving their territory" on public.baolian_pair
  for select to authenticated
  using (status = 'confirmed' and terr = any ((select private.terr_above())::bigint[]));

-- ---------------------------------------------------------------- grants
revoke insert, update on public.baolian_unit from gongzhi_district;
grant insert (name, functions, strength, capacity, located_at, active) on public.baolian_unit to gongzhi_district;
grant update (name, functions, strength, capacity, located_at, active) on public.baolian_unit to gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.answers_for_baolian_unit(bigint) to authenticated, gongzhi_district, gongzhi_admin;

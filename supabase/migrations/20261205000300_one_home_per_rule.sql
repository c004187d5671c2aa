-- One home per rule (issue #16): each shared rule stated once, in the database, and Python
-- reading the same (gongzhi/territory.py, gongzhi/statuses.py) with tests that compare the two.
--
-- 1. Territory codes. The arithmetic of `terr` (street × 100000 + community × 1000 + grid, the
--    district 0) was restated in the org tree's trigger, the helpers of the policies and the
--    matching trigger; it now lives in the functions below, and those places call them.
--    `org_unit.terr_hi` stays the generated column it is (changing a generated expression needs
--    PostgreSQL 17); tests/db/test_territory.py checks that it equals terr + private.terr_span(kind)
--    on every unit.
-- 2. Stored statuses. A demand's "matched" is derived (private.demand_status), never stored: a
--    check constraint keeps it so even for a load that turns the triggers off.

-- ---------------------------------------------------------------- territory codes
-- How far the territory of a unit of `kind` reaches above its own code.
create function private.terr_span(kind text) returns bigint
language sql immutable parallel safe set search_path = ''
as $$
  select case kind when 'district' then 9999999 when 'street' then 99999 when 'community' then 999 else 0 end::bigint
$$;

-- The place of a unit's own digits in the code: the n-th street of the district is n × 100000.
create function private.terr_step(kind text) returns bigint
language sql immutable parallel safe set search_path = ''
as $$ select case kind when 'street' then 100000 when 'community' then 1000 else 1 end::bigint $$;

-- How many units of `kind` one parent holds.
create function private.terr_slots(kind text) returns bigint
language sql immutable parallel safe set search_path = ''
as $$ select case kind when 'grid' then 999 else 99 end::bigint $$;

-- The code of the unit of `kind` (district, street, community, grid) that a row at `terr` lies in.
create function private.terr_unit(terr bigint, kind text) returns bigint
language sql immutable parallel safe set search_path = ''
as $$
  select case when kind = 'district' then 0::bigint
              else terr / (private.terr_span(kind) + 1) * (private.terr_span(kind) + 1) end
$$;

-- The codes of the units a row at `terr` lies in, widest first: district, street, community and
-- `terr` itself. A resource serves a demand when it sits at one of them.
create function private.terr_serving(terr bigint) returns bigint[]
language sql immutable parallel safe set search_path = ''
as $$
  select array[private.terr_unit(terr, 'district'), private.terr_unit(terr, 'street'),
               private.terr_unit(terr, 'community'), terr]
$$;

-- The widest level whose unit has the code `terr`.
create function private.terr_level(terr bigint) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select case when terr = private.terr_unit(terr, 'district') then 'district'
              when terr = private.terr_unit(terr, 'street') then 'street'
              when terr = private.terr_unit(terr, 'community') then 'community' else 'grid' end
$$;

-- Territory codes of the units above the signed-in user (district, street, community), now from
-- private.terr_serving.
create or replace function private.terr_above() returns bigint[]
language sql stable security definer set search_path = ''
as $$
  select (private.terr_serving(o.terr))[1:3]
  from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department'
$$;

-- Places a new org unit in the tree: checks the parent's kind and assigns the next free code, now
-- with the step and the number of slots from private.terr_step and private.terr_slots.
create or replace function private.place_org_unit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  parent public.org_unit;
  step bigint;
  slot bigint;
  max_slot bigint;
begin
  if tg_op = 'UPDATE' then
    if new.parent_id is distinct from old.parent_id or new.kind <> old.kind or new.terr <> old.terr then
      raise exception 'gongzhi:org_unit.immutable' using errcode = 'check_violation';
    end if;
    return new;
  end if;
  if new.kind = 'district' then
    new.terr := 0;
    new.street_id := null; new.community_id := null; new.grid_id := null;
    return new;
  end if;
  select * into parent from public.org_unit where id = new.parent_id;
  if parent.kind is distinct from (case new.kind when 'street' then 'district' when 'community' then 'street'
                                              when 'grid' then 'community' when 'building' then 'grid' end) then
    raise exception 'gongzhi:org_unit.bad_parent' using errcode = 'check_violation';
  end if;
  new.street_id := case new.kind when 'street' then new.id else parent.street_id end;
  new.community_id := case new.kind when 'community' then new.id else parent.community_id end;
  new.grid_id := case new.kind when 'grid' then new.id else parent.grid_id end;
  if new.kind = 'building' then
    new.terr := parent.terr;
    return new;
  end if;
  step := private.terr_step(new.kind);
  max_slot := private.terr_slots(new.kind);
  perform pg_advisory_xact_lock(7301, parent.id::int);
  select coalesce(max((o.terr - parent.terr) / step), 0) + 1 into slot
  from public.org_unit o where o.parent_id = parent.id;
  if slot > max_slot then
    raise exception 'gongzhi:org_unit.full' using errcode = 'check_violation';
  end if;
  new.terr := parent.terr + slot * step;
  return new;
end;
$$;

-- New matches (as in the matching migration), with the area a resource must serve from
-- private.terr_serving.
create or replace function private.match_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  my_role text := private.staff_role();
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  me uuid := private.uid();
  bad record;
  booking jsonb;
begin
  select coalesce(bool_or(d.status not in ('new', 'in_progress')), false) as demand_closed,
         coalesce(bool_or(r.status <> 'available' or r.available_to < current_date), false) as resource_unavailable,
         coalesce(bool_or(r.category_id <> d.category_id), false) as category_mismatch,
         coalesce(bool_or((n.org_unit_id, n.street_id, n.community_id, n.grid_id, n.terr, n.resource_terr)
                          is distinct from (d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, r.terr)),
                  false) as territory_mismatch,
         coalesce(bool_or(n.resource_terr <> all (private.terr_serving(n.terr))),
                  false) as out_of_area,
         coalesce(bool_or(n.status <> 'proposed' and not coalesce(n.resource_terr between lo and hi, false)),
                  false) as not_provider,
         coalesce(bool_or(n.rating is not null or n.status not in ('proposed', 'accepted')), false) as not_open,
         coalesce(bool_or(n.created_by is distinct from me), false) as not_creator
    into bad
  from new_rows n
  -- `offset 0` keeps the lookup by id: the planner would rather hash the whole demand table.
  cross join lateral (select * from public.demand d where d.id = n.demand_id offset 0) d
  join public.resource r on r.id = n.resource_id;
  if bad.demand_closed then
    raise exception 'gongzhi:match.demand_closed' using errcode = 'check_violation';
  elsif bad.resource_unavailable then
    raise exception 'gongzhi:match.resource_unavailable' using errcode = 'check_violation';
  elsif bad.category_mismatch then
    raise exception 'gongzhi:match.category_mismatch' using errcode = 'check_violation';
  elsif bad.territory_mismatch then
    raise exception 'gongzhi:match.territory_mismatch' using errcode = 'check_violation';
  elsif my_role is not null and bad.out_of_area then
    raise exception 'gongzhi:match.out_of_area' using errcode = 'check_violation';
  elsif my_role is not null and my_role <> 'district' and bad.not_provider then
    raise exception 'gongzhi:match.provider_only' using errcode = 'insufficient_privilege';
  elsif bad.not_open then
    raise exception 'gongzhi:match.must_start_open' using errcode = 'check_violation';
  elsif my_role is not null and bad.not_creator then
    raise exception 'gongzhi:match.not_creator' using errcode = 'insufficient_privilege';
  end if;
  perform private.check_demands_have_room(array(select demand_id from new_rows));
  select jsonb_object_agg(resource_id, q) into booking
  from (select resource_id, sum(quantity) as q from new_rows group by resource_id) x;
  perform private.book_capacity(booking);
  -- Proposals leave the demand's status alone (it reads as matched); an accepted match moves it.
  perform private.refresh_demand_status(array(select distinct demand_id from new_rows where status <> 'proposed'));
  return null;
end;
$$;

-- ---------------------------------------------------------------- stored statuses
-- What each status column may hold, as check constraints: the status machine's trigger can be
-- turned off for a bulk load, a constraint cannot. A demand never stores "matched" (it is derived);
-- rows stored as matched before this migration become new, the status matched is a case of (a live
-- proposal still makes them read as matched), with only the status machine's trigger held back.
-- These changes leave every tally as it is: hold back the event triggers that would rebuild the
-- tallies after an ALTER TABLE (they exist where the migrations ran as a superuser).
do $$
begin
  if exists (select from pg_catalog.pg_event_trigger where evtname = 'demand_tally_after_alter') then
    alter event trigger demand_tally_after_alter disable;
    alter event trigger resource_tally_after_alter disable;
  end if;
end
$$;
alter table public.demand disable trigger demand_status;
update public.demand set status = 'new' where status = 'matched';
alter table public.demand enable trigger demand_status;
alter table public.demand add constraint demand_status_stored
  check (status in ('new', 'in_progress', 'done', 'cancelled'));
alter table public.resource add constraint resource_status_stored
  check (status in ('available', 'paused', 'retired'));
alter table public.project add constraint project_status_stored
  check (status in ('planning', 'in_progress', 'done', 'cancelled'));
alter table public.match add constraint match_status_stored
  check (status in ('proposed', 'accepted', 'done', 'rejected', 'cancelled', 'lapsed'));
do $$
begin
  if exists (select from pg_catalog.pg_event_trigger where evtname = 'demand_tally_after_alter') then
    alter event trigger demand_tally_after_alter enable;
    alter event trigger resource_tally_after_alter enable;
  end if;
end
$$;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

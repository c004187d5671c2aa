-- Matching (对接): the rules every client obeys when it assigns resources to demands.
--
-- * Capacity: a proposed or accepted match holds its quantity of the resource's capacity
--   (resource.allocated); rejected, cancelled, lapsed and done matches give it back, so capacity
--   is what a resource can serve at one time. Only the matches move allocated (through
--   private.book_capacity); a client writing it is refused. Concurrent assignments of the last
--   unit queue on the resource row (`for no key update`, which does not conflict with the
--   key-share locks a new match holds on its demand and resource): one succeeds, the other fails
--   the check `resource_not_over_allocated`.
-- * Sides: the demand's side proposes and cancels; the provider's side (the territory of the
--   resource) accepts, rejects and marks done; the demand's side records the resident's rating;
--   only the lapse job lapses. District staff act for both sides.
-- * A match needs an open demand, an available resource of the same category serving the demand's
--   area, and never more live quantity than the demand asks for; writers to the same demands queue
--   on advisory locks (private.check_demands_have_room) rather than locking demand rows.
-- * Demand status follows its matches: new (none accepted) → in_progress (accepted) → done
--   (everything delivered); a new demand with a live proposal reads as matched
--   (private.demand_status) without a write, so a 对接会 of a hundred thousand proposals writes only
--   its matches. Cancelling a demand cancels its live matches.
-- * provider_record keeps each provider's completed, rated and lapsed matches for scoring.
-- The triggers are per statement with transition tables, so a batch of 100,000 matches is checked
-- and booked set-based.

-- ---------------------------------------------------------------- tables
create table public.provider_record (
  provider text primary key,
  done integer not null default 0 check (done >= 0),
  rating_sum integer not null default 0 check (rating_sum >= 0),
  rated integer not null default 0 check (rated >= 0),
  lapsed integer not null default 0 check (lapsed >= 0),
  updated_at timestamptz not null default now()
);
comment on table public.provider_record is 'Track record of each provider (resource.provider): completed, rated and lapsed matches. Written only by the match triggers.';

-- ---------------------------------------------------------------- indexes
-- Candidates of a demand: available resources of a category at one territory code.
create index resource_match_candidates_idx on public.resource (category_id, terr) where status = 'available';
-- The lapse job: proposals by age.
create index match_proposed_created_at_idx on public.match (created_at) where status = 'proposed';
-- One live match per demand and resource.
create unique index match_one_live_pair on public.match (demand_id, resource_id)
  where status in ('proposed', 'accepted');

-- ---------------------------------------------------------------- helpers
-- Moves the demands `ids` to the status their matches call for: new without accepted matches,
-- in_progress once one is accepted, done when everything asked for is done. Steps the status
-- machine does not allow are left alone.
create function private.refresh_demand_status(ids bigint[]) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  for pass in 1 .. 2 loop
    with agg as (
      select d.id, d.status, d.quantity,
             count(m.id) filter (where m.status in ('accepted', 'done')) as started,
             count(m.id) filter (where m.status in ('proposed', 'accepted')) as pending,
             coalesce(sum(m.quantity) filter (where m.status = 'done'), 0) as done_quantity
      from public.demand d left join public.match m on m.demand_id = d.id
      where d.id = any (ids) and d.status in ('new', 'in_progress')
      group by d.id
    ), target as (
      select id, status,
             case when started = 0 then 'new'
                  when pending = 0 and done_quantity >= quantity
                    then case when status = 'in_progress' then 'done' else 'in_progress' end
                  else 'in_progress' end as target
      from agg
    )
    update public.demand d set status = t.target
    from target t
    where d.id = t.id and t.target <> t.status
      and exists (select from public.status_transition s
                  where s.entity = 'demand' and s.from_status = t.status and s.to_status = t.target);
  end loop;
end;
$$;

-- Adds `delta` (resource id → quantity) to resource.allocated, locking the resources in id order
-- so that concurrent batches queue instead of deadlocking; the check constraint refuses overbooking.
create function private.book_capacity(delta jsonb) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  perform from public.resource r
  where r.id in (select key::bigint from jsonb_each_text(delta) where value::int <> 0)
  order by r.id for no key update;
  update public.resource r set allocated = r.allocated + x.value::int
  from jsonb_each_text(delta) x
  where r.id = x.key::bigint and x.value::int <> 0;
end;
$$;

-- Refuses when a demand of `ids` would get more than it asks for. First it queues behind other
-- writers to the same demands: a transaction advisory lock per bucket of demand ids, taken in
-- bucket order. Locking the demand rows instead wrote a lock into each of them (0.8 s for a batch
-- of 80,000); 64 buckets cost nothing and still let most one-click assignments run side by side.
-- Every writer comes here before it takes any resource lock. Then it counts what is live.
create function private.check_demands_have_room(ids bigint[]) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  bucket integer;
begin
  for bucket in select distinct (id % 64)::integer from unnest(ids) id order by 1 loop
    perform pg_catalog.pg_advisory_xact_lock(7305, bucket);
  end loop;
  if exists (select from public.demand d
             join (select m.demand_id, sum(m.quantity) as q from public.match m
                   where m.demand_id = any (ids) and m.status in ('proposed', 'accepted', 'done')
                   group by m.demand_id) x on x.demand_id = d.id
             where x.q > d.quantity) then
    raise exception 'gongzhi:match.demand_full' using errcode = 'check_violation';
  end if;
end;
$$;

-- ---------------------------------------------------------------- triggers
-- New matches, in one pass over the new rows, their demands and resources: open demand, available
-- resource of the demand's category, the territory columns the demand and resource call for,
-- serving the demand's area when staff make it (the owner may link across areas), the provider's
-- side for anything but a proposal, a proposed or accepted start, and staff recorded as the
-- creator of their own matches only; then demand quantity and resource capacity.
create function private.match_inserted() returns trigger
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
         coalesce(bool_or(n.resource_terr not in (0, n.terr / 100000 * 100000, n.terr / 1000 * 1000, n.terr)),
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

-- Changed matches: fixed pairs (and the score and reasons, fixed when the match is made), who may
-- move a match where, the rating, the demand's room, capacity, provider records and the demand's
-- status.
create function private.match_updated() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  my_role text := private.staff_role();
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  booking jsonb;
begin
  if exists (select from old_rows o join new_rows n on n.id = o.id
             where n.demand_id <> o.demand_id or n.resource_id <> o.resource_id
                or n.score is distinct from o.score or n.reasons <> o.reasons
                or (n.quantity <> o.quantity and o.status <> 'proposed')) then
    raise exception 'gongzhi:match.immutable' using errcode = 'check_violation';
  end if;
  if my_role is not null and exists (select from old_rows o join new_rows n on n.id = o.id
                                     where n.status = 'lapsed' and o.status <> 'lapsed') then
    raise exception 'gongzhi:match.lapse_is_automatic' using errcode = 'insufficient_privilege';
  end if;
  if my_role is not null and my_role <> 'district' then
    if exists (select from old_rows o join new_rows n on n.id = o.id
               where n.status <> o.status and n.status in ('accepted', 'rejected', 'done')
                 and not coalesce(n.resource_terr between lo and hi, false)) then
      raise exception 'gongzhi:match.provider_only' using errcode = 'insufficient_privilege';
    end if;
    if exists (select from old_rows o join new_rows n on n.id = o.id
               where n.rating is distinct from o.rating and not coalesce(n.terr between lo and hi, false)) then
      raise exception 'gongzhi:match.rating_by_demand_side' using errcode = 'insufficient_privilege';
    end if;
  end if;
  if exists (select from new_rows n where n.rating is not null and n.status <> 'done') then
    raise exception 'gongzhi:match.rating_needs_done' using errcode = 'check_violation';
  end if;
  -- Quantity grown while proposed: the demand must still have room.
  if exists (select from old_rows o join new_rows n on n.id = o.id where n.quantity > o.quantity) then
    perform private.check_demands_have_room(array(select demand_id from new_rows));
  end if;
  select jsonb_object_agg(resource_id, q) into booking
  from (select n.resource_id,
               sum(case when n.status in ('proposed', 'accepted') then n.quantity else 0 end
                   - case when o.status in ('proposed', 'accepted') then o.quantity else 0 end) as q
        from old_rows o join new_rows n on n.id = o.id
        group by n.resource_id) x
  where q <> 0;
  if booking is not null then
    perform private.book_capacity(booking);
  end if;
  insert into public.provider_record as p (provider, done, rating_sum, rated, lapsed)
  select r.provider,
         count(*) filter (where n.status = 'done' and o.status <> 'done'),
         coalesce(sum(coalesce(n.rating, 0) - coalesce(o.rating, 0)), 0),
         count(*) filter (where n.rating is not null and o.rating is null)
           - count(*) filter (where n.rating is null and o.rating is not null),
         count(*) filter (where n.status = 'lapsed' and o.status <> 'lapsed')
  from old_rows o join new_rows n on n.id = o.id join public.resource r on r.id = n.resource_id
  where n.status <> o.status or n.rating is distinct from o.rating
  group by r.provider
  on conflict (provider) do update
    set done = p.done + excluded.done, rating_sum = p.rating_sum + excluded.rating_sum,
        rated = p.rated + excluded.rated, lapsed = p.lapsed + excluded.lapsed, updated_at = now();
  perform private.refresh_demand_status(array(
    select distinct n.demand_id from old_rows o join new_rows n on n.id = o.id where n.status <> o.status));
  return null;
end;
$$;

-- Removed matches give their capacity back and their demand's status is recomputed.
create function private.match_deleted() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  booking jsonb;
begin
  select jsonb_object_agg(resource_id, -q) into booking
  from (select resource_id, sum(quantity) as q from old_rows
        where status in ('proposed', 'accepted') group by resource_id) x;
  if booking is not null then
    perform private.book_capacity(booking);
  end if;
  perform private.refresh_demand_status(array(select distinct demand_id from old_rows));
  return null;
end;
$$;

-- A cancelled demand cancels its live matches, which gives their capacity back.
create function private.demand_cancels_matches() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.match set status = 'cancelled'
  where demand_id = new.id and status in ('proposed', 'accepted');
  return null;
end;
$$;

create trigger match_inserted after insert on public.match
  referencing new table as new_rows for each statement execute function private.match_inserted();
create trigger match_updated after update on public.match
  referencing old table as old_rows new table as new_rows for each statement execute function private.match_updated();
create trigger match_deleted after delete on public.match
  referencing old table as old_rows for each statement execute function private.match_deleted();
create trigger demand_cancels_matches after update of status on public.demand
  for each row when (new.status = 'cancelled' and old.status <> 'cancelled')
  execute function private.demand_cancels_matches();

-- Refuses a change of resource.allocated by anyone but the table owner, i.e. outside
-- private.book_capacity (security definer, run by the match triggers). Invoker's rights, so that
-- current_user is whoever runs the statement.
create function private.allocated_by_matches() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user::regrole <> (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid)::regrole then
    raise exception 'gongzhi:resource.allocated_by_matches' using errcode = 'insufficient_privilege';
  end if;
  return new;
end;
$$;

create trigger resource_allocated before update of allocated on public.resource
  for each row when (old.allocated is distinct from new.allocated) execute function private.allocated_by_matches();
create trigger resource_allocated_at_start before insert on public.resource
  for each row when (new.allocated <> 0) execute function private.allocated_by_matches();

-- ---------------------------------------------------------------- functions
-- The lapse job: proposals older than `days` days lapse and give their capacity back. Runs as
-- the owner (`python -m gongzhi match lapse`, or pg_cron on Supabase); returns how many lapsed.
create function private.lapse_matches(days integer) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  n integer;
begin
  if days is null or days < 1 then
    raise exception 'gongzhi:match.lapse_days' using errcode = 'check_violation';
  end if;
  update public.match set status = 'lapsed'
  where status = 'proposed' and created_at < now() - make_interval(days => days);
  get diagnostics n = row_count;
  return n;
end;
$$;

-- Rebuilds provider_record from every match (after seeding with triggers off, or a repair).
create function private.refresh_provider_record() returns void
language sql security definer set search_path = ''
as $$
  delete from public.provider_record;
  insert into public.provider_record (provider, done, rating_sum, rated, lapsed)
  select r.provider, count(*) filter (where m.status = 'done'), coalesce(sum(m.rating), 0),
         count(m.rating), count(*) filter (where m.status = 'lapsed')
  from public.match m join public.resource r on r.id = m.resource_id
  group by r.provider;
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.provider_record enable row level security;

create policy "territorial staff read the provider records" on public.provider_record
  for select to authenticated using ((select private.terr_lo()) is not null);
create policy "district staff read the provider records" on public.provider_record
  for select to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
revoke insert, update, delete, truncate on public.provider_record from anon, authenticated, gongzhi_district;
grant select on public.provider_record to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

-- Matching locks: a new match holds a key-share lock on its demand and resource (the foreign
-- keys); taking `for update` on the same rows afterwards made two transactions that race for the
-- last unit deadlock instead of queueing. `for no key update` does not conflict with key-share
-- locks, so the second transaction now waits for the first and is then refused cleanly.

-- Adds `delta` (resource id → quantity) to resource.allocated, locking the resources in id order
-- so that concurrent batches queue instead of deadlocking; the check constraint refuses overbooking.
create or replace function private.book_capacity(delta jsonb) returns void
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

-- ---------------------------------------------------------------- triggers
-- New matches: open demand, available resource of the demand's category, serving the demand's
-- area when staff make it (the owner may link across areas), the provider's side for anything but
-- a proposal, demand quantity and resource capacity.
create or replace function private.match_inserted() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  my_role text := private.staff_role();
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  booking jsonb;
begin
  if exists (select from new_rows n join public.demand d on d.id = n.demand_id
             where d.status not in ('new', 'matched', 'in_progress')) then
    raise exception 'gongzhi:match.demand_closed' using errcode = 'check_violation';
  end if;
  if exists (select from new_rows n join public.resource r on r.id = n.resource_id
             where r.status <> 'available' or r.available_to < current_date) then
    raise exception 'gongzhi:match.resource_unavailable' using errcode = 'check_violation';
  end if;
  if exists (select from new_rows n join public.demand d on d.id = n.demand_id
             join public.resource r on r.id = n.resource_id where r.category_id <> d.category_id) then
    raise exception 'gongzhi:match.category_mismatch' using errcode = 'check_violation';
  end if;
  if my_role is not null and exists (select from new_rows n
             where n.resource_terr not in (0, n.terr / 100000 * 100000, n.terr / 1000 * 1000, n.terr)) then
    raise exception 'gongzhi:match.out_of_area' using errcode = 'check_violation';
  end if;
  if my_role is not null and my_role <> 'district'
     and exists (select from new_rows n where n.status <> 'proposed'
                 and not coalesce(n.resource_terr between lo and hi, false)) then
    raise exception 'gongzhi:match.provider_only' using errcode = 'insufficient_privilege';
  end if;
  if exists (select from new_rows n where n.rating is not null or n.status not in ('proposed', 'accepted')) then
    raise exception 'gongzhi:match.must_start_open' using errcode = 'check_violation';
  end if;
  -- Demand quantity: lock the demands, then count what is live.
  perform from public.demand d where d.id in (select demand_id from new_rows) order by d.id for no key update;
  if exists (select from public.demand d
             join (select m.demand_id, sum(m.quantity) as q from public.match m
                   where m.demand_id in (select demand_id from new_rows)
                     and m.status in ('proposed', 'accepted', 'done')
                   group by m.demand_id) x on x.demand_id = d.id
             where x.q > d.quantity) then
    raise exception 'gongzhi:match.demand_full' using errcode = 'check_violation';
  end if;
  select jsonb_object_agg(resource_id, q) into booking
  from (select resource_id, sum(quantity) as q from new_rows group by resource_id) x;
  perform private.book_capacity(booking);
  perform private.refresh_demand_status(array(select distinct demand_id from new_rows));
  return null;
end;
$$;

-- Changed matches: fixed pairs, who may move a match where, the rating, capacity, provider records
-- and the demand's status.
create or replace function private.match_updated() returns trigger
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
    perform from public.demand d where d.id in (select demand_id from new_rows) order by d.id for no key update;
    if exists (select from public.demand d
               join (select m.demand_id, sum(m.quantity) as q from public.match m
                     where m.demand_id in (select demand_id from new_rows)
                       and m.status in ('proposed', 'accepted', 'done')
                     group by m.demand_id) x on x.demand_id = d.id
               where x.q > d.quantity) then
      raise exception 'gongzhi:match.demand_full' using errcode = 'check_violation';
    end if;
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

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

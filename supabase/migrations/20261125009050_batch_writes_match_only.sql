-- "Matched" is derived: a demand whose status is new and that has a live proposal reads as
-- matched (public.demand_row, the lists' status filter); the stored status no longer moves
-- new → matched → new as proposals come and go.
--
-- Why: a 对接会 commits a hundred thousand proposals in one transaction. Moving each demand's
-- stored status as well rewrote 80,000 demand rows (2.5 s of heap writes alone on a 1M-row table,
-- plus their row triggers, audit rows and tally deltas: 9 s in all); recording the batch in
-- `match` only is what the batch needs to write. Accepting, completing, cancelling and rejecting
-- still move the stored status (new / in_progress / done), as before.
--
-- Also, for the same batch: the new matches are checked in one pass (status, territory columns,
-- area, start) by private.match_inserted, which the per-row status and territory triggers no
-- longer repeat; the demand quantity check queues on advisory locks instead of locking demand rows;
-- and the batch supplies the territory columns from the join it makes anyway.

-- ---------------------------------------------------------------- helpers
-- The status as staff read it: a new demand with a live proposal is matched.
create function private.demand_status(demand_id bigint, stored text) returns text
language sql stable security definer set search_path = ''
as $$
  select case when stored = 'new' and exists (select from public.match m
                                              where m.demand_id = demand_status.demand_id and m.status = 'proposed')
              then 'matched' else stored end
$$;

-- Moves the demands `ids` to the status their matches call for: new without accepted matches,
-- in_progress once one is accepted, done when everything asked for is done. Steps the status
-- machine does not allow are left alone.
create or replace function private.refresh_demand_status(ids bigint[]) returns void
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

-- ---------------------------------------------------------------- data and the status machine
update public.demand set status = 'new' where status = 'matched';
select private.refresh_demand_status(array(
  select d.id from public.demand d where d.status = 'new'
    and exists (select from public.match m where m.demand_id = d.id and m.status in ('accepted', 'done'))));
delete from public.status_transition where entity = 'demand' and 'matched' in (from_status, to_status);
insert into public.status_transition (entity, from_status, to_status) values ('demand', 'in_progress', 'new')
on conflict do nothing;

-- ---------------------------------------------------------------- triggers
-- New matches, in one pass over the new rows, their demands and resources: open demand, available
-- resource of the demand's category, the territory columns the demand and resource call for,
-- serving the demand's area when staff make it (the owner may link across areas), the provider's
-- side for anything but a proposal, a proposed or accepted start, and staff recorded as the
-- creator of their own matches only; then demand quantity and resource capacity.
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

-- Changed matches: as before, with the demand quantity check of private.check_demands_have_room;
-- the score and reasons are fixed when the match is made (the audit leaves the reasons out).
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

-- The status trigger checks changes only; match_inserted checks how a match starts.
drop trigger match_status on public.match;
create trigger match_status before update of status on public.match
  for each row execute function private.check_status();

-- The territory trigger fills what a client leaves out (org_unit_id 0, the default); match_inserted
-- refuses columns that do not match the demand and the resource. A batch names them in its own
-- join, sparing two lookups per row.
drop trigger match_territory on public.match;
create trigger match_territory before insert or update of demand_id, resource_id on public.match
  for each row when (new.org_unit_id = 0) execute function private.set_match_territory();

-- ---------------------------------------------------------------- the masked view
create or replace view public.demand_row with (security_invoker = true) as
select d.id, d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, d.category_id, d.title,
       d.description, d.urgency, private.demand_status(d.id, d.status) as status, d.quantity, d.needed_by,
       case when d.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.beneficiary_name(d.id) else d.beneficiary_name_masked end as beneficiary_name,
       case when d.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.beneficiary_phone(d.id) else d.beneficiary_phone_masked end as beneficiary_phone,
       d.address, d.created_by, d.created_at, d.updated_at, d.closed_at,
       d.terr between coalesce((select private.personal_terr_lo()), 1)
                  and coalesce((select private.personal_terr_hi()), 0) as personal_visible
from public.demand d;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.demand_status(bigint, text) to authenticated, gongzhi_district;

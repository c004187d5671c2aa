-- Speed, round two (issue 21): a department's supervision board at the owner's speed, and the
-- 对接会's commit with less written per match.

-- ---------------------------------------------------------------- indexes

-- The open events a department is summoned to, by the department: the board's counts for a
-- department read these (≈ a third of the open events) instead of every open event.
create index event_open_departments_idx on public.event using gin (departments) where closed_at is null;

-- ---------------------------------------------------------------- functions

-- The supervision board's four counts for the caller's department: red, yellow, green and escalated
-- among the open events it is summoned to. No row unless the caller is department staff with the
-- second factor where the district requires it, which is exactly what the department's policies on
-- public.event grant ("departments read the events they are summoned to"; a department has no
-- territory, and "staff present the second factor where the district requires it"). Under row-level
-- security the planner cannot use the GIN index for that policy (`@>` is not leakproof), so every
-- open event was read and filtered; here the index finds the department's own.
create function private.department_board_counts(p_now timestamptz)
returns table (red bigint, yellow bigint, green bigint, escalated bigint)
language sql stable security definer set search_path = '' as $$
  select count(*) filter (where e.deadline < p_now),
         count(*) filter (where e.deadline >= p_now and e.yellow_at <= p_now),
         count(*) filter (where e.yellow_at > p_now or e.deadline is null),
         count(*) filter (where e.escalated_at is not null)
  from public.event e
  where e.closed_at is null and e.departments @> array[(select private.department_id())]
    and (select private.department_id()) is not null and (select private.aal_ok())
  having (select private.department_id()) is not null and (select private.aal_ok())
$$;

-- The match checks of an insert, whole as before (see 20261205000300_one_home_per_rule), with the
-- areas serving a demand's place computed once per distinct place: private.terr_serving and its
-- three private.terr_unit calls each set a search_path, so they are not inlined, and calling them
-- for every row of a 对接会 of 86,000 matches cost more than the rest of the checks together
-- (measured alone on 86,000 rows: 9–10 s per row on a loaded host, 0.1–0.16 s per place).
create or replace function private.match_inserted() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  my_role text := private.staff_role();
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  me uuid := private.uid();
  bad record;
  booking jsonb;
begin
  -- The areas serving each demand's place, once per place (a few hundred grids), not once per row:
  -- materialized, or the planner evaluates the call again for every row of the join.
  with serving as materialized (
    select t.terr, private.terr_serving(t.terr) as areas from (select distinct terr from new_rows) t)
  select coalesce(bool_or(d.status not in ('new', 'in_progress')), false) as demand_closed,
         coalesce(bool_or(r.status <> 'available' or r.available_to < current_date), false) as resource_unavailable,
         coalesce(bool_or(r.category_id <> d.category_id), false) as category_mismatch,
         coalesce(bool_or((n.org_unit_id, n.street_id, n.community_id, n.grid_id, n.terr, n.resource_terr)
                          is distinct from (d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, r.terr)),
                  false) as territory_mismatch,
         coalesce(bool_or(n.resource_terr <> all (s.areas)), false) as out_of_area,
         coalesce(bool_or(n.status <> 'proposed' and not coalesce(n.resource_terr between lo and hi, false)),
                  false) as not_provider,
         coalesce(bool_or(n.rating is not null or n.status not in ('proposed', 'accepted')), false) as not_open,
         coalesce(bool_or(n.created_by is distinct from me), false) as not_creator
    into bad
  from new_rows n
  -- `offset 0` keeps the lookup by id: the planner would rather hash the whole demand table.
  cross join lateral (select * from public.demand d where d.id = n.demand_id offset 0) d
  join public.resource r on r.id = n.resource_id
  join serving s on s.terr = n.terr;
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

-- ---------------------------------------------------------------- function privileges

revoke execute on all functions in schema private from public;
grant execute on function private.department_board_counts(timestamptz) to authenticated, gongzhi_district;

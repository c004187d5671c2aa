-- The 对接会's commit, round five (issue 21): new matches hold their demands by the demands'
-- advisory buckets, not by a key-share lock on every demand row.
--
-- 20261205130000 kept the foreign key's lock: the check pass of `private.match_inserted()` locked
-- each new match's demand `for key share` (0.97 s of the commit's checks against 0.34 s without the
-- lock, 81,383 demands). A row lock writes the demand's tuple header: every locked demand's page is
-- dirtied and written to the WAL, whole after a checkpoint (most of the demand table's pages for one
-- 对接会). The writers of matches already queue on 64 advisory locks by demand id modulo 64 before
-- the room check (`private.check_demands_have_room`); the same locks now keep the demands:
--   * `private.hold_demands(ids)` takes the buckets of the given demands, in order;
--   * a new match's writer takes them before the check pass, so that pass (a new statement in READ
--     COMMITTED) sees every delete committed by a transaction that held them;
--   * the demand cascade (`private.match_demands_gone`, READ COMMITTED only, as before) takes the
--     deleted demands' buckets before it deletes their matches: a writer that checked a demand
--     before its delete commits first, and its matches are then seen and deleted.
-- In REPEATABLE READ or SERIALIZABLE the writer's check reads its transaction's snapshot, which
-- cannot see a delete committed while it waited; there the demands are locked `for key share` as
-- before, and such a delete is a serialization failure. `tests/matching/test_match_keys.py` races a
-- delete against an insert in both orders and in both isolation levels.

-- ---------------------------------------------------------------- functions
-- The demands of `ids` (repeats allowed) are held by this transaction: their advisory buckets (id
-- modulo 64) are taken in order and kept until it ends. Writers of matches and the demand cascade
-- take them.
create function private.hold_demands(ids bigint[]) returns void
language plpgsql security definer set search_path = '' as $$
declare
  bucket integer;
begin
  for bucket in select distinct (id % 64)::integer from unnest(ids) id order by 1 loop
    perform pg_catalog.pg_advisory_xact_lock(7305, bucket);
  end loop;
end;
$$;

-- The demands of `ids` do not hold more live or done units than they want, summed while their
-- buckets are held. (Whole body: replaces 20261205130000's.)
create or replace function private.check_demands_have_room(ids bigint[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  perform private.hold_demands(ids);
  if exists (select from (select m.demand_id, sum(m.quantity) as q
                          from public.match m
                          join (select distinct u.id from unnest(ids) u(id)) w on w.id = m.demand_id
                          where m.status in ('proposed', 'accepted', 'done')
                          group by m.demand_id having sum(m.quantity) > 1) x
             join public.demand d on d.id = x.demand_id
             where x.q > d.quantity) then
    raise exception 'gongzhi:match.demand_full' using errcode = 'check_violation';
  end if;
end;
$$;

create or replace function private.match_inserted() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  my_role text := private.staff_role();
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  me uuid := private.uid();
  bad record;
  booking jsonb;
  resources integer;
begin
  -- The demands stay until this transaction ends: their buckets first (a delete of one of them
  -- waits, or has committed and the lookup below, a new statement, no longer finds it); in
  -- REPEATABLE READ or SERIALIZABLE the lookup sees an older snapshot, so the rows are locked as
  -- the foreign key locked them (a delete committed since is then a serialization failure).
  perform private.hold_demands(array(select demand_id from new_rows));
  if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
    perform from public.demand d where d.id in (select demand_id from new_rows) order by d.id for key share;
  end if;
  -- The areas serving each demand's place, once per place (a few hundred grids), not once per row:
  -- materialized, or the planner evaluates the call again for every row of the join.
  with serving as materialized (
    select t.terr, private.terr_serving(t.terr) as areas from (select distinct terr from new_rows) t)
  select coalesce(bool_or(d.id is null), false) as demand_missing,
         coalesce(bool_or(r.id is null), false) as resource_missing,
         coalesce(bool_or(d.status not in ('new', 'in_progress')), false) as demand_closed,
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
  left join lateral (select * from public.demand d where d.id = n.demand_id offset 0) d on true
  left join public.resource r on r.id = n.resource_id
  join serving s on s.terr = n.terr;
  if bad.demand_missing then
    raise exception 'insert or update on table "match" violates foreign key constraint "match_demand_id_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'match_demand_id_fkey', table = 'match',
            schema = 'public';
  elsif bad.resource_missing then
    raise exception 'insert or update on table "match" violates foreign key constraint "match_resource_id_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'match_resource_id_fkey', table = 'match',
            schema = 'public';
  elsif bad.demand_closed then
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
  select jsonb_object_agg(resource_id, q), count(*) into booking, resources
  from (select resource_id, sum(quantity) as q from new_rows group by resource_id) x;
  -- Every resource is locked and booked, or one was deleted after the check above: the key's refusal.
  if private.book_capacity(booking) < resources then
    raise exception 'insert or update on table "match" violates foreign key constraint "match_resource_id_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'match_resource_id_fkey', table = 'match',
            schema = 'public';
  end if;
  -- Proposals leave the demand's status alone (it reads as matched); an accepted match moves it.
  perform private.refresh_demand_status(array(select distinct demand_id from new_rows where status <> 'proposed'));
  return null;
end;
$$;

-- (Whole body: replaces 20261205130000's.)
create or replace function private.match_demands_gone() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'could not serialize access: demands are deleted in read committed, where their matches are all seen'
      using errcode = 'serialization_failure', constraint = 'match_demand_id_fkey', table = 'match',
            schema = 'public';
  end if;
  -- A writer of new matches holding these demands' buckets commits first; its matches are then seen.
  perform private.hold_demands(array(select o.id from old_rows o));
  delete from public.match m where m.demand_id in (select o.id from old_rows o);
  return null;
end;
$$;

revoke execute on all functions in schema private from public;

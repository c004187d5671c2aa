-- The 对接会's commit, round four (issue 21): a match's demand and resource are checked once per
-- statement instead of by two foreign keys, and the demands' room is summed set-based.
--
-- `match.demand_id` and `match.resource_id` referenced `demand` and `resource` through foreign keys,
-- which PostgreSQL checks row by row: the 对接会 writes ~86,000 matches in one statement and paid two
-- key lookups with a key-share lock each per row (1.1 s of a 5.7 s commit, docs/performance.md,
-- "The commit, round four"). `private.match_inserted()` already looks every new match's demand up
-- by id and joins its resource; the same rules are now kept there and by triggers, with the
-- foreign keys' semantics in full (as 20261205122000 did for `created_by`):
--   * an inserted match's demand and resource exist: the demand lookup takes the key's own
--     `for key share` lock, and `private.book_capacity()` (which locks every booked resource
--     `for no key update` and updates it) reports how many resources it booked, so a resource
--     deleted concurrently — before the statement, or while the booking waited for its lock — is
--     refused, never skipped;
--   * a match's demand and resource cannot change once written (`match.immutable`, and the
--     territory trigger derives nothing from a missing row), so updates need no check of their own;
--   * deleting a demand or a resource deletes its matches (`on delete cascade`): statement-level
--     `demand_matches_gone` / `resource_matches_gone`, security definer so that row-level security
--     hides no match from the cascade; the matches' own delete triggers (capacity returned, the
--     demand's status, the audit rows) fire as they did under the key;
--   * a demand's or resource's id that a match names cannot change (`no action` on update), and
--     neither table can be truncated while matches exist.
-- The refusals are the keys' own errors (SQLSTATE 23503, constraints `match_demand_id_fkey` and
-- `match_resource_id_fkey`). `tests/matching/test_match_keys.py` holds each of these, with a delete
-- racing an insert in both orders.
--
-- In REPEATABLE READ or SERIALIZABLE, a foreign key's cascade sees rows committed after the
-- deleting transaction's snapshot and refuses with a serialization failure; a trigger sees its
-- snapshot only. A resource's new match always books it (an update of the resource row, which such
-- a delete refuses as a concurrent update); a demand's does not, so the demand cascade refuses to
-- run outside READ COMMITTED (every delete of the portal, the CLI and the jobs runs in it).
--
-- Booking: `private.allocated_by_matches()` asks whether a trigger writes before asking whether the
-- owner does (the cheaper question first; the same rule).
--
-- `private.check_demands_have_room()` summed the demands' live matches with
-- `demand_id = any (<the statement's 86,000 demand ids>)` (0.50 s); it now reads the distinct
-- demands as a set, sums each one's matches by index under the same advisory locks, and looks up
-- only the demands holding more than one unit (0.30 s).

-- ---------------------------------------------------------------- tables
alter table public.match drop constraint match_demand_id_fkey, drop constraint match_resource_id_fkey;

comment on column public.match.demand_id is
  'The demand (public.demand.id). Kept by triggers, not a foreign key (one check per statement): '
  'match_inserted, demand_matches_gone, demand_id_kept_by_matches, demand_truncated_under_matches.';
comment on column public.match.resource_id is
  'The resource (public.resource.id). Kept by triggers, not a foreign key (one check per statement): '
  'match_inserted (through book_capacity), resource_matches_gone, resource_id_kept_by_matches, '
  'resource_truncated_under_matches.';

-- ---------------------------------------------------------------- functions
-- Move resources' `allocated` by a jsonb {resource id: units}, locking them first in id order;
-- answers how many resources it booked (a resource deleted meanwhile is not among them).
drop function private.book_capacity(jsonb);
create function private.book_capacity(delta jsonb) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  booked integer;
begin
  perform from public.resource r
  where r.id in (select key::bigint from jsonb_each_text(delta) where value::int <> 0)
  order by r.id for no key update;
  update public.resource r set allocated = r.allocated + x.value::int
  from jsonb_each_text(delta) x
  where r.id = x.key::bigint and x.value::int <> 0;
  get diagnostics booked = row_count;
  return booked;
end;
$$;

-- A resource's `allocated` is moved only by the match triggers (through `book_capacity`) or the
-- owner. The trigger's question is asked first: a 对接会 books ~12,000 resources, and each booking
-- then skips `private.owner_writes()`'s role lookup (12,204 calls: 58 ms against 14 ms). (Whole
-- body: replaces 20261205105000's.)
create or replace function private.allocated_by_matches() returns trigger
language plpgsql set search_path = '' as $$
begin
  if not (private.written_by_trigger() or private.owner_writes()) then
    raise exception 'gongzhi:resource.allocated_by_matches' using errcode = 'insufficient_privilege';
  end if;
  return new;
end;
$$;

-- The demands of `ids` (repeats allowed) do not hold more live or done units than they want.
-- Writers of the same demands queue on 64 advisory locks (by id modulo 64) before summing. Each
-- distinct demand's matches are summed by index; only a demand holding more than one unit can be
-- over (a demand wants at least one, `demand_quantity_check`), so only those are looked up.
create or replace function private.check_demands_have_room(ids bigint[]) returns void
language plpgsql security definer set search_path = '' as $$
declare
  bucket integer;
begin
  for bucket in select distinct (id % 64)::integer from unnest(ids) id order by 1 loop
    perform pg_catalog.pg_advisory_xact_lock(7305, bucket);
  end loop;
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

-- New matches, once per statement: their demand and resource exist (the keys' check and locks),
-- every rule in one pass over the rows, the demands' room, capacity booked, and a demand whose
-- match starts accepted moved. (Whole body: replaces 20261205107000's.)
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
  -- `offset 0` keeps the lookup by id: the planner would rather hash the whole demand table. The
  -- lock is the foreign key's: the demand cannot go before this transaction ends.
  left join lateral (select * from public.demand d where d.id = n.demand_id offset 0 for key share) d on true
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

-- `on delete cascade` from demand: the deleted demands' matches go (their delete triggers fire).
create function private.match_demands_gone() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'could not serialize access: demands are deleted in read committed, where their matches are all seen'
      using errcode = 'serialization_failure', constraint = 'match_demand_id_fkey', table = 'match',
            schema = 'public';
  end if;
  delete from public.match m where m.demand_id in (select o.id from old_rows o);
  return null;
end;
$$;

-- `on delete cascade` from resource: the deleted resources' matches go.
create function private.match_resources_gone() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  delete from public.match m where m.resource_id in (select o.id from old_rows o);
  return null;
end;
$$;

-- `on update no action`: a demand or resource that a match names keeps its id.
create function private.match_key_kept() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_table_name = 'demand' and exists (select from public.match m where m.demand_id = old.id) then
    raise exception 'update or delete on table "demand" violates foreign key constraint "match_demand_id_fkey" on table "match"'
      using errcode = 'foreign_key_violation', constraint = 'match_demand_id_fkey', table = 'match',
            schema = 'public';
  elsif tg_table_name = 'resource' and exists (select from public.match m where m.resource_id = old.id) then
    raise exception 'update or delete on table "resource" violates foreign key constraint "match_resource_id_fkey" on table "match"'
      using errcode = 'foreign_key_violation', constraint = 'match_resource_id_fkey', table = 'match',
            schema = 'public';
  end if;
  return new;
end;
$$;

-- A truncate of demands or resources would leave matches behind: refused while any match exists.
create function private.match_keys_truncated() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if exists (select from public.match) then
    raise exception 'cannot truncate a table referenced in a foreign key constraint'
      using errcode = 'feature_not_supported',
            constraint = case tg_table_name when 'demand' then 'match_demand_id_fkey' else 'match_resource_id_fkey' end,
            table = 'match', schema = 'public';
  end if;
  return null;
end;
$$;

-- ---------------------------------------------------------------- triggers
create trigger demand_matches_gone after delete on public.demand
  referencing old table as old_rows for each statement execute function private.match_demands_gone();
create trigger resource_matches_gone after delete on public.resource
  referencing old table as old_rows for each statement execute function private.match_resources_gone();
create trigger demand_id_kept_by_matches before update of id on public.demand
  for each row when (new.id is distinct from old.id) execute function private.match_key_kept();
create trigger resource_id_kept_by_matches before update of id on public.resource
  for each row when (new.id is distinct from old.id) execute function private.match_key_kept();
create trigger demand_truncated_under_matches before truncate on public.demand
  for each statement execute function private.match_keys_truncated();
create trigger resource_truncated_under_matches before truncate on public.resource
  for each statement execute function private.match_keys_truncated();

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

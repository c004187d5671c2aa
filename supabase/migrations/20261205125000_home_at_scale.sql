-- The 待办 home at 1M demands for every role (issue 22): what each card and figure read, found by
-- EXPLAIN (ANALYZE, BUFFERS) as each demo account on the benchmark database, brought down to an
-- index or a tally.
--
-- public.demand_count_tally  the demands summed by territory code, written only by triggers on
--                            demand: the home's 需求清单 figure is a sum over a few rows per grid
--                            instead of a count of up to a quarter of a million demands (a street:
--                            83 ms). It changes only when a demand is added, removed or moves to
--                            another place (never on a status change). Like the dashboard's tallies
--                            it appends delta rows, so that no writer locks a row another waits for
--                            (an import's preview inserts and rolls back batch after batch: an upsert
--                            would hold its grids' rows for the whole preview, and two imports could
--                            deadlock); private.compact_demand_count_tally() folds them nightly
--                            (`python -m gongzhi dashboard compact`).
-- event_open_seen_idx        the open events by terr with what the cards read and `departments`,
--                            which the staff's read policy ORs with the territory: with it the
--                            street's, community's and grid's event cards are index-only scans of
--                            their own range (they were bitmap heap scans of every open event).
-- demand_new_seen_idx        the new demands by (terr, needed_by) with created_at and id: the
--                            community's 逾期未对接 card tests a proposed match by the demand's id,
--                            which sent it to the heap for every overdue demand of the community.

-- ---------------------------------------------------------------- tables
create table public.demand_count_tally (
  terr bigint not null,
  n integer not null default 0,
  id bigint generated always as identity primary key
);
comment on table public.demand_count_tally is 'Demands summed by territory code: delta rows (n) appended by triggers on demand, folded by private.compact_demand_count_tally(). A sum over the rows a user may read equals a count of the demands that user may read.';

-- ---------------------------------------------------------------- indexes
create index demand_count_tally_terr_idx on public.demand_count_tally (terr) include (n);
create index event_open_seen_idx on public.event (terr)
  include (deadline, yellow_at, escalated_at, step, step_at, departments) where closed_at is null;
drop index public.event_open_terr_idx;

-- Names `status` like the index it replaces (a demand re-indexes only when its status changes; see
-- 20261205001300_home_and_notifications.sql).
create index demand_new_seen_idx on public.demand (terr, needed_by) include (created_at, id) where status = 'new';
drop index public.demand_new_terr_idx;

-- ---------------------------------------------------------------- helpers
-- The tally after an insert or a delete on demand: one delta row per territory code the statement
-- added (or took away) demands of.
create function private.demand_count_tally_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.demand_count_tally (terr, n) select terr, count(*) from new_rows group by 1;
  else
    insert into public.demand_count_tally (terr, n) select terr, -count(*) from old_rows group by 1;
  end if;
  return null;
end;
$$;

-- A demand that moves to another place (its terr changes) leaves one code for another.
create function private.demand_count_tally_moved() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.demand_count_tally (terr, n) values (old.terr, -1), (new.terr, 1);
  return null;
end;
$$;

-- Folds the delta rows into one row per territory code (codes at zero go); rows appended while it
-- runs are left for the next time, so the sums never change. One run at a time.
create function private.compact_demand_count_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not pg_try_advisory_xact_lock(7303) then
    return;
  end if;
  with gone as (delete from public.demand_count_tally returning terr, n)
  insert into public.demand_count_tally (terr, n)
  select terr, sum(n) from gone group by terr having sum(n) <> 0;
end;
$$;

-- The tally again from the demands themselves (after a bulk load with the triggers off).
create function private.rebuild_demand_count_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  lock table public.demand_count_tally in exclusive mode;
  delete from public.demand_count_tally;
  insert into public.demand_count_tally (terr, n)
  select terr, count(*) from public.demand group by 1 order by 1;
end;
$$;

-- A bulk load (the seed) switches the user triggers of demand off and on again; when they come
-- back on, the tally is recomputed in the same transaction (as private.demand_tally_after_alter).
create function private.demand_count_tally_after_alter() returns event_trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from pg_event_trigger_ddl_commands() c
             where c.objid = to_regclass('public.demand') and c.command_tag = 'ALTER TABLE')
     and exists (select from pg_catalog.pg_trigger tg
                 where tg.tgrelid = to_regclass('public.demand') and tg.tgname = 'demand_count_tally_insert'
                   and tg.tgenabled <> 'D') then
    perform private.rebuild_demand_count_tally();
  end if;
end;
$$;

select private.rebuild_demand_count_tally();

-- ---------------------------------------------------------------- triggers
create trigger demand_count_tally_insert after insert on public.demand
  referencing new table as new_rows for each statement execute function private.demand_count_tally_changed();
create trigger demand_count_tally_delete after delete on public.demand
  referencing old table as old_rows for each statement execute function private.demand_count_tally_changed();
create trigger demand_count_tally_moved after update on public.demand
  for each row when (new.terr is distinct from old.terr) execute function private.demand_count_tally_moved();

-- Event triggers need a superuser; elsewhere (hosted Supabase) a bulk load ends with the rebuild.
do $$
begin
  create event trigger demand_count_tally_after_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function private.demand_count_tally_after_alter();
exception when insufficient_privilege then
  raise notice 'no event trigger (needs a superuser): run select private.rebuild_demand_count_tally() after bulk loads';
end
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.demand_count_tally enable row level security;

create policy "staff read demand counts of their territory" on public.demand_count_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all demand counts" on public.demand_count_tally
  for select to gongzhi_district using (true);
create policy "staff present the second factor where the district requires it" on public.demand_count_tally
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.demand_count_tally from anon, gongzhi_public;
revoke insert, update, delete, truncate on public.demand_count_tally from authenticated, gongzhi_district;
grant select on public.demand_count_tally to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

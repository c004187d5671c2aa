-- The dashboard's median time to close from a tally (issue 21): the demands closed 'done', counted
-- by territory code, Beijing close day and whole calendar days from creation to close, so that the
-- exact median of a period is a weighted median over a few rows per grid and day instead of a
-- percentile_cont over every demand closed in the period (462 ms at 3M demands for a month).
--
-- public.demand_close_tally  written only by statement-level triggers on demand (transition
--                            tables). Like demand_count_tally it appends delta rows (n = +1 / -1
--                            per row of a statement, summed per key), so no writer waits for
--                            another's row; private.compact_demand_close_tally() folds them
--                            (`python -m gongzhi dashboard compact`). An update that changes none
--                            of the keys (terr, status, created_at, closed_at) adds no row.
--                            `days` is exactly what gongzhi/dashboard/median.py ordered by:
--                            (closed_at at time zone 'Asia/Shanghai')::date
--                              - (created_at at time zone 'Asia/Shanghai')::date.
--                            Read under the same policies as demand_tally (the demands' own).

-- ---------------------------------------------------------------- tables
create table public.demand_close_tally (
  terr bigint not null,
  day date not null,
  days integer not null,
  n integer not null,
  id bigint generated always as identity primary key
);
comment on table public.demand_close_tally is 'Demands closed done, summed by territory code, Beijing close day (day) and calendar days from creation to close (days): delta rows (n) appended by triggers on demand, folded by private.compact_demand_close_tally(). The weighted median of days over the rows a user may read for a span of days equals percentile_cont(0.5) over the demands closed done in that span.';

-- ---------------------------------------------------------------- indexes
-- A grid's or a community's period reads its own range of codes; the district's, a range of days.
create index demand_close_tally_terr_idx on public.demand_close_tally (terr, day) include (days, n);
create index demand_close_tally_day_idx on public.demand_close_tally (day, terr) include (days, n);

-- ---------------------------------------------------------------- helpers
-- The tally after an insert, an update or a delete on demand: one delta row per (terr, day, days)
-- whose count of done demands the statement changed. An update counts its old rows out and its new
-- rows in, and keys where the two cancel (a status change from new to matched, an edit of the
-- text, a done demand that stays done where it was) add nothing.
create function private.demand_close_tally_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.demand_close_tally (terr, day, days, n)
    select terr, (closed_at at time zone 'Asia/Shanghai')::date,
           (closed_at at time zone 'Asia/Shanghai')::date - (created_at at time zone 'Asia/Shanghai')::date,
           count(*)
    from new_rows where status = 'done' and closed_at is not null
    group by 1, 2, 3;
  elsif tg_op = 'DELETE' then
    insert into public.demand_close_tally (terr, day, days, n)
    select terr, (closed_at at time zone 'Asia/Shanghai')::date,
           (closed_at at time zone 'Asia/Shanghai')::date - (created_at at time zone 'Asia/Shanghai')::date,
           -count(*)
    from old_rows where status = 'done' and closed_at is not null
    group by 1, 2, 3;
  else
    insert into public.demand_close_tally (terr, day, days, n)
    select terr, day, days, sum(s)
    from (select terr, (closed_at at time zone 'Asia/Shanghai')::date as day,
                 (closed_at at time zone 'Asia/Shanghai')::date
                   - (created_at at time zone 'Asia/Shanghai')::date as days, -1 as s
          from old_rows where status = 'done' and closed_at is not null
          union all
          select terr, (closed_at at time zone 'Asia/Shanghai')::date,
                 (closed_at at time zone 'Asia/Shanghai')::date - (created_at at time zone 'Asia/Shanghai')::date, 1
          from new_rows where status = 'done' and closed_at is not null) d
    group by terr, day, days
    having sum(s) <> 0;
  end if;
  return null;
end;
$$;

-- Folds the delta rows into one row per (terr, day, days) (keys at zero go); rows appended while it
-- runs are left for the next time, so the sums never change. One run at a time.
create function private.compact_demand_close_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not pg_try_advisory_xact_lock(7304) then
    return;
  end if;
  with gone as (delete from public.demand_close_tally returning terr, day, days, n)
  insert into public.demand_close_tally (terr, day, days, n)
  select terr, day, days, sum(n) from gone group by terr, day, days having sum(n) <> 0
  order by day, terr;
end;
$$;

-- The tally again from the demands themselves (after a bulk load with the triggers off).
create function private.rebuild_demand_close_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  lock table public.demand_close_tally in exclusive mode;
  delete from public.demand_close_tally;
  insert into public.demand_close_tally (terr, day, days, n)
  select terr, (closed_at at time zone 'Asia/Shanghai')::date,
         (closed_at at time zone 'Asia/Shanghai')::date - (created_at at time zone 'Asia/Shanghai')::date,
         count(*)
  from public.demand where status = 'done' and closed_at is not null
  group by 1, 2, 3 order by 2, 1;
end;
$$;

-- A bulk load (the seed) switches the user triggers of demand off and on again; when they come
-- back on, the tally is recomputed in the same transaction (as private.demand_count_tally_after_alter).
create function private.demand_close_tally_after_alter() returns event_trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from pg_event_trigger_ddl_commands() c
             where c.objid = to_regclass('public.demand') and c.command_tag = 'ALTER TABLE')
     and exists (select from pg_catalog.pg_trigger tg
                 where tg.tgrelid = to_regclass('public.demand') and tg.tgname = 'demand_close_tally_insert'
                   and tg.tgenabled <> 'D') then
    perform private.rebuild_demand_close_tally();
  end if;
end;
$$;

select private.rebuild_demand_close_tally();

-- ---------------------------------------------------------------- triggers
create trigger demand_close_tally_insert after insert on public.demand
  referencing new table as new_rows for each statement execute function private.demand_close_tally_changed();
create trigger demand_close_tally_update after update on public.demand
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.demand_close_tally_changed();
create trigger demand_close_tally_delete after delete on public.demand
  referencing old table as old_rows for each statement execute function private.demand_close_tally_changed();

-- Event triggers need a superuser; elsewhere (hosted Supabase) a bulk load ends with the rebuild.
do $$
begin
  create event trigger demand_close_tally_after_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function private.demand_close_tally_after_alter();
exception when insufficient_privilege then
  raise notice 'no event trigger (needs a superuser): run select private.rebuild_demand_close_tally() after bulk loads';
end
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.demand_close_tally enable row level security;

create policy "staff read demand close tallies of their territory" on public.demand_close_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all demand close tallies" on public.demand_close_tally
  for select to gongzhi_district using (true);
create policy "staff present the second factor where the district requires it" on public.demand_close_tally
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.demand_close_tally from anon, gongzhi_public;
revoke insert, update, delete, truncate on public.demand_close_tally from authenticated, gongzhi_district;
grant select on public.demand_close_tally to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

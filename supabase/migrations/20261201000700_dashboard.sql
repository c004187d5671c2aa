-- Dashboard (数据驾驶舱) and monthly bulletin (月通报): the demand tally and the resource tally,
-- summaries kept exact by triggers, so that a leader's figures are sums over a few thousand rows
-- instead of scans of a million.
--
-- Demand tally, by (terr, category_id, day):
--   on the day a demand was created (Asia/Shanghai calendar day): created_n, and created_done_n
--     when that demand is done now;
--   on the day it was closed (closed_at): closed_n (done or cancelled), done_n, and done_days,
--     the sum of whole days from creation to done;
--   on the day 'infinity', the snapshot of now: open_n (new, matched or in progress).
-- Resource tally, by (terr, kind, status): count, in use, idle, capacity, allocated.
-- Each tally carries its rows' own `terr` and the same read policy as demand or resource, so a sum
-- over the tally as a user equals a count over the rows that user may see.
--
-- Writes append delta rows instead of updating one row per key: with one row per key, two
-- transactions that change demands of the same grid, category and day (or any open demand of the
-- same grid and category: the snapshot row) lock the same tally row, and when they also lock a
-- resource or a demand in the opposite order they deadlock. Appended rows lock nothing shared;
-- every reader sums over the rows of a key. private.compact_tallies() folds the deltas back into
-- one row per key; run it nightly (`python -m gongzhi dashboard compact`). A bulk load that turns
-- the user triggers back on recomputes the tallies (event triggers).

-- ---------------------------------------------------------------- tables
create table public.demand_tally (
  terr bigint not null,
  category_id bigint not null,
  day date not null,
  created_n integer not null default 0,
  created_done_n integer not null default 0,
  closed_n integer not null default 0,
  done_n integer not null default 0,
  done_days bigint not null default 0,
  open_n integer not null default 0,
  id bigint generated always as identity primary key
);
comment on table public.demand_tally is 'Demands summed by territory code, category and day for the dashboard; written only by triggers on demand. day = infinity holds the open demands of now.';

create table public.resource_tally (
  terr bigint not null,
  kind text not null,
  status text not null,
  n integer not null default 0,
  in_use integer not null default 0,
  idle integer not null default 0,
  capacity bigint not null default 0,
  allocated bigint not null default 0,
  id bigint generated always as identity primary key
);
comment on table public.resource_tally is 'Resources summed by territory code, kind and status for the dashboard; written only by triggers on resource.';

-- ---------------------------------------------------------------- indexes
create index demand_tally_day_idx on public.demand_tally (day);
create index demand_tally_terr_idx on public.demand_tally (terr, day, category_id);
create index resource_tally_terr_idx on public.resource_tally (terr, kind, status);
-- Median time to close reads the demands closed in a period: an index on the closing time of
-- closed demands, carrying created_at and terr. It names no status, so that a status change of an
-- open demand stays a HOT update, which no index sees.
create index demand_closed_at_idx on public.demand (closed_at) include (created_at, terr)
  where closed_at is not null;

-- ---------------------------------------------------------------- helpers
-- The statement that appends the contribution of a set of demand rows, each with a sign (+1 or
-- -1), to the tally, one row per key that changes; `source` is a query over columns terr,
-- category_id, status, created_at, closed_at, s. Run by the caller (transition tables).
create function private.demand_tally_sql(source text) returns text
language plpgsql immutable set search_path = ''
as $$
begin
  return format($sql$
    with d as (%s),
    c as (
      select terr, category_id, (created_at at time zone 'Asia/Shanghai')::date as day,
             s as created_n, case when status = 'done' then s else 0 end as created_done_n,
             0 as closed_n, 0 as done_n, 0::bigint as done_days, 0 as open_n
      from d
      union all
      select terr, category_id, (closed_at at time zone 'Asia/Shanghai')::date, 0, 0, s,
             case when status = 'done' then s else 0 end,
             case when status = 'done'
                  then s * ((closed_at at time zone 'Asia/Shanghai')::date
                            - (created_at at time zone 'Asia/Shanghai')::date) else 0 end,
             0
      from d where closed_at is not null
      union all
      select terr, category_id, 'infinity'::date, 0, 0, 0, 0, 0, s
      from d where status in ('new', 'matched', 'in_progress')
    )
    insert into public.demand_tally
      (terr, category_id, day, created_n, created_done_n, closed_n, done_n, done_days, open_n)
    select terr, category_id, day, sum(created_n), sum(created_done_n), sum(closed_n), sum(done_n),
           sum(done_days), sum(open_n)
    from c group by terr, category_id, day
    having sum(created_n) <> 0 or sum(created_done_n) <> 0 or sum(closed_n) <> 0 or sum(done_n) <> 0
        or sum(done_days) <> 0 or sum(open_n) <> 0
  $sql$, source);
end;
$$;

-- The same for resources: `source` is a query over terr, kind, status, capacity, allocated, s.
create function private.resource_tally_sql(source text) returns text
language plpgsql immutable set search_path = ''
as $$
begin
  return format($sql$
    with d as (%s)
    insert into public.resource_tally (terr, kind, status, n, in_use, idle, capacity, allocated)
    select terr, kind, status, sum(s), sum(case when allocated > 0 then s else 0 end),
           sum(case when allocated = 0 and status = 'available' then s else 0 end),
           sum(s * capacity), sum(s * allocated)
    from d group by terr, kind, status
    having sum(s) <> 0 or sum(s * capacity) <> 0 or sum(s * allocated) <> 0
        or sum(case when allocated > 0 then s else 0 end) <> 0
        or sum(case when allocated = 0 and status = 'available' then s else 0 end) <> 0
  $sql$, source);
end;
$$;

-- Recomputes the whole tally from the demands: after a bulk load that ran with triggers off.
create function private.rebuild_demand_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  lock table public.demand_tally in exclusive mode;
  delete from public.demand_tally;
  execute private.demand_tally_sql(
    'select terr, category_id, status, created_at, closed_at, 1 as s from public.demand');
end;
$$;

-- Recomputes the whole resource tally: after a bulk load that ran with triggers off.
create function private.rebuild_resource_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  lock table public.resource_tally in exclusive mode;
  delete from public.resource_tally;
  execute private.resource_tally_sql(
    'select terr, kind, status, capacity, allocated, 1 as s from public.resource');
end;
$$;

-- Folds the delta rows of both tallies into one row per key. Rows that other transactions add
-- meanwhile are left as they are, so the sums never change; a second caller returns at once.
create function private.compact_tallies() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not pg_try_advisory_xact_lock(7302) then
    return;
  end if;
  with gone as (delete from public.demand_tally returning *)
  insert into public.demand_tally
    (terr, category_id, day, created_n, created_done_n, closed_n, done_n, done_days, open_n)
  select terr, category_id, day, sum(created_n), sum(created_done_n), sum(closed_n), sum(done_n),
         sum(done_days), sum(open_n)
  from gone group by terr, category_id, day
  having sum(created_n) <> 0 or sum(created_done_n) <> 0 or sum(closed_n) <> 0 or sum(done_n) <> 0
      or sum(done_days) <> 0 or sum(open_n) <> 0;
  with gone as (delete from public.resource_tally returning *)
  insert into public.resource_tally (terr, kind, status, n, in_use, idle, capacity, allocated)
  select terr, kind, status, sum(n), sum(in_use), sum(idle), sum(capacity), sum(allocated)
  from gone group by terr, kind, status
  having sum(n) <> 0 or sum(in_use) <> 0 or sum(idle) <> 0 or sum(capacity) <> 0 or sum(allocated) <> 0;
end;
$$;

-- ---------------------------------------------------------------- triggers
-- Keeps the tally equal to the demands after every insert, update and delete, set-based per
-- statement (transition tables), so a batch of a hundred thousand rows costs one grouped upsert.
create function private.demand_tally_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    execute private.demand_tally_sql(
      'select terr, category_id, status, created_at, closed_at, -1 as s from old_rows');
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    execute private.demand_tally_sql(
      'select terr, category_id, status, created_at, closed_at, 1 as s from new_rows');
  end if;
  return null;
end;
$$;

create trigger demand_tally_insert after insert on public.demand
  referencing new table as new_rows for each statement execute function private.demand_tally_changed();
create trigger demand_tally_update after update on public.demand
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.demand_tally_changed();
create trigger demand_tally_delete after delete on public.demand
  referencing old table as old_rows for each statement execute function private.demand_tally_changed();

-- Keeps the tally equal to the resources after every statement (transition tables).
create function private.resource_tally_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    execute private.resource_tally_sql(
      'select terr, kind, status, capacity, allocated, -1 as s from old_rows');
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    execute private.resource_tally_sql(
      'select terr, kind, status, capacity, allocated, 1 as s from new_rows');
  end if;
  return null;
end;
$$;

create trigger resource_tally_insert after insert on public.resource
  referencing new table as new_rows for each statement execute function private.resource_tally_changed();
create trigger resource_tally_update after update on public.resource
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.resource_tally_changed();
create trigger resource_tally_delete after delete on public.resource
  referencing old table as old_rows for each statement execute function private.resource_tally_changed();

-- A bulk load (the seed) switches the user triggers of demand off and on again; when they come
-- back on, the tally is recomputed inside the same transaction, so it never misses those rows.
create function private.demand_tally_after_alter() returns event_trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from pg_event_trigger_ddl_commands() c
             where c.objid = to_regclass('public.demand') and c.command_tag = 'ALTER TABLE')
     and exists (select from pg_catalog.pg_trigger tg
                 where tg.tgrelid = to_regclass('public.demand') and tg.tgname = 'demand_tally_insert'
                   and tg.tgenabled <> 'D') then
    perform private.rebuild_demand_tally();
  end if;
end;
$$;

-- When a bulk load turns the user triggers of resource back on, recompute the resource tally.
create function private.resource_tally_after_alter() returns event_trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if exists (select from pg_event_trigger_ddl_commands() c
             where c.objid = to_regclass('public.resource') and c.command_tag = 'ALTER TABLE')
     and exists (select from pg_catalog.pg_trigger tg
                 where tg.tgrelid = to_regclass('public.resource') and tg.tgname = 'resource_tally_insert'
                   and tg.tgenabled <> 'D') then
    perform private.rebuild_resource_tally();
  end if;
end;
$$;

-- Event triggers need a superuser; elsewhere (hosted Supabase) a bulk load ends with the rebuilds.
do $$
begin
  create event trigger demand_tally_after_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function private.demand_tally_after_alter();
  create event trigger resource_tally_after_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function private.resource_tally_after_alter();
exception when insufficient_privilege then
  raise notice 'no event triggers (needs a superuser): run select private.rebuild_demand_tally(), private.rebuild_resource_tally() after bulk loads';
end
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.demand_tally enable row level security;
alter table public.resource_tally enable row level security;

create policy "staff read demand tallies of their territory" on public.demand_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all demand tallies" on public.demand_tally
  for select to gongzhi_district using (true);

create policy "staff read resource tallies serving their territory" on public.resource_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "district staff read all resource tallies" on public.resource_tally
  for select to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
revoke insert, update, delete, truncate on public.demand_tally, public.resource_tally
  from anon, authenticated, gongzhi_district;
grant select on public.demand_tally, public.resource_tally to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

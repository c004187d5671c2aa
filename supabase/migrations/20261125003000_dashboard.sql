-- Dashboard (数据驾驶舱) and monthly bulletin (月通报): the demand tally, a summary of demands by
-- territory code, category and day, kept exact by triggers, so that a leader's figures are sums
-- over a few thousand rows instead of scans of a million.
--
-- One row per (terr, category_id, day):
--   on the day a demand was created (Asia/Shanghai calendar day): created_n, and created_done_n
--     when that demand is done now;
--   on the day it was closed (closed_at): closed_n (done or cancelled), done_n, and done_days,
--     the sum of whole days from creation to done;
--   on the day 'infinity', the snapshot of now: open_n (new, matched or in progress).
-- The tally carries the demand's own `terr` and the same read policy as demand, so a sum over
-- the tally as a user equals a count over the demands that user may see.

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
  primary key (terr, day, category_id)
);
comment on table public.demand_tally is 'Demands summed by territory code, category and day for the dashboard; written only by triggers on demand. day = infinity holds the open demands of now.';

-- ---------------------------------------------------------------- indexes
create index demand_tally_day_idx on public.demand_tally (day);

-- ---------------------------------------------------------------- helpers
-- The statement that adds the contribution of a set of demand rows, each with a sign (+1 or -1),
-- to the tally; `source` is a query over columns terr, category_id, status, created_at, closed_at, s.
-- Returned as text and run by the caller, because a trigger's transition tables are visible only
-- to statements the trigger function itself runs.
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
    insert into public.demand_tally as t
      (terr, category_id, day, created_n, created_done_n, closed_n, done_n, done_days, open_n)
    select terr, category_id, day, sum(created_n), sum(created_done_n), sum(closed_n), sum(done_n),
           sum(done_days), sum(open_n)
    from c group by terr, category_id, day
    having sum(created_n) <> 0 or sum(created_done_n) <> 0 or sum(closed_n) <> 0 or sum(done_n) <> 0
        or sum(done_days) <> 0 or sum(open_n) <> 0
    on conflict (terr, day, category_id) do update set
      created_n = t.created_n + excluded.created_n,
      created_done_n = t.created_done_n + excluded.created_done_n,
      closed_n = t.closed_n + excluded.closed_n,
      done_n = t.done_n + excluded.done_n,
      done_days = t.done_days + excluded.done_days,
      open_n = t.open_n + excluded.open_n
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

do $$
begin
  create event trigger demand_tally_after_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function private.demand_tally_after_alter();
exception when insufficient_privilege then
  raise notice 'no event trigger (needs a superuser): run select private.rebuild_demand_tally() after bulk loads';
end
$$;

select private.rebuild_demand_tally();

-- ---------------------------------------------------------------- row-level security
alter table public.demand_tally enable row level security;

create policy "staff read demand tallies of their territory" on public.demand_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all demand tallies" on public.demand_tally
  for select to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
revoke insert, update, delete, truncate on public.demand_tally from anon, authenticated, gongzhi_district;
grant select on public.demand_tally to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

-- Dashboard tallies without hot rows: writes append delta rows instead of updating one row per key.
--
-- With one row per key, two transactions that change demands of the same grid, category and day
-- (or any open demand of the same grid and category: the snapshot row) lock the same tally row,
-- and when they also lock a resource or a demand in the opposite order they deadlock. Appended
-- rows lock nothing shared; every reader already sums over the rows of a key. The function
-- private.compact_tallies() folds the deltas back into one row per key; run it nightly
-- (`python -m gongzhi dashboard compact`). A bulk load recomputes the tallies anyway.

-- ---------------------------------------------------------------- tables
alter table public.demand_tally drop constraint demand_tally_pkey;
alter table public.demand_tally add column id bigint generated always as identity primary key;
create index demand_tally_terr_idx on public.demand_tally (terr, day, category_id);

alter table public.resource_tally drop constraint resource_tally_pkey;
alter table public.resource_tally add column id bigint generated always as identity primary key;
create index resource_tally_terr_idx on public.resource_tally (terr, kind, status);

-- ---------------------------------------------------------------- helpers
-- The statement that appends the contribution of a set of demand rows, each with a sign (+1 or
-- -1), to the tally, one row per key that changes; `source` is a query over columns terr,
-- category_id, status, created_at, closed_at, s. Run by the caller (transition tables).
create or replace function private.demand_tally_sql(source text) returns text
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
create or replace function private.resource_tally_sql(source text) returns text
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

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

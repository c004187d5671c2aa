-- Dashboard: the resource tally, resources summed by territory code, kind and status (count,
-- in use, idle, capacity, allocated), kept exact by triggers like the demand tally, so resource
-- utilisation is a sum over a few hundred rows instead of a scan of every resource.
-- It carries the resource's own `terr` and the same read policy as resource.

-- ---------------------------------------------------------------- tables
create table public.resource_tally (
  terr bigint not null,
  kind text not null,
  status text not null,
  n integer not null default 0,
  in_use integer not null default 0,
  idle integer not null default 0,
  capacity bigint not null default 0,
  allocated bigint not null default 0,
  primary key (terr, kind, status)
);
comment on table public.resource_tally is 'Resources summed by territory code, kind and status for the dashboard; written only by triggers on resource.';

-- ---------------------------------------------------------------- helpers
-- The statement that adds the contribution of a set of resource rows with a sign (+1 or -1);
-- `source` is a query over columns terr, kind, status, capacity, allocated, s. Run by the caller.
create function private.resource_tally_sql(source text) returns text
language plpgsql immutable set search_path = ''
as $$
begin
  return format($sql$
    with d as (%s)
    insert into public.resource_tally as t (terr, kind, status, n, in_use, idle, capacity, allocated)
    select terr, kind, status, sum(s), sum(case when allocated > 0 then s else 0 end),
           sum(case when allocated = 0 and status = 'available' then s else 0 end),
           sum(s * capacity), sum(s * allocated)
    from d group by terr, kind, status
    having sum(s) <> 0 or sum(s * capacity) <> 0 or sum(s * allocated) <> 0
        or sum(case when allocated > 0 then s else 0 end) <> 0
    on conflict (terr, kind, status) do update set
      n = t.n + excluded.n, in_use = t.in_use + excluded.in_use, idle = t.idle + excluded.idle,
      capacity = t.capacity + excluded.capacity, allocated = t.allocated + excluded.allocated
  $sql$, source);
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

-- ---------------------------------------------------------------- triggers
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

-- When a bulk load turns the user triggers of resource back on, recompute the tally (see the
-- demand tally's event trigger).
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

do $$
begin
  create event trigger resource_tally_after_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function private.resource_tally_after_alter();
exception when insufficient_privilege then
  raise notice 'no event trigger (needs a superuser): run select private.rebuild_resource_tally() after bulk loads';
end
$$;

select private.rebuild_resource_tally();

-- ---------------------------------------------------------------- row-level security
alter table public.resource_tally enable row level security;

create policy "staff read resource tallies serving their territory" on public.resource_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "district staff read all resource tallies" on public.resource_tally
  for select to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
revoke insert, update, delete, truncate on public.resource_tally from anon, authenticated, gongzhi_district;
grant select on public.resource_tally to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

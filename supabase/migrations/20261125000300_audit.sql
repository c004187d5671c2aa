-- Audit: every insert, update and delete on the lists and the org tables leaves a row in
-- audit_log, written by a trigger. Staff read the audit of their territory; nobody changes it.

-- ---------------------------------------------------------------- table
create table public.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor uuid,
  table_name text not null,
  row_id text not null,
  action text not null check (action in ('insert', 'update', 'delete')),
  terr bigint not null default 0,
  old_row jsonb,
  new_row jsonb
);
comment on table public.audit_log is 'Who changed what and when. Written only by private.audit(); never updated or deleted.';
create index audit_log_row_idx on public.audit_log (table_name, row_id, at);
create index audit_log_terr_idx on public.audit_log (terr);
create index audit_log_actor_idx on public.audit_log (actor);

-- ---------------------------------------------------------------- triggers
-- Writes the audit row; runs as the table owner so that clients need no right on audit_log.
create function private.audit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  old_row jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) end;
  new_row jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) end;
  r jsonb := coalesce(new_row, old_row);
begin
  if tg_op = 'UPDATE' and old_row = new_row then
    return null;
  end if;
  insert into public.audit_log (actor, table_name, row_id, action, terr, old_row, new_row)
  values (auth.uid(), tg_table_name,
          coalesce(r ->> 'id', r ->> 'user_id', concat_ws('/', r ->> 'project_id', r ->> 'demand_id', r ->> 'resource_id')),
          lower(tg_op), coalesce((r ->> 'terr')::bigint, 0), old_row, new_row);
  return null;
end;
$$;

-- The audit trail cannot be changed, not even by the table owner.
create function private.audit_is_append_only() returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception 'gongzhi:audit.append_only' using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_log_append_only before update or delete on public.audit_log
  for each row execute function private.audit_is_append_only();

do $$
declare
  t text;
begin
  foreach t in array array['org_unit', 'staff', 'category', 'demand', 'resource', 'project',
                           'project_milestone', 'project_demand', 'project_resource', 'match'] loop
    execute format('create trigger %1$s_audit after insert or update or delete on public.%1$I
                    for each row execute function private.audit()', t);
  end loop;
end
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.audit_log enable row level security;

create policy "staff read the audit of their territory" on public.audit_log
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read the whole audit" on public.audit_log
  for select to gongzhi_district using (true);

revoke insert, update, delete, truncate on public.audit_log from anon, authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

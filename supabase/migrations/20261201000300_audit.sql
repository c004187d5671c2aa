-- Audit: every insert, update and delete on the lists, the org tables and the volunteer and whistle
-- tables leaves a row in audit_log, written by triggers. Staff read the audit of their territory;
-- nobody changes it.
--
-- The triggers run once per statement and read its transition tables: a 对接会 batch writes a
-- hundred thousand matches in one statement, and one set-based insert audits them all. PostgreSQL
-- allows transition tables only on single-event triggers, so each audited table gets three
-- (insert, update, delete), made by private.add_audit('<table>'). The per-row private.audit()
-- remains for the assessment, which audits only a changed evaluation (a WHEN clause a statement
-- trigger cannot have).
--
-- The trail never stores personal data: street and community staff read the audit of their
-- territory but may not see a beneficiary's name or phone (see the list-pages migration); row
-- images leave those keys out, as they leave out what only repeats other rows (see
-- private.audit_omitted_keys).

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
comment on table public.audit_log is 'Who changed what and when. Written only by private.audit_rows() (and private.audit() for assessment evaluations); never updated or deleted.';

-- ---------------------------------------------------------------- indexes
create index audit_log_row_idx on public.audit_log (table_name, row_id, at);
create index audit_log_terr_idx on public.audit_log (terr);
create index audit_log_actor_idx on public.audit_log (actor);

-- ---------------------------------------------------------------- helpers
-- Keys of a row that are personal data and stay out of the audit trail.
create function private.personal_keys() returns text[]
language sql immutable set search_path = ''
as $$ select array['beneficiary_name', 'beneficiary_phone', 'phone']::text[] $$;

-- Keys left out of every row image: personal data; a match's scoring reasons (written once when
-- the match is made, never changed, and kept on the match itself; they were half of each audit
-- row a batch writes); a resource's allocated (moved only by the matches, which the match rows
-- already record) and updated_at (the audit row has its own time).
create function private.audit_omitted_keys() returns text[]
language sql immutable set search_path = ''
as $$ select private.personal_keys() || array['reasons', 'allocated', 'updated_at']::text[] $$;

-- The row id recorded for a row image: its id, else its user_id, else its composite key.
-- No `set search_path`: a SET clause keeps PostgreSQL from inlining the function, and calling it
-- cost 10 µs a row; `stable`, as concat_ws is, for the same reason. Inlined, it runs under the
-- caller's search_path (audit_rows sets '').
create function private.audit_row_id(r jsonb) returns text
language sql stable
as $$
  select coalesce(r ->> 'id', r ->> 'user_id', concat_ws('/', r ->> 'project_id', r ->> 'demand_id', r ->> 'resource_id'))
$$;

-- ---------------------------------------------------------------- triggers
-- The row images are built once each (`materialized`): inlined, to_jsonb would run once for
-- every place the image is used.
create function private.audit_rows() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  actor uuid := auth.uid();
begin
  if tg_op = 'INSERT' then
    with n as materialized (select to_jsonb(n) - private.audit_omitted_keys() as r from new_rows n)
    insert into public.audit_log (actor, table_name, row_id, action, terr, old_row, new_row)
    select actor, tg_table_name, private.audit_row_id(r), 'insert', coalesce((r ->> 'terr')::bigint, 0), null, r
    from n;
  elsif tg_op = 'DELETE' then
    with o as materialized (select to_jsonb(o) - private.audit_omitted_keys() as r from old_rows o)
    insert into public.audit_log (actor, table_name, row_id, action, terr, old_row, new_row)
    select actor, tg_table_name, private.audit_row_id(r), 'delete', coalesce((r ->> 'terr')::bigint, 0), r, null
    from o;
  else
    -- Old and new images pair up by row id (keys are never updated).
    with n as materialized (select private.audit_row_id(r) as id, r
                            from (select to_jsonb(n) - private.audit_omitted_keys() as r from new_rows n) x),
         o as materialized (select private.audit_row_id(r) as id, r
                            from (select to_jsonb(o) - private.audit_omitted_keys() as r from old_rows o) x)
    insert into public.audit_log (actor, table_name, row_id, action, terr, old_row, new_row)
    select actor, tg_table_name, n.id, 'update', coalesce((n.r ->> 'terr')::bigint, 0), o.r, n.r
    from n join o on o.id = n.id
    where o.r <> n.r;
  end if;
  return null;
end;
$$;

-- Audits the table public.<t>: its three statement triggers. New list-like tables call this.
create function private.add_audit(t text) returns void
language plpgsql set search_path = ''
as $$
begin
  execute format('create trigger %1$s_audit_insert after insert on public.%1$I
                  referencing new table as new_rows for each statement execute function private.audit_rows()', t);
  execute format('create trigger %1$s_audit_update after update on public.%1$I
                  referencing old table as old_rows new table as new_rows
                  for each statement execute function private.audit_rows()', t);
  execute format('create trigger %1$s_audit_delete after delete on public.%1$I
                  referencing old table as old_rows for each statement execute function private.audit_rows()', t);
end;
$$;

-- Writes one audit row, without personal data, for a per-row trigger (the assessment's); runs as
-- the table owner so that clients need no right on audit_log.
create function private.audit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  old_row jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - private.personal_keys() end;
  new_row jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - private.personal_keys() end;
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

-- The org tables and the three lists; later migrations audit their own tables the same way.
select private.add_audit('org_unit');
select private.add_audit('department');
select private.add_audit('staff');
select private.add_audit('category');
select private.add_audit('demand');
select private.add_audit('resource');
select private.add_audit('project');
select private.add_audit('project_milestone');
select private.add_audit('project_demand');
select private.add_audit('project_resource');
select private.add_audit('match');

-- ---------------------------------------------------------------- row-level security
alter table public.audit_log enable row level security;

create policy "staff read the audit of their territory" on public.audit_log
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read the whole audit" on public.audit_log
  for select to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
revoke insert, update, delete, truncate on public.audit_log from anon, authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

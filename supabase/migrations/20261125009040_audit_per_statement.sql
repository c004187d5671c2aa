-- Audit per statement: one set-based insert into audit_log for all the rows a statement changed,
-- instead of one trigger call and one insert per row.
--
-- A 对接会 batch writes a hundred thousand matches in one statement; per row, the audit cost a
-- PL/pgSQL call, a jsonb conversion and an insert each (6 s of the batch). The statement-level
-- triggers read the transition tables instead and write the same audit rows: same actor, table,
-- row id, action, territory, and row images without personal data (nor a match's reasons); an
-- update that changed nothing leaves no row. PostgreSQL allows transition tables only on
-- single-event triggers, so each table gets three (insert, update, delete). private.audit() stays
-- for the assessment's per-row trigger, which audits only a changed evaluation (a WHEN clause a
-- statement trigger cannot have).

-- ---------------------------------------------------------------- helpers
-- The row id recorded for a row image: its id, else its user_id, else its composite key.
-- No `set search_path`: a SET clause keeps PostgreSQL from inlining the function, and calling it
-- cost 10 µs a row; `stable`, as concat_ws is, for the same reason. Inlined, it runs under the
-- caller's search_path (audit_rows sets '').
create function private.audit_row_id(r jsonb) returns text
language sql stable
as $$
  select coalesce(r ->> 'id', r ->> 'user_id', concat_ws('/', r ->> 'project_id', r ->> 'demand_id', r ->> 'resource_id'))
$$;

-- Keys left out of every row image: personal data, and a match's scoring reasons (written once
-- when the match is made, never changed, and kept on the match itself; they were half of each
-- audit row a batch writes).
create function private.audit_omitted_keys() returns text[]
language sql immutable set search_path = ''
as $$ select private.personal_keys() || array['reasons']::text[] $$;

-- ---------------------------------------------------------------- trigger
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

-- ---------------------------------------------------------------- triggers
-- Every per-row trigger `<table>_audit` becomes the three statement triggers.
do $$
declare
  t text;
begin
  for t in select c.relname from pg_trigger g join pg_class c on c.oid = g.tgrelid
           where g.tgfoid = 'private.audit'::regproc and g.tgname = c.relname || '_audit'
           order by c.relname loop
    execute format('drop trigger %1$s_audit on public.%1$I', t);
    perform private.add_audit(t);
  end loop;
end
$$;

comment on table public.audit_log is 'Who changed what and when. Written only by private.audit_rows() (and private.audit() for assessment evaluations); never updated or deleted.';

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

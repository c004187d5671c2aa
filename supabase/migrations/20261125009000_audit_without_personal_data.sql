-- Audit without personal data. Street and community staff read the audit trail of their
-- territory but may not see a beneficiary's name or phone (see the list-pages migration), so the
-- trail never stores personal fields: it records that they changed through the masked copies.

-- Keys of a row that are personal data and stay out of the audit trail.
create function private.personal_keys() returns text[]
language sql immutable set search_path = ''
as $$ select array['beneficiary_name', 'beneficiary_phone', 'phone']::text[] $$;

-- Writes the audit row, without personal data; runs as the table owner so that clients need no
-- right on audit_log.
create or replace function private.audit() returns trigger
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

-- Rows written before this migration lose their personal fields too.
alter table public.audit_log disable trigger audit_log_append_only;
update public.audit_log
   set old_row = old_row - private.personal_keys(), new_row = new_row - private.personal_keys()
 where old_row ?| private.personal_keys() or new_row ?| private.personal_keys();
alter table public.audit_log enable trigger audit_log_append_only;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

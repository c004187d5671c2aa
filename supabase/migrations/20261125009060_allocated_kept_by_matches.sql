-- resource.allocated is the database's own bookkeeping: only private.book_capacity (which runs as
-- the table owner, from the match triggers) moves it. A client writing it could free capacity that
-- live matches hold, or block a resource; now that is refused, for every client.
--
-- The audit therefore leaves allocated out of resource images, as it leaves out updated_at (the
-- audit row has its own time): a 对接会 booking twelve thousand resources wrote twelve thousand audit
-- rows that said only what the match rows already say. A change to anything else is audited as
-- before.

-- ---------------------------------------------------------------- triggers
-- Invoker's rights, so that current_user is whoever runs the statement: the table owner inside
-- book_capacity (security definer), a client role otherwise.
create function private.allocated_by_matches() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user::regrole <> (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid)::regrole then
    raise exception 'gongzhi:resource.allocated_by_matches' using errcode = 'insufficient_privilege';
  end if;
  return new;
end;
$$;

create trigger resource_allocated before update of allocated on public.resource
  for each row when (old.allocated is distinct from new.allocated) execute function private.allocated_by_matches();
create trigger resource_allocated_at_start before insert on public.resource
  for each row when (new.allocated <> 0) execute function private.allocated_by_matches();

-- ---------------------------------------------------------------- audit
create or replace function private.audit_omitted_keys() returns text[]
language sql immutable set search_path = ''
as $$ select private.personal_keys() || array['reasons', 'allocated', 'updated_at']::text[] $$;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

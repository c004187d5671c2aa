-- Demo mode goes off when a district loads its own org tree (the system administrator's job) or on
-- the security settings page (the security administrator's). The row-level security of
-- public.security_setting lets only the security administrator write settings, so the system
-- administrator's tree import could not end demo mode: this function ends it for either, and for
-- the owner (the command line, no signed-in user). True when demo mode was on.
create function private.end_demo_mode() returns boolean
language plpgsql security definer set search_path = ''
as $$
begin
  if auth.uid() is not null and coalesce(private.admin_capability(), '') not in ('system', 'security') then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  update public.security_setting set value = 'false'::jsonb, updated_by = auth.uid(), updated_at = now()
  where key = 'demo_mode' and value = 'true'::jsonb;
  return found;
end;
$$;

revoke execute on function private.end_demo_mode() from public;
grant execute on function private.end_demo_mode() to gongzhi_admin, authenticated, gongzhi_district;

-- The system administrator writes staff rows (accounts), whose phone columns are checked by
-- private.sealed: gongzhi_admin came after the grant that lets the staff roles call it.
grant execute on function private.valid_masked(text, text), private.sealed(text, bytea, bytea, text) to gongzhi_admin;

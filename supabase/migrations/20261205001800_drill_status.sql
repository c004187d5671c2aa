-- The outcome of the last restore drill for the system administrator's home: the security log is
-- the audit administrator's alone (三权分立), so the system administrator, who runs the backups,
-- reads just this one fact of it through a function.

create function private.last_drill() returns table (at timestamptz, ok boolean, problems jsonb)
language sql stable security definer set search_path = ''
as $$
  select l.at, coalesce((l.details ->> 'ok')::boolean, false), coalesce(l.details -> 'problems', '[]')
  from private.security_log l
  where l.kind = 'drill' and (select private.admin_capability()) = 'system'
  order by l.id desc limit 1
$$;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.last_drill() to gongzhi_admin;

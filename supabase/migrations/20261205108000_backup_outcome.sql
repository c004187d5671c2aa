-- The nightly backup's outcome (`python -m gongzhi backup`): each run, good or failed, is a `backup`
-- entry of the security log (the file and its size, or why it failed: a full backup disk, pg_dump's
-- error), so a backup that failed is shown on the system administrator's home and by `doctor`
-- until a later one succeeds, never only in a cron mail nobody reads.

insert into private.security_log_kind (kind) values ('backup');

-- The newest backup run for the system administrator's home: the security log is the audit
-- administrator's alone (三权分立); the system administrator, who runs the backups, reads this one
-- fact of it, as with private.last_drill().
create function private.last_backup() returns table (at timestamptz, ok boolean, problem text, params jsonb)
language sql stable security definer set search_path = ''
as $$
  select l.at, coalesce((l.details ->> 'ok')::boolean, false), l.details ->> 'problem',
         coalesce(l.details -> 'params', '{}')
  from private.security_log l
  where l.kind = 'backup' and (select private.admin_capability()) = 'system'
  order by l.id desc limit 1
$$;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.last_backup() to gongzhi_admin;

-- The security log (安全日志, 等保 2.0 安全审计): sign-ins and their failures, sign-outs, account
-- changes, exports, restores and its own pruning, one entry each, append-only and hash-chained.
--
-- Each entry carries the SM3 hash of its content and of the previous entry's hash. PostgreSQL has
-- no SM3, so the writer (gongzhi.security_log) computes it, and the database keeps the chain
-- straight: private.security_log_head() takes a transaction-long advisory lock and returns the
-- next id, the time, the actor and the previous hash; private.security_log_append() takes the same
-- lock, checks that the entry continues the chain (next id, previous hash) and inserts it with the
-- time and actor the database decides. Concurrent writers therefore queue, one chain at a time;
-- `python -m gongzhi audit verify` recomputes every hash.
--
-- The log lives in schema private: no API role has a right on the table, only on the functions.
-- Nobody updates an entry; the only deletion is private.security_log_prune(), the retention.

-- ---------------------------------------------------------------- tables
create table private.security_log (
  id bigint primary key check (id > 0),
  at timestamptz not null default now(),
  kind text not null check (kind in ('sign_in', 'sign_in_failed', 'sign_out', 'account', 'export',
                                     'restore', 'prune')),
  actor uuid,
  client text check (length(client) <= 100),
  object text check (length(object) <= 200),
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null unique check (hash ~ '^[0-9a-f]{64}$')
);
comment on table private.security_log is 'Security log: append-only, each entry chained to the previous one by its SM3 hash (computed by the writer, gongzhi.security_log). Written only through private.security_log_append(); never updated; deleted only by private.security_log_prune().';
comment on column private.security_log.actor is 'The user of the request that wrote the entry (auth.uid()), set by the database.';
comment on column private.security_log.details is 'What happened, without personal data (no phones, names of residents or passwords).';

-- ---------------------------------------------------------------- indexes
create index security_log_kind_at_idx on private.security_log (kind, at);
create index security_log_at_idx on private.security_log (at);

-- ---------------------------------------------------------------- helpers
-- The chain's lock: every writer holds it from reading the head until its transaction ends.
create function private.security_log_lock() returns void
language sql volatile set search_path = ''
as $$ select pg_advisory_xact_lock(7313, 1) $$;

-- The head of the chain for the entry about to be written: its id, time, actor and the previous
-- entry's hash (64 zeros for the first entry). Takes the chain's lock until the transaction ends.
create function private.security_log_head()
returns table (next_id bigint, at timestamptz, actor uuid, prev_hash text)
language plpgsql volatile security definer set search_path = ''
as $$
begin
  perform private.security_log_lock();
  return query
    select coalesce(max(l.id), 0) + 1, now(), auth.uid(),
           coalesce((select l2.hash from private.security_log l2 order by l2.id desc limit 1), repeat('0', 64))
    from private.security_log l;
end;
$$;

-- Appends one entry: it must continue the chain (the next id, the last entry's hash); the time and
-- the actor are the database's. The details may not carry personal keys. Returns the entry's id.
create function private.security_log_append(p_id bigint, p_kind text, p_client text, p_object text,
                                            p_details jsonb, p_prev_hash text, p_hash text)
returns bigint
language plpgsql volatile security definer set search_path = ''
as $$
declare
  head record;
begin
  select * into head from private.security_log_head();
  if p_id is distinct from head.next_id or p_prev_hash is distinct from head.prev_hash then
    raise exception 'gongzhi:security_log.not_the_head' using errcode = 'serialization_failure';
  end if;
  if p_details ?| (private.personal_keys() || array['password', 'email']) then
    raise exception 'gongzhi:security_log.personal_data' using errcode = 'check_violation';
  end if;
  insert into private.security_log (id, at, kind, actor, client, object, details, prev_hash, hash)
  values (p_id, head.at, p_kind, head.actor, p_client, p_object, coalesce(p_details, '{}'), p_prev_hash, p_hash);
  return p_id;
end;
$$;

-- Retention, the one deletion: removes the entries older than p_days days (at least 180). The
-- writer then appends a `prune` entry (gongzhi.security_log.prune). Returns how many went and the
-- id of the oldest entry kept.
create function private.security_log_prune(p_days integer)
returns table (removed bigint, first_kept bigint)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  n bigint;
begin
  if p_days is null or p_days < 180 then
    raise exception 'gongzhi:security_log.retention_too_short' using errcode = 'check_violation';
  end if;
  perform private.security_log_lock();
  perform set_config('gongzhi.security_log_prune', 'on', true);
  delete from private.security_log where at < now() - make_interval(days => p_days);
  get diagnostics n = row_count;
  perform set_config('gongzhi.security_log_prune', '', true);
  return query select n, (select min(id) from private.security_log);
end;
$$;

-- A page of the log, newest first, for district staff: optionally one kind and a time range.
create function private.security_log_page(p_kind text, p_from timestamptz, p_to timestamptz,
                                          p_limit integer, p_offset integer)
returns table (id bigint, at timestamptz, kind text, actor uuid, actor_name text, client text,
               object text, details jsonb, total bigint)
language sql stable security definer set search_path = ''
as $$
  select l.id, l.at, l.kind, l.actor, s.display_name, l.client, l.object, l.details, count(*) over ()
  from private.security_log l left join public.staff s on s.user_id = l.actor
  where (p_kind is null or l.kind = p_kind)
    and (p_from is null or l.at >= p_from) and (p_to is null or l.at < p_to)
  order by l.id desc
  limit least(greatest(p_limit, 0), 200) offset greatest(p_offset, 0)
$$;

-- ---------------------------------------------------------------- triggers
-- Nobody changes an entry, not even the table owner; only the retention function deletes, and only
-- entries older than 180 days.
create function private.security_log_is_append_only() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and current_setting('gongzhi.security_log_prune', true) = 'on' then
    if old.at < now() - interval '180 days' then
      return old;
    end if;
  end if;
  raise exception 'gongzhi:security_log.append_only' using errcode = 'insufficient_privilege';
end;
$$;

create trigger security_log_append_only before update or delete on private.security_log
  for each row execute function private.security_log_is_append_only();
create trigger security_log_no_truncate before truncate on private.security_log
  for each statement execute function private.security_log_is_append_only();

-- ---------------------------------------------------------------- row-level security
-- None: the table is in schema private and no API role has a right on it; the functions above are
-- the only way in.

-- ---------------------------------------------------------------- grants
revoke all on private.security_log from public, anon, authenticated, gongzhi_district, gongzhi_auth, gongzhi_portal;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.security_log_head(),
  private.security_log_append(bigint, text, text, text, jsonb, text, text)
  to authenticated, gongzhi_district, gongzhi_auth;
grant execute on function private.security_log_page(text, timestamptz, timestamptz, integer, integer)
  to gongzhi_district;

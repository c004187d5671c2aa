-- Security settings (安全策略) and the kinds of security-log entry, as rows that later migrations
-- add to instead of rewriting one check constraint each.
--
-- public.security_setting holds the district's security policy, one key a row (password policy,
-- sessions, second factor, retention): absent keys take the defaults in gongzhi/security_settings.py.
-- Every signed-in user reads it (the portal applies it at sign-in); district staff change it, and
-- each change is a `setting` entry in the security log, written by the same call.
-- private.security_log_kind lists what an entry may be; a feature that logs a new kind inserts its
-- row here.

-- ---------------------------------------------------------------- tables
create table private.security_log_kind (
  kind text primary key check (kind ~ '^[a-z_]{2,40}$')
);
comment on table private.security_log_kind is 'The kinds of security-log entry. A migration that logs a new kind inserts it.';
insert into private.security_log_kind (kind) values
  ('sign_in'), ('sign_in_failed'), ('sign_out'), ('account'), ('export'), ('restore'), ('prune'),
  ('setting');

alter table private.security_log drop constraint security_log_kind_check;
alter table private.security_log add constraint security_log_kind_known
  foreign key (kind) references private.security_log_kind (kind);

create table public.security_setting (
  key text primary key check (key ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' and length(key) <= 60),
  value jsonb not null,
  updated_by uuid default private.uid(),
  updated_at timestamptz not null default now()
);
comment on table public.security_setting is 'The district''s security policy, one key a row; absent keys take the defaults in gongzhi/security_settings.py. Changes are logged in the security log.';

-- ---------------------------------------------------------------- triggers
create trigger security_setting_touch before update on public.security_setting
  for each row execute function private.touch();

-- ---------------------------------------------------------------- row-level security
alter table public.security_setting enable row level security;

create policy "staff read the security settings" on public.security_setting
  for select to authenticated using (true);
create policy "district staff read the security settings" on public.security_setting
  for select to gongzhi_district using (true);
create policy "sign-in reads the security settings" on public.security_setting
  for select to gongzhi_auth using (true);
create policy "district staff add security settings" on public.security_setting
  for insert to gongzhi_district with check (true);
create policy "district staff change security settings" on public.security_setting
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove security settings" on public.security_setting
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
grant select on public.security_setting to authenticated, gongzhi_district, gongzhi_auth;
grant insert, update (value), delete on public.security_setting to gongzhi_district;
revoke all on private.security_log_kind from public, anon, authenticated, gongzhi_district, gongzhi_auth, gongzhi_portal;

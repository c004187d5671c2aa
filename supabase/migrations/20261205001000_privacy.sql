-- Residents' data rights (个人信息保护法): notices on the public forms, the retention job's dates,
-- and residents' requests about their data.
--
-- public.privacy_notice lists every version of the notice (告知) a public form has shown; its text
-- is the i18n key privacy.notice.<version>. A public application and a public sign-up for a post
-- store the version the resident was shown, and the database refuses one without it.
-- volunteer, unit and staff rows remember since when they are inactive (`inactive_since`), which
-- is when their retention starts; the retention job itself runs as the owner (gongzhi/personal/
-- retention.py) and logs a `retention` entry in the security log.
-- public.subject_request is a resident's request to see, copy, correct or delete their data
-- (查阅 / 复制 / 更正 / 删除): community staff of its territory and district staff record and answer
-- it within 15 working days (the deadline and its yellow light are computed from the work
-- calendar); each step is a `subject_request` entry in the security log.

-- ---------------------------------------------------------------- tables
create table public.privacy_notice (
  version text primary key check (version ~ '^[a-z_]+_v[0-9]+$'),
  form text not null check (form in ('application', 'claim', 'suggestion')),
  published_on date not null
);
comment on table public.privacy_notice is 'Every version of the notice (告知) a public form shows; its text is the i18n key privacy.notice.<version>. Versions are added by migrations, never changed.';
insert into public.privacy_notice (version, form, published_on) values
  ('application_v1', 'application', '2026-12-05'),
  ('claim_v1', 'claim', '2026-12-05');

alter table public.application add column notice_version text references public.privacy_notice (version);
comment on column public.application.notice_version is 'The notice the applicant was shown (public.privacy_notice); required from the public form.';
alter table public.signup add column notice_version text references public.privacy_notice (version);
comment on column public.signup.notice_version is 'The notice a volunteer was shown when signing up on the public page; required there.';

alter table public.volunteer add column inactive_since timestamptz;
alter table public.unit add column inactive_since timestamptz;
alter table public.staff add column inactive_since timestamptz;
comment on column public.volunteer.inactive_since is 'Computed by private.stamp_inactive_since: when the row last became inactive; the retention of its personal data counts from here.';
comment on column public.unit.inactive_since is 'Computed by private.stamp_inactive_since: when the row last became inactive; the retention of its personal data counts from here.';
comment on column public.staff.inactive_since is 'Computed by private.stamp_inactive_since: when the account last became inactive; the retention of its phone counts from here.';
-- Rows inactive before this migration start their retention now.
update public.volunteer set inactive_since = now() where not active;
update public.unit set inactive_since = now() where not active;
update public.staff set inactive_since = now() where not active;

create table public.subject_request (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('access', 'copy', 'correct', 'delete')),
  received_on date not null check (received_on between '2000-01-01' and '2100-12-31'),
  deadline date,
  yellow_on date,
  phone_masked text check (length(phone_masked) <= 20),
  phone_hash text check (phone_hash ~ '^[0-9a-f]{64}$'),
  note text not null default '' check (length(note) <= 1000),
  status text not null default 'open' check (status in ('open', 'done', 'refused')),
  outcome text not null default '' check (length(outcome) <= 1000),
  records integer check (records between 0 and 100000000),
  closed_at timestamptz,
  created_by uuid default private.uid(),
  created_at timestamptz not null default now()
);
comment on table public.subject_request is '个人信息权利请求: a resident''s request to see, copy, correct or delete their data, answered within 15 working days. Holds only the masked phone.';
comment on column public.subject_request.phone_hash is 'SHA-256 of the resident''s phone (digits and +): the only phone a search or change of this request accepts. Readable by no client role.';
comment on column public.subject_request.deadline is 'Computed by private.subject_request_dates: received_on plus 15 working days (public.work_calendar).';
comment on column public.subject_request.yellow_on is 'Computed by private.subject_request_dates: received_on plus 11 working days, when the light turns yellow.';
comment on column public.subject_request.closed_at is 'Computed by private.subject_request_dates: when the request was answered or refused.';

-- ---------------------------------------------------------------- indexes
create index application_notice_version_idx on public.application (notice_version);
create index signup_notice_version_idx on public.signup (notice_version);
create index subject_request_terr_idx on public.subject_request (terr);
create index subject_request_org_unit_idx on public.subject_request (org_unit_id);
create index subject_request_street_idx on public.subject_request (street_id);
create index subject_request_community_idx on public.subject_request (community_id);
create index subject_request_grid_idx on public.subject_request (grid_id);
create index subject_request_open_idx on public.subject_request (deadline) where status = 'open';

-- ---------------------------------------------------------------- helpers
-- The day `n` working days after `d` (public.work_calendar, else Monday to Friday).
create function private.add_working_days(d date, n integer) returns date
language plpgsql stable security definer set search_path = ''
as $$
declare
  cur date := d;
  left_days integer := n;
begin
  for i in 1..3660 loop
    exit when left_days <= 0;
    cur := cur + 1;
    if private.is_working_day(cur) then
      left_days := left_days - 1;
    end if;
  end loop;
  if left_days > 0 then
    raise exception 'gongzhi:whistle.calendar_closed';
  end if;
  return cur;
end;
$$;


-- The hash a request keeps of its resident's phone: SHA-256 of its digits (and +).
create function private.subject_phone_hash(p_phone text) returns text
language sql immutable set search_path = ''
as $$ select encode(sha256(convert_to(regexp_replace(p_phone, '[^0-9+]', '', 'g'), 'UTF8')), 'hex') $$;

-- The open request `p_request` that the caller may handle (community staff of its territory,
-- district staff) and whose recorded phone is `p_phone`; refused otherwise, so a search, copy or
-- change is always tied to a request staff recorded for that very phone (no guessing through it).
create function private.subject_request_for(p_request bigint, p_phone text) returns bigint
language plpgsql stable security definer set search_path = ''
as $$
declare
  role text := private.staff_role();
begin
  if not exists (
      select from public.subject_request r
      where r.id = p_request and r.status = 'open'
        and (role = 'district'
             or (role = 'community' and r.terr between private.terr_lo() and private.terr_hi()))) then
    raise exception 'gongzhi:subject_request.not_yours' using errcode = 'insufficient_privilege';
  end if;
  if not exists (select from public.subject_request r
                 where r.id = p_request and r.phone_hash = private.subject_phone_hash(p_phone)) then
    raise exception 'gongzhi:subject_request.other_phone' using errcode = 'check_violation';
  end if;
  return p_request;
end;
$$;

-- Columns of a record that a copy leaves out: territory codes, hashes, the sender, who entered it.
create function private.subject_hidden() returns text[]
language sql immutable set search_path = ''
as $$ select array['street_id', 'community_id', 'grid_id', 'terr', 'code_hash', 'fingerprint', 'created_by',
                   'decided_by', 'beneficiary_name_masked', 'beneficiary_phone_masked', 'resource_ids']::text[] $$;

-- Every record holding the phone of open request `p_request`, in every table of the data
-- inventory: which table, its key, and the record as JSON (for the resident's copy). Plain-text
-- columns today; the blind index replaces the comparisons when the encryption lands.
create function private.subject_records(p_request bigint, p_phone text)
returns table (source text, row_key text, data jsonb)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.subject_request_for(p_request, p_phone);
  return query
    select 'demand'::text, d.id::text, to_jsonb(d) - private.subject_hidden()
      from public.demand d where d.beneficiary_phone = p_phone
    union all
    select 'application', a.id::text, to_jsonb(a) - private.subject_hidden()
      from public.application a where a.phone = p_phone
    union all
    select 'volunteer', v.id::text, to_jsonb(v) - private.subject_hidden()
      from public.volunteer v where v.phone = p_phone
    union all
    select 'unit', u.id::text, to_jsonb(u) - private.subject_hidden()
      from public.unit u where u.phone = p_phone
    union all
    select 'resource', r.id::text, to_jsonb(r) - private.subject_hidden()
      from public.resource r where r.contact_phone = p_phone
    union all
    select 'staff', s.user_id::text, to_jsonb(s) - private.subject_hidden()
      from public.staff s where s.phone = p_phone
    order by 1, 2;
end;
$$;

-- Correct (p_new_phone given) or erase (p_new_phone null) the phone of open request `p_request`
-- in every record holding it; erasing also empties the names beside it and ends the volunteer or
-- unit registration. Decided applications are changed past their guard trigger, for this call
-- only. Returns how many records changed.
create function private.subject_rewrite(p_request bigint, p_phone text, p_new_phone text) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  changed integer := 0;
  n integer;
  erase boolean := p_new_phone is null;
begin
  perform private.subject_request_for(p_request, p_phone);
  if not erase and not private.valid_phone(p_new_phone) then
    raise exception 'gongzhi:subject_request.bad_phone' using errcode = 'check_violation';
  end if;
  update public.demand set beneficiary_phone = p_new_phone,
         beneficiary_name = case when erase then null else beneficiary_name end
   where beneficiary_phone = p_phone;
  get diagnostics n = row_count; changed := changed + n;
  alter table public.application disable trigger application_check;
  update public.application set phone = coalesce(p_new_phone, '0000000'),
         name = case when erase then '已匿名' else name end,
         contact_name = case when erase then null else contact_name end
   where phone = p_phone;
  get diagnostics n = row_count; changed := changed + n;
  alter table public.application enable trigger application_check;
  update public.volunteer set phone = coalesce(p_new_phone, '0000000'),
         name = case when erase then '已匿名' else name end,
         active = case when erase then false else active end
   where phone = p_phone;
  get diagnostics n = row_count; changed := changed + n;
  update public.unit set phone = coalesce(p_new_phone, '0000000'),
         contact_name = case when erase then null else contact_name end,
         active = case when erase then false else active end
   where phone = p_phone;
  get diagnostics n = row_count; changed := changed + n;
  update public.resource set contact_phone = p_new_phone where contact_phone = p_phone;
  get diagnostics n = row_count; changed := changed + n;
  update public.staff set phone = p_new_phone where phone = p_phone;
  get diagnostics n = row_count; changed := changed + n;
  return changed;
end;
$$;

-- ---------------------------------------------------------------- triggers
-- A submission from the public (anon) must name the notice its form showed, of that form.
create function private.require_notice() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  claims text := coalesce(current_setting('request.jwt.claims', true), '');
  public_request boolean;
  expected_form text := case tg_table_name when 'application' then 'application' else 'claim' end;
begin
  if tg_table_name = 'signup' then
    public_request := new.via = 'public';
  else
    public_request := claims <> '' and coalesce(claims::jsonb ->> 'role', 'anon') = 'anon';
  end if;
  if public_request and not exists (select from public.privacy_notice n
                                    where n.version = new.notice_version and n.form = expected_form) then
    raise exception 'gongzhi:privacy.notice_required' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

create trigger application_notice before insert on public.application
  for each row execute function private.require_notice();
create trigger signup_notice before insert on public.signup
  for each row execute function private.require_notice();

-- When a registration or an account becomes inactive its retention starts; active again, it stops.
create function private.stamp_inactive_since() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.inactive_since := case when new.active then null else now() end;
  elsif new.active then
    new.inactive_since := null;
  elsif old.active then
    new.inactive_since := now();
  else
    new.inactive_since := old.inactive_since;
  end if;
  return new;
end;
$$;

create trigger volunteer_inactive_since before insert or update on public.volunteer
  for each row execute function private.stamp_inactive_since();
create trigger unit_inactive_since before insert or update on public.unit
  for each row execute function private.stamp_inactive_since();
create trigger staff_inactive_since before insert or update on public.staff
  for each row execute function private.stamp_inactive_since();

-- A request's deadline and yellow day follow its received date; closing it stamps closed_at, and
-- an answered request stays answered.
create function private.subject_request_dates() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.status <> 'open' and (new.status <> old.status or new.outcome <> old.outcome
                                                     or new.kind <> old.kind or new.received_on <> old.received_on) then
    raise exception 'gongzhi:subject_request.closed';
  end if;
  new.deadline := private.add_working_days(new.received_on, 15);
  new.yellow_on := private.add_working_days(new.received_on, 11);
  if new.status = 'open' then
    new.closed_at := null;
  elsif tg_op = 'INSERT' or old.status = 'open' then
    new.closed_at := now();
  else
    new.closed_at := old.closed_at;
  end if;
  return new;
end;
$$;

create trigger subject_request_dates before insert or update on public.subject_request
  for each row execute function private.subject_request_dates();
create trigger subject_request_territory before insert or update of org_unit_id on public.subject_request
  for each row execute function private.set_territory();
create trigger subject_request_territory_kept before update on public.subject_request
  for each row when (new.org_unit_id is distinct from old.org_unit_id or new.street_id is distinct from old.street_id
                     or new.community_id is distinct from old.community_id or new.grid_id is distinct from old.grid_id
                     or new.terr is distinct from old.terr)
  execute function private.set_territory();
create trigger subject_request_created_by before insert on public.subject_request
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger subject_request_created_by_kept before update on public.subject_request
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

-- ---------------------------------------------------------------- security log kinds
insert into private.security_log_kind (kind) values ('retention'), ('subject_request');

-- ---------------------------------------------------------------- row-level security
alter table public.privacy_notice enable row level security;

create policy "staff read the privacy notices" on public.privacy_notice
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the privacy notices" on public.privacy_notice
  for select to gongzhi_district using (true);

alter table public.subject_request enable row level security;

create policy "community staff read subject requests of their territory" on public.subject_request
  for select to authenticated
  using ((select private.staff_role()) = 'community'
         and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "community staff record subject requests in their territory" on public.subject_request
  for insert to authenticated
  with check ((select private.staff_role()) = 'community'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "community staff answer subject requests of their territory" on public.subject_request
  for update to authenticated
  using ((select private.staff_role()) = 'community'
         and terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check ((select private.staff_role()) = 'community'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all subject requests" on public.subject_request
  for select to gongzhi_district using (true);
create policy "district staff record subject requests" on public.subject_request
  for insert to gongzhi_district with check (true);
create policy "district staff answer subject requests" on public.subject_request
  for update to gongzhi_district using (true) with check (true);

-- The second factor where the district requires it, as on every table in public.
create policy "staff present the second factor where the district requires it" on public.privacy_notice
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.subject_request
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
grant insert (notice_version) on public.application to anon;
grant insert (notice_version) on public.signup to anon;
grant select on public.privacy_notice to authenticated, gongzhi_district;
revoke insert, update, delete, truncate on public.privacy_notice from anon, authenticated, gongzhi_district;
revoke all on public.subject_request from anon;
grant select (id, org_unit_id, street_id, community_id, grid_id, terr, kind, received_on, deadline, yellow_on,
              phone_masked, note, status, outcome, records, closed_at, created_by, created_at),
      insert (org_unit_id, kind, received_on, phone_masked, phone_hash, note),
      update (status, outcome, records, note) on public.subject_request to authenticated, gongzhi_district;
revoke delete, truncate on public.subject_request from authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.add_working_days(date, integer), private.subject_phone_hash(text),
  private.subject_request_for(bigint, text),
  private.subject_records(bigint, text), private.subject_rewrite(bigint, text, text)
  to authenticated, gongzhi_district;

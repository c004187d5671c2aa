-- The grid worker's day (issue #19, without the map): the people a grid must look after
-- (特殊群体台账), the rounds a grid worker makes (每日例访 / 夜间巡逻 / 重点整治) and what each round
-- finds, solved on the spot (就地解决) or reported up as a demand or a whistle event.
--
-- public.care_category  the district's categories of people to look after (独居老人, 残疾人,
--                       困难家庭 …), each with a visit frequency in working days (public.work_calendar).
-- public.care_person    a resident to look after, in a grid or a building. The name and the home
--                       address are read in full only where personal data may be (the owning grid,
--                       the district: private.personal_terr_lo/hi), through public.care_person_row;
--                       the phone and the ID number are sealed (<col>_enc / _bidx / _masked, written
--                       by the key-holding code). last_visit_on and next_due_on are computed.
-- public.campaign       a 重点整治 campaign a street (or the district) sets for a period: a named
--                       checklist; rounds and findings count against it.
-- public.visit          one visit to a person or one patrol round (time, place, people met).
-- public.finding        what a round found: solved on the spot, or reported as a demand or an event
--                       (linked).

-- ---------------------------------------------------------------- tables
create table public.care_category (
  id bigint generated always as identity primary key,
  code text not null unique check (code ~ '^[a-z0-9_]{1,32}$'),
  name_zh text not null check (length(btrim(name_zh)) between 1 and 50),
  name_en text not null check (length(btrim(name_en)) between 1 and 50),
  visit_every_days integer not null check (visit_every_days between 1 and 250),
  active boolean not null default true
);
insert into public.care_category (code, name_zh, name_en, visit_every_days) values
  ('elderly_alone', '独居老人', 'Elderly living alone', 5),
  ('disabled', '残疾人', 'People with disabilities', 10),
  ('hardship', '困难家庭', 'Families in hardship', 10),
  ('left_behind_child', '留守儿童', 'Children left behind', 20);
comment on table public.care_category is '特殊群体类别: the district''s categories of residents to look after, each visited every visit_every_days working days.';

create table public.care_person (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  category_id bigint not null references public.care_category (id),
  person_name text not null check (length(btrim(person_name)) between 1 and 50),
  person_name_masked text not null check (length(person_name_masked) between 1 and 50),
  home_address text not null default '' check (length(home_address) <= 200),
  phone_enc bytea,
  phone_bidx bytea,
  phone_masked text,
  id_number_enc bytea,
  id_number_bidx bytea,
  id_number_masked text,
  note text not null default '' check (length(note) <= 500),
  active boolean not null default true,
  inactive_since timestamptz,
  last_visit_on date,
  next_due_on date,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint care_person_phone_sealed check (private.sealed('phone', phone_enc, phone_bidx, phone_masked)),
  constraint care_person_id_number_sealed
    check (private.sealed('id_number', id_number_enc, id_number_bidx, id_number_masked))
);
comment on table public.care_person is '特殊群体台账: a resident a grid must visit regularly. Name and address in full only to the owning grid and the district (public.care_person_row); phone and ID number sealed.';
comment on column public.care_person.person_name is 'Personal data: read through public.care_person_row, in full only where private.personal_terr_lo/hi allow.';
comment on column public.care_person.home_address is 'Personal data (门牌): read through public.care_person_row, in full only where private.personal_terr_lo/hi allow.';
comment on column public.care_person.phone_enc is 'Personal data, SM4-GCM ciphertext written by the key-holding code; read in full only through private.personal_cipher (unmasking, logged).';
comment on column public.care_person.id_number_enc is 'Personal data (身份证号), SM4-GCM ciphertext written by the key-holding code; read in full only through private.personal_cipher (unmasking, logged).';
comment on column public.care_person.last_visit_on is 'Computed by private.care_person_visited: the day of the last visit.';
comment on column public.care_person.next_due_on is 'Computed by private.care_person_due: the last visit (or the day of entry) plus the category''s working days.';
comment on column public.care_person.inactive_since is 'Computed by private.stamp_inactive_since: when the row last became inactive; the retention of its personal data counts from here.';

create table public.campaign (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 100),
  items text[] not null check (cardinality(items) between 1 and 20),
  starts_on date not null,
  ends_on date not null,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint campaign_period check (ends_on >= starts_on and ends_on - starts_on <= 366)
);
comment on table public.campaign is '重点整治: a named checklist a street sets for a period; the rounds and findings of its grids count against it.';

create table public.visit (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('visit', 'patrol', 'campaign')),
  care_person_id bigint references public.care_person (id),
  campaign_id bigint references public.campaign (id),
  visited_at timestamptz not null default now(),
  visited_on date not null default current_date,
  place text not null check (length(btrim(place)) between 1 and 200),
  people_met text not null default '' check (length(people_met) <= 500),
  note text not null default '' check (length(note) <= 2000),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint visit_person check ((kind = 'visit') = (care_person_id is not null)),
  constraint visit_campaign check ((kind = 'campaign') = (campaign_id is not null))
);
comment on table public.visit is '每日例访 / 夜间巡逻 / 重点整治: one visit to a person or one round of a grid worker.';

create table public.finding (
  id bigint generated always as identity primary key,
  visit_id bigint not null references public.visit (id),
  terr bigint not null default 0,
  what text not null check (length(btrim(what)) between 1 and 500),
  campaign_item text check (length(campaign_item) <= 100),
  outcome text not null check (outcome in ('on_spot', 'demand', 'event')),
  demand_id bigint references public.demand (id),
  event_id bigint references public.event (id),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint finding_link check ((outcome = 'demand') = (demand_id is not null)
                                 and (outcome = 'event') = (event_id is not null))
);
comment on table public.finding is 'What a round found: solved on the spot (就地解决) or reported up as the linked demand or event.';

-- ---------------------------------------------------------------- indexes
create index care_person_terr_due_idx on public.care_person (terr, next_due_on) where active;
create index care_person_terr_idx on public.care_person (terr);
create index care_person_org_unit_idx on public.care_person (org_unit_id);
create index care_person_street_idx on public.care_person (street_id);
create index care_person_community_idx on public.care_person (community_id);
create index care_person_grid_idx on public.care_person (grid_id);
create index care_person_category_idx on public.care_person (category_id);
create index care_person_created_by_idx on public.care_person (created_by);
create index care_person_phone_idx on public.care_person (phone_bidx) where phone_bidx is not null;
create index care_person_id_number_idx on public.care_person (id_number_bidx) where id_number_bidx is not null;
create index campaign_terr_idx on public.campaign (terr);
create index campaign_org_unit_idx on public.campaign (org_unit_id);
create index campaign_street_idx on public.campaign (street_id);
create index campaign_community_idx on public.campaign (community_id);
create index campaign_grid_idx on public.campaign (grid_id);
create index campaign_created_by_idx on public.campaign (created_by);
create index visit_terr_day_idx on public.visit (terr, visited_on);
create index visit_org_unit_idx on public.visit (org_unit_id);
create index visit_street_idx on public.visit (street_id);
create index visit_community_idx on public.visit (community_id);
create index visit_grid_idx on public.visit (grid_id);
create index visit_person_idx on public.visit (care_person_id, visited_on) where care_person_id is not null;
create index visit_campaign_idx on public.visit (campaign_id) where campaign_id is not null;
create index visit_created_by_idx on public.visit (created_by);
create index finding_visit_idx on public.finding (visit_id);
create index finding_terr_idx on public.finding (terr);
create index finding_demand_idx on public.finding (demand_id) where demand_id is not null;
create index finding_event_idx on public.finding (event_id) where event_id is not null;
create index finding_created_by_idx on public.finding (created_by);

-- ---------------------------------------------------------------- helpers
-- The person's next visit day: the last visit (or the day of entry) plus the category's working days;
-- a person never visited is due from the day of entry.
create function private.care_person_due() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  every integer;
begin
  if new.last_visit_on is null then
    new.next_due_on := coalesce(new.created_at, now())::date;
  else
    select c.visit_every_days into every from public.care_category c where c.id = new.category_id;
    new.next_due_on := private.add_working_days(new.last_visit_on, coalesce(every, 5));
  end if;
  return new;
end;
$$;

-- A visit moves its person's last visit day forward (never back: a late entry of an old visit
-- leaves a newer one standing). The person must lie in the visit's grid, and a campaign round's
-- campaign must cover the grid and the day.
create function private.visit_checked() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.care_person_id is not null and not exists (
      select from public.care_person p where p.id = new.care_person_id and p.grid_id = new.grid_id) then
    raise exception 'gongzhi:fieldwork.person_elsewhere' using errcode = 'check_violation';
  end if;
  if new.campaign_id is not null and not exists (
      select from public.campaign c join public.org_unit o on o.id = c.org_unit_id
      where c.id = new.campaign_id and new.terr between o.terr and o.terr_hi
        and new.visited_on between c.starts_on and c.ends_on) then
    raise exception 'gongzhi:fieldwork.campaign_elsewhere' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

create function private.care_person_visited() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.care_person p set last_visit_on = v.last
  from (select care_person_id, max(visited_on) as last from new_rows
        where care_person_id is not null group by care_person_id) v
  where p.id = v.care_person_id and (p.last_visit_on is null or p.last_visit_on < v.last);
  return null;
end;
$$;

-- A finding's campaign item must be one of its round's campaign's items.
create function private.finding_checked() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.campaign_item is not null and not exists (
      select from public.visit v join public.campaign c on c.id = v.campaign_id
      where v.id = new.visit_id and new.campaign_item = any (c.items)) then
    raise exception 'gongzhi:fieldwork.unknown_item' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

-- The name of a person to look after, for a caller who may read it in full; null for anyone else.
create function private.care_person_name(p_id bigint) returns text
language sql stable security definer set search_path = ''
as $$
  select p.person_name from public.care_person p
  where p.id = p_id and p.terr between private.personal_terr_lo() and private.personal_terr_hi()
$$;

-- The home address of a person to look after, for a caller who may read it in full; null otherwise.
create function private.care_person_address(p_id bigint) returns text
language sql stable security definer set search_path = ''
as $$
  select p.home_address from public.care_person p
  where p.id = p_id and p.terr between private.personal_terr_lo() and private.personal_terr_hi()
$$;

-- The ciphertext of one encrypted field of one row, for unmasking (as 20261205000600), now also
-- for the people to look after: like a demand's beneficiary, the owning grid and the district.
create or replace function private.personal_cipher(p_table text, p_row text, p_field text, p_reason text)
returns bytea
language plpgsql volatile security definer set search_path = ''
as $$
declare
  cipher bytea;
  row_terr bigint;
  allowed boolean;
begin
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'gongzhi:personal.reason_required' using errcode = 'check_violation';
  end if;
  if not exists (select from private.encrypted_field f where f.table_name = p_table and f.column_name = p_field) then
    raise exception 'gongzhi:personal.unmask_refused' using errcode = 'insufficient_privilege';
  end if;
  if p_table = 'staff' then
    execute format('select %I, terr from public.staff where user_id = $1::uuid', p_field || '_enc')
      into cipher, row_terr using p_row;
    allowed := found and (private.request_role(auth.uid()) = 'gongzhi_district' or p_row = auth.uid()::text);
  else
    if p_row !~ '^[0-9]{1,18}$' then
      raise exception 'gongzhi:personal.unmask_refused' using errcode = 'insufficient_privilege';
    end if;
    execute format('select %I, terr from public.%I where id = $1::bigint', p_field || '_enc', p_table)
      into cipher, row_terr using p_row;
    if p_table in ('demand', 'care_person') then
      allowed := row_terr between private.personal_terr_lo() and private.personal_terr_hi();
    else
      allowed := row_terr between private.terr_lo() and private.terr_hi();
    end if;
  end if;
  if not coalesce(allowed, false) then
    raise exception 'gongzhi:personal.unmask_refused' using errcode = 'insufficient_privilege';
  end if;
  return cipher;
end;
$$;

-- Personal keys never stored in the row audit nor in the security log's details (as before, and
-- the people to look after's name, address and ID number).
create or replace function private.personal_keys() returns text[]
language sql immutable set search_path = ''
as $$ select array['beneficiary_name', 'beneficiary_phone', 'phone', 'contact_phone', 'claim_phone',
                   'beneficiary_phone_enc', 'beneficiary_phone_bidx', 'beneficiary_phone_masked',
                   'phone_enc', 'phone_bidx', 'phone_masked',
                   'contact_phone_enc', 'contact_phone_bidx', 'contact_phone_masked',
                   'claim_phone_bidx',
                   'person_name', 'person_name_masked', 'home_address', 'id_number',
                   'id_number_enc', 'id_number_bidx', 'id_number_masked']::text[] $$;

insert into private.encrypted_field (table_name, column_name, kind) values
  ('care_person', 'phone', 'phone'),
  ('care_person', 'id_number', 'id_number');

-- Columns of a record that a resident's copy leaves out (as 20261205001400, and the ID number's
-- ciphertext and blind index).
create or replace function private.subject_hidden() returns text[]
language sql immutable set search_path = ''
as $$ select array['street_id', 'community_id', 'grid_id', 'terr', 'code_hash', 'fingerprint', 'created_by',
                   'decided_by', 'beneficiary_name_masked', 'resource_ids',
                   'beneficiary_phone_enc', 'beneficiary_phone_bidx', 'phone_enc', 'phone_bidx',
                   'contact_phone_enc', 'contact_phone_bidx', 'id_number_enc', 'id_number_bidx',
                   'person_name_masked']::text[] $$;

-- Every record holding the phone of open request `p_request` (as 20261205001400, and the people
-- to look after).
create or replace function private.subject_records(p_request bigint, p_bidx bytea)
returns table (source text, row_key text, data jsonb)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.subject_request_for(p_request, p_bidx);
  return query
    select 'demand'::text, d.id::text, to_jsonb(d) - private.subject_hidden()
      from public.demand d where d.beneficiary_phone_bidx = p_bidx
    union all
    select 'application', a.id::text, to_jsonb(a) - private.subject_hidden()
      from public.application a where a.phone_bidx = p_bidx
    union all
    select 'volunteer', v.id::text, to_jsonb(v) - private.subject_hidden()
      from public.volunteer v where v.phone_bidx = p_bidx
    union all
    select 'unit', u.id::text, to_jsonb(u) - private.subject_hidden()
      from public.unit u where u.phone_bidx = p_bidx
    union all
    select 'resource', r.id::text, to_jsonb(r) - private.subject_hidden()
      from public.resource r where r.contact_phone_bidx = p_bidx
    union all
    select 'staff', s.user_id::text, to_jsonb(s) - private.subject_hidden()
      from public.staff s where s.phone_bidx = p_bidx
    union all
    select 'care_person', c.id::text, to_jsonb(c) - private.subject_hidden()
      from public.care_person c where c.phone_bidx = p_bidx
    order by 1, 2;
end;
$$;

-- Correct or erase the phone of open request `p_request` in every record holding it (as
-- 20261205001400, and the people to look after: erasing also empties the name, the address and
-- the ID number and ends the entry).
create or replace function private.subject_rewrite(p_request bigint, p_bidx bytea, p_erase boolean,
                                                   p_enc bytea, p_new_bidx bytea, p_masked text) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  changed integer := 0;
  n integer;
  erase boolean := coalesce(p_erase, false);
  keep_enc bytea := case when erase then null else p_enc end;
  keep_bidx bytea := case when erase then null else p_new_bidx end;
  keep_masked text := case when erase then null else p_masked end;
begin
  perform private.subject_request_for(p_request, p_bidx);
  if p_enc is null or not private.sealed('phone', p_enc, p_new_bidx, p_masked) then
    raise exception 'gongzhi:subject_request.bad_phone' using errcode = 'check_violation';
  end if;
  update public.demand set beneficiary_phone_enc = keep_enc, beneficiary_phone_bidx = keep_bidx,
         beneficiary_phone_masked = keep_masked,
         beneficiary_name = case when erase then null else beneficiary_name end
   where beneficiary_phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  alter table public.application disable trigger application_check;
  update public.application set phone_enc = p_enc, phone_bidx = p_new_bidx, phone_masked = p_masked,
         name = case when erase then '已匿名' else name end,
         contact_name = case when erase then null else contact_name end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  alter table public.application enable trigger application_check;
  update public.volunteer set phone_enc = p_enc, phone_bidx = p_new_bidx, phone_masked = p_masked,
         name = case when erase then '已匿名' else name end,
         active = case when erase then false else active end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.unit set phone_enc = p_enc, phone_bidx = p_new_bidx, phone_masked = p_masked,
         contact_name = case when erase then null else contact_name end,
         active = case when erase then false else active end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.resource set contact_phone_enc = keep_enc, contact_phone_bidx = keep_bidx,
         contact_phone_masked = keep_masked
   where contact_phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.staff set phone_enc = keep_enc, phone_bidx = keep_bidx, phone_masked = keep_masked
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.care_person set phone_enc = keep_enc, phone_bidx = keep_bidx, phone_masked = keep_masked,
         person_name = case when erase then '已匿名' else person_name end,
         person_name_masked = case when erase then '已匿名' else person_name_masked end,
         home_address = case when erase then '' else home_address end,
         id_number_enc = case when erase then null else id_number_enc end,
         id_number_bidx = case when erase then null else id_number_bidx end,
         id_number_masked = case when erase then null else id_number_masked end,
         active = case when erase then false else active end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  return changed;
end;
$$;

-- ---------------------------------------------------------------- views
create view public.care_person_row with (security_invoker = true) as
select p.id, p.org_unit_id, p.street_id, p.community_id, p.grid_id, p.terr, p.category_id,
       case when p.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.care_person_name(p.id) else p.person_name_masked end as person_name,
       case when p.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.care_person_address(p.id) else '' end as home_address,
       p.phone_masked as phone, p.id_number_masked as id_number, p.note, p.active,
       p.last_visit_on, p.next_due_on, p.created_at,
       p.terr between coalesce((select private.personal_terr_lo()), 1) and coalesce((select private.personal_terr_hi()), 0)
         as personal_visible
from public.care_person p;
comment on view public.care_person_row is
  'People to look after as staff may read them: name and address in full only to the owning grid and the district; phone and ID number always masked (personal_visible: who may unmask them, a logged act).';

-- ---------------------------------------------------------------- triggers
create trigger care_person_territory before insert or update of org_unit_id on public.care_person
  for each row execute function private.set_territory();
create trigger care_person_territory_kept before update on public.care_person for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger care_person_due before insert or update on public.care_person
  for each row execute function private.care_person_due();
create trigger care_person_inactive_since before insert or update on public.care_person
  for each row execute function private.stamp_inactive_since();
create trigger care_person_created_by before insert on public.care_person
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger care_person_created_by_kept before update on public.care_person
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger campaign_territory before insert or update of org_unit_id on public.campaign
  for each row execute function private.set_territory();
create trigger campaign_territory_kept before update on public.campaign for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger campaign_created_by before insert on public.campaign
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger campaign_created_by_kept before update on public.campaign
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger visit_territory before insert or update of org_unit_id on public.visit
  for each row execute function private.set_territory();
create trigger visit_territory_kept before update on public.visit for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger visit_where_checked before insert or update on public.visit
  for each row execute function private.visit_checked();
create trigger visit_moves_due after insert on public.visit
  referencing new table as new_rows for each statement execute function private.care_person_visited();
create trigger visit_created_by before insert on public.visit
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger visit_created_by_kept before update on public.visit
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger finding_territory before insert or update of visit_id on public.finding
  for each row execute function private.inherit_territory('visit', 'visit_id');
create trigger finding_territory_kept before update on public.finding for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('visit', 'visit_id');
create trigger finding_checked before insert or update on public.finding
  for each row execute function private.finding_checked();
create trigger finding_created_by before insert on public.finding
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger finding_created_by_kept before update on public.finding
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

select private.add_audit('care_category');
select private.add_audit('care_person');
select private.add_audit('campaign');
select private.add_audit('visit');
select private.add_audit('finding');

-- ---------------------------------------------------------------- row-level security
alter table public.care_category enable row level security;
alter table public.care_person enable row level security;
alter table public.campaign enable row level security;
alter table public.visit enable row level security;
alter table public.finding enable row level security;

create policy "staff read care categories" on public.care_category
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read care categories" on public.care_category
  for select to gongzhi_district using (true);
create policy "district staff add care categories" on public.care_category
  for insert to gongzhi_district with check (true);
create policy "district staff change care categories" on public.care_category
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove care categories" on public.care_category
  for delete to gongzhi_district using (true);

create policy "territory staff read people to look after" on public.care_person
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "territory staff add people to look after" on public.care_person
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "territory staff change people to look after" on public.care_person
  for update to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all people to look after" on public.care_person
  for select to gongzhi_district using (true);
create policy "district staff add people to look after" on public.care_person
  for insert to gongzhi_district with check (true);
create policy "district staff change people to look after" on public.care_person
  for update to gongzhi_district using (true) with check (true);

create policy "territory staff read campaigns of their area and above" on public.campaign
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "street staff set campaigns in their street" on public.campaign
  for insert to authenticated
  with check ((select private.staff_role()) = 'street'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "street staff change campaigns of their street" on public.campaign
  for update to authenticated
  using ((select private.staff_role()) = 'street' and terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check ((select private.staff_role()) = 'street' and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all campaigns" on public.campaign
  for select to gongzhi_district using (true);
create policy "district staff set campaigns" on public.campaign
  for insert to gongzhi_district with check (true);
create policy "district staff change campaigns" on public.campaign
  for update to gongzhi_district using (true) with check (true);

create policy "territory staff read rounds of their territory" on public.visit
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "territory staff log rounds in their territory" on public.visit
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "territory staff correct rounds of their territory" on public.visit
  for update to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all rounds" on public.visit
  for select to gongzhi_district using (true);
create policy "district staff log rounds" on public.visit
  for insert to gongzhi_district with check (true);
create policy "district staff correct rounds" on public.visit
  for update to gongzhi_district using (true) with check (true);

create policy "territory staff read findings of their territory" on public.finding
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "territory staff record findings in their territory" on public.finding
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "territory staff correct findings of their territory" on public.finding
  for update to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all findings" on public.finding
  for select to gongzhi_district using (true);
create policy "district staff record findings" on public.finding
  for insert to gongzhi_district with check (true);
create policy "district staff correct findings" on public.finding
  for update to gongzhi_district using (true) with check (true);

create policy "staff present the second factor where the district requires it" on public.care_category
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.care_person
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.campaign
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.visit
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.finding
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.care_category, public.care_person, public.campaign, public.visit, public.finding,
  public.care_person_row from anon, gongzhi_public;
grant select, insert, update, delete on public.care_category to authenticated, gongzhi_district;
revoke all on public.care_person from authenticated, gongzhi_district;
grant select (id, org_unit_id, street_id, community_id, grid_id, terr, category_id, person_name_masked,
              phone_masked, id_number_masked, note, active, inactive_since, last_visit_on, next_due_on,
              created_by, created_at),
      insert (org_unit_id, category_id, person_name, person_name_masked, home_address, phone_enc, phone_bidx,
              phone_masked, id_number_enc, id_number_bidx, id_number_masked, note, active),
      update (org_unit_id, category_id, person_name, person_name_masked, home_address, phone_enc, phone_bidx,
              phone_masked, id_number_enc, id_number_bidx, id_number_masked, note, active)
  on public.care_person to authenticated, gongzhi_district;
revoke delete, truncate on public.care_person from authenticated, gongzhi_district;
grant select on public.care_person_row to authenticated, gongzhi_district;
grant select, insert, update on public.campaign, public.visit, public.finding to authenticated, gongzhi_district;
revoke delete, truncate on public.campaign, public.visit, public.finding from authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.care_person_name(bigint), private.care_person_address(bigint)
  to authenticated, gongzhi_district;

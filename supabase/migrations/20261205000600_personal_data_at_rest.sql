-- Personal data at rest (数据保密性, issue #25): every phone of the data inventory
-- (gongzhi/personal/inventory.py, encrypted fields) is stored as
--   <col>_enc    SM4-GCM ciphertext (key id, nonce, ciphertext, tag),
--   <col>_bidx   the blind index, HMAC-SM3 of the normalised value under a separate key,
--   <col>_masked the copy shown on screens (138****8000), whose shape the database checks,
-- and never in plain text. The keys live outside the database, so the database cannot encrypt,
-- index or check a phone itself: the key-holding code (the portal's server side, imports, the
-- command line) writes the three columns, and every comparison of phones compares blind indexes.
--
-- Rows written before this migration: their plaintext moves to private.plaintext_pending, and
-- `python -m gongzhi migrate` encrypts and removes it right after the SQL (gongzhi/personal/pending.py).
--
-- The public forms (the volunteer sign-up, a public post claim) no longer write as `anon`: only
-- `gongzhi_public`, a role nobody logs in as and only the portal's login role can become, may
-- insert; the portal computes ciphertext, blind index and masked copy. The public anon key of a
-- Supabase deployment reaches no write at all.
--
-- Unmasking is an act with a reason: private.personal_cipher() returns a value's ciphertext only to
-- a caller who may read it in full and only with a reason; the key-holding code logs the act in the
-- security log (kind `unmask`) and decrypts.

-- ---------------------------------------------------------------- roles
do $$
begin
  if not exists (select from pg_roles where rolname = 'gongzhi_public') then
    create role gongzhi_public nologin noinherit;
  end if;
end
$$;
grant gongzhi_public to gongzhi_portal;
comment on role gongzhi_public is 'The public forms, through the portal only: insert a pending application or a public sign-up; reads nothing.';

-- ---------------------------------------------------------------- tables
-- Which columns are stored encrypted, and as what kind of value: the inventory's encrypted fields
-- (tests/security/test_personal_at_rest.py compares the two).
create table private.encrypted_field (
  table_name text not null,
  column_name text not null,
  kind text not null check (kind in ('phone', 'id_number')),
  primary key (table_name, column_name)
);
comment on table private.encrypted_field is 'Personal fields stored as <column>_enc / _bidx / _masked; the same list as the inventory''s encrypted fields.';
insert into private.encrypted_field (table_name, column_name, kind) values
  ('demand', 'beneficiary_phone', 'phone'),
  ('application', 'phone', 'phone'),
  ('volunteer', 'phone', 'phone'),
  ('unit', 'phone', 'phone'),
  ('resource', 'contact_phone', 'phone'),
  ('staff', 'phone', 'phone');

-- Plain values written before this migration, until the migrate command's Python step encrypts
-- them; `doctor` reports any row left here.
create table private.plaintext_pending (
  table_name text not null,
  column_name text not null,
  row_id text not null,
  value text not null,
  primary key (table_name, column_name, row_id)
);
comment on table private.plaintext_pending is 'Plain personal values awaiting encryption by `python -m gongzhi migrate`; empty once it has run.';

-- A masked copy has the shape the key-holding code makes: phones 3 digits, stars, 4 digits (or 7
-- stars for short numbers); ID numbers 4 characters, 10 stars, 4 characters.
create function private.valid_masked(p_kind text, p_masked text) returns boolean
language sql immutable parallel safe set search_path = ''
as $$
  select case p_kind
    when 'phone' then p_masked ~ '^([0-9]{3}[*]{1,8}[0-9]{4}|[*]{7})$'
    when 'id_number' then p_masked ~ '^[0-9]{4}[*]{10}[0-9]{3}[0-9X]$'
  end
$$;

-- The three stored columns of one encrypted field hold all or nothing; the ciphertext has at
-- least a key id, a nonce and a tag, the blind index is one SM3 digest, the masked copy has its
-- kind's shape (as private.valid_masked, written out: a check constraint of the public forms'
-- role calls this function, and that role cannot look names up in schema private).
create function private.sealed(p_kind text, p_enc bytea, p_bidx bytea, p_masked text) returns boolean
language sql immutable parallel safe set search_path = ''
as $$
  select (p_enc is null) = (p_bidx is null) and (p_enc is null) = (p_masked is null)
     and (p_enc is null or (octet_length(p_enc) >= 29 and octet_length(p_bidx) = 32
                            and get_byte(p_enc, 0) between 1 and 255
                            and case p_kind
                                  when 'phone' then p_masked ~ '^([0-9]{3}[*]{1,8}[0-9]{4}|[*]{7})$'
                                  when 'id_number' then p_masked ~ '^[0-9]{4}[*]{10}[0-9]{3}[0-9X]$'
                                  else false end))
$$;

-- ---------------------------------------------------------------- plaintext out
drop view public.demand_row;
drop function private.beneficiary_phone(bigint);
drop function private.demand_duplicates(bigint, bigint, text, text, bigint);

insert into private.plaintext_pending (table_name, column_name, row_id, value)
select 'demand', 'beneficiary_phone', id::text, beneficiary_phone from public.demand where beneficiary_phone is not null;
insert into private.plaintext_pending (table_name, column_name, row_id, value)
select 'application', 'phone', id::text, phone from public.application;
insert into private.plaintext_pending (table_name, column_name, row_id, value)
select 'volunteer', 'phone', id::text, phone from public.volunteer;
insert into private.plaintext_pending (table_name, column_name, row_id, value)
select 'unit', 'phone', id::text, phone from public.unit;
insert into private.plaintext_pending (table_name, column_name, row_id, value)
select 'resource', 'contact_phone', id::text, contact_phone from public.resource where contact_phone is not null;
insert into private.plaintext_pending (table_name, column_name, row_id, value)
select 'staff', 'phone', user_id::text, phone from public.staff where phone is not null;

alter table public.demand drop column beneficiary_phone_masked, drop column beneficiary_phone;
alter table public.application drop column phone;
alter table public.volunteer drop column phone;
alter table public.unit drop column phone;
alter table public.resource drop column contact_phone;
alter table public.staff drop column phone;
alter table public.signup drop constraint signup_claim_cleared, drop column claim_phone;

-- ---------------------------------------------------------------- sealed columns
alter table public.demand
  add column beneficiary_phone_enc bytea,
  add column beneficiary_phone_bidx bytea,
  add column beneficiary_phone_masked text,
  add constraint demand_beneficiary_phone_sealed
    check (private.sealed('phone', beneficiary_phone_enc, beneficiary_phone_bidx, beneficiary_phone_masked));
alter table public.application
  add column phone_enc bytea,
  add column phone_bidx bytea,
  add column phone_masked text,
  add constraint application_phone_sealed check (private.sealed('phone', phone_enc, phone_bidx, phone_masked)),
  add constraint application_phone_required check (phone_enc is not null) not valid;
alter table public.volunteer
  add column phone_enc bytea,
  add column phone_bidx bytea,
  add column phone_masked text,
  add constraint volunteer_phone_sealed check (private.sealed('phone', phone_enc, phone_bidx, phone_masked)),
  add constraint volunteer_phone_required check (phone_enc is not null) not valid;
alter table public.unit
  add column phone_enc bytea,
  add column phone_bidx bytea,
  add column phone_masked text,
  add constraint unit_phone_sealed check (private.sealed('phone', phone_enc, phone_bidx, phone_masked)),
  add constraint unit_phone_required check (phone_enc is not null) not valid;
alter table public.resource
  add column contact_phone_enc bytea,
  add column contact_phone_bidx bytea,
  add column contact_phone_masked text,
  add constraint resource_contact_phone_sealed
    check (private.sealed('phone', contact_phone_enc, contact_phone_bidx, contact_phone_masked));
alter table public.staff
  add column phone_enc bytea,
  add column phone_bidx bytea,
  add column phone_masked text,
  add constraint staff_phone_sealed check (private.sealed('phone', phone_enc, phone_bidx, phone_masked));
-- A public sign-up names the volunteer by the blind index of their phone (and the sign-up code),
-- checked by the trigger and never stored.
alter table public.signup
  add column claim_phone_bidx bytea,
  add constraint signup_claim_cleared check (claim_phone_bidx is null and claim_code is null and volunteer_id is not null);

comment on column public.demand.beneficiary_phone_enc is 'Personal data, SM4-GCM ciphertext written by the key-holding code; read in full only through private.personal_cipher (unmasking, logged).';
comment on column public.demand.beneficiary_phone_bidx is 'Blind index (HMAC-SM3, keyed outside the database) of the beneficiary''s phone, for duplicate detection.';
comment on column public.demand.beneficiary_phone_masked is 'The beneficiary''s phone as shown: 138****8000.';
comment on column public.signup.claim_phone_bidx is 'A public sign-up''s phone, as its blind index; checked by the trigger and never stored.';

-- ---------------------------------------------------------------- indexes
create index demand_phone_idx on public.demand (beneficiary_phone_bidx, created_at)
  where beneficiary_phone_bidx is not null;
create index application_phone_created_idx on public.application (phone_bidx, created_at);
create index application_phone_idx on public.application (phone_bidx) where status = 'pending';
create index unit_phone_idx on public.unit (phone_bidx);
create unique index volunteer_phone_active_idx on public.volunteer (phone_bidx) where active;
create index volunteer_phone_idx on public.volunteer (phone_bidx);
create index resource_contact_phone_idx on public.resource (contact_phone_bidx) where contact_phone_bidx is not null;
create index staff_phone_idx on public.staff (phone_bidx) where phone_bidx is not null;

-- Encrypting older rows and re-encrypting under a new key change no record's content: the
-- key-holding code marks those transactions (gongzhi.rekey = on) and the rows keep their updated_at.
drop trigger demand_touch on public.demand;
create trigger demand_touch before update on public.demand
  for each row when (current_setting('gongzhi.rekey', true) is distinct from 'on') execute function private.touch();
drop trigger resource_touch on public.resource;
create trigger resource_touch before update on public.resource
  for each row when (current_setting('gongzhi.rekey', true) is distinct from 'on') execute function private.touch();

-- ---------------------------------------------------------------- views and helpers
-- The database can no longer unmask: the view shows the masked copy to everyone, and
-- `personal_visible` says who may unmask (private.personal_cipher applies the same rule).
create view public.demand_row with (security_invoker = true) as
select d.id, d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, d.category_id,
       d.title, d.description, d.urgency, private.demand_status(d.id, d.status) as status,
       d.quantity, d.needed_by,
       case when d.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.beneficiary_name(d.id) else d.beneficiary_name_masked end as beneficiary_name,
       d.beneficiary_phone_masked as beneficiary_phone,
       d.address, d.created_by, d.created_at, d.updated_at, d.closed_at,
       d.terr between coalesce((select private.personal_terr_lo()), 1) and coalesce((select private.personal_terr_hi()), 0)
         as personal_visible
from public.demand d;
comment on view public.demand_row is
  'Demands as staff may read them: beneficiary name masked unless the caller''s grid owns the demand or the caller is district staff; the phone always masked (personal_visible: who may unmask it, a logged act).';

-- Personal keys never stored in the row audit nor in the security log's details.
create or replace function private.personal_keys() returns text[]
language sql immutable set search_path = ''
as $$ select array['beneficiary_name', 'beneficiary_phone', 'phone', 'contact_phone', 'claim_phone',
                   'beneficiary_phone_enc', 'beneficiary_phone_bidx', 'beneficiary_phone_masked',
                   'phone_enc', 'phone_bidx', 'phone_masked',
                   'contact_phone_enc', 'contact_phone_bidx', 'contact_phone_masked',
                   'claim_phone_bidx']::text[] $$;

-- Demands of the caller's territory that look like a new one: the same beneficiary phone (by blind
-- index) and category in the last 30 days — only where the caller may read the phone in full (the
-- owning grid, the district) — or a similar title in the same grid.
create function private.demand_duplicates(p_org_unit_id bigint, p_category_id bigint, p_phone_bidx bytea,
                                          p_title text, p_exclude bigint default null)
returns table (demand_id bigint, reason text, similarity real)
language sql stable security definer set search_path = ''
as $$
  with me as (
    select private.terr_lo() as lo, private.terr_hi() as hi,
           private.personal_terr_lo() as plo, private.personal_terr_hi() as phi
  ), grid as (
    select u.terr from public.org_unit u where u.id = p_org_unit_id and u.kind in ('grid', 'building')
  ), wanted as (
    select array(select distinct b from unnest(string_to_array(private.bigrams(btrim(p_title)), ' ')) b
                 where b <> '') as pieces
  ), by_phone as (
    select d.id, 'phone'::text as reason, 1::real as similarity
    from public.demand d, me
    where p_phone_bidx is not null
      and d.beneficiary_phone_bidx = p_phone_bidx and d.category_id = p_category_id
      and d.created_at > now() - interval '30 days'
      and d.terr between me.lo and me.hi
      and d.terr between me.plo and me.phi
      and d.id is distinct from p_exclude
  ), by_title as (
    select d.id, 'title'::text,
           (select count(*) from unnest(w.pieces) p where p = any (x.pieces))::real
             / nullif(cardinality(array(select unnest(w.pieces) union select unnest(x.pieces))), 0) as similarity
    from public.demand d
    cross join me cross join wanted w
    join grid g on d.terr = g.terr
    cross join lateral (
      select array(select distinct b from unnest(string_to_array(private.bigrams(d.title), ' ')) b
                   where b <> '') as pieces) x
    where d.created_at > now() - interval '90 days'
      and d.status <> 'cancelled'
      and d.terr between me.lo and me.hi
      and d.id is distinct from p_exclude
      and cardinality(w.pieces) > 0
  )
  select id, reason, similarity from by_phone
  union all
  select id, 'title', similarity from by_title t
  where t.similarity >= 0.6 and t.id not in (select id from by_phone)
  order by 3 desc, 1 desc
  limit 10
$$;

-- The ciphertext of one encrypted field of one row, for unmasking: only with a reason, and only to
-- a caller who may read the value in full — a demand's beneficiary: the owning grid and the
-- district (private.personal_terr_lo/hi, as demand_row's personal_visible); a staff phone: the
-- district and the person; registrations and resources: staff of the row's territory. An unknown
-- row and a refused one read the same. Null when the row holds no value.
create function private.personal_cipher(p_table text, p_row text, p_field text, p_reason text)
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
    if p_table = 'demand' then
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

-- The ciphertext of a demand's beneficiary phone for a caller who may read it in full (the owning
-- grid, the district), null for anyone else: for exports, which the key-holding code decrypts and
-- which the security log records as a whole.
create function private.beneficiary_phone_cipher(p_demand_id bigint) returns bytea
language sql stable security definer set search_path = ''
as $$
  select d.beneficiary_phone_enc from public.demand d
  where d.id = p_demand_id
    and d.terr between private.personal_terr_lo() and private.personal_terr_hi()
$$;

-- ---------------------------------------------------------------- triggers
-- A new application: pending, undecided, flagged when its phone (by blind index) already has a
-- pending application or an active registration, at most 3 a day per phone; from the public form,
-- throttled per sender and per community. The phone's lock is on its blind index.
create or replace function private.check_application() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  bad text;
  community bigint;
  claims text := coalesce(current_setting('request.jwt.claims', true), '');
  public_request boolean;
begin
  if tg_op = 'INSERT' then
    public_request := current_setting('role', true) = 'gongzhi_public'
      or (claims <> '' and coalesce(claims::jsonb ->> 'role', 'anon') = 'anon');
    if public_request then
      new.fingerprint := left(private.request_sender(), 100);
    elsif claims <> '' then
      new.fingerprint := 'staff:' || auth.uid();
    end if;
    select coalesce(private.unsafe_text(new.name), private.unsafe_text(new.contact_name),
                    private.unsafe_text(new.workplace), private.unsafe_text(new.availability),
                    private.unsafe_text(new.note),
                    (select min(private.unsafe_text(s)) from unnest(new.skills) s),
                    (select min(private.unsafe_text(o ->> 'name')) from jsonb_array_elements(new.offers) o))
      into bad;
    if bad is not null then
      raise exception 'gongzhi:%', bad using errcode = 'check_violation';
    end if;
    new.status := 'pending';
    new.decided_by := null;
    new.decided_at := null;
    new.created_at := now();
    if new.phone_bidx is null then
      raise exception 'gongzhi:field.error.phone' using errcode = 'check_violation';
    end if;
    perform pg_advisory_xact_lock(7308, hashtext(encode(new.phone_bidx, 'hex')));
    if (select count(*) from public.application a
        where a.phone_bidx = new.phone_bidx and a.created_at > now() - interval '1 day') >= 3 then
      raise exception 'gongzhi:application.phone_too_many';
    end if;
    if public_request then
      select coalesce(o.community_id, o.id) into community from public.org_unit o where o.id = new.org_unit_id;
      perform pg_advisory_xact_lock(7309, hashtext(new.fingerprint));
      if (select count(*) from public.application a
          where a.fingerprint = new.fingerprint and a.created_at > now() - interval '10 minutes') >= 3
         or (select count(*) from public.application a
             where a.fingerprint = new.fingerprint and a.created_at > now() - interval '1 day') >= 10 then
        raise exception 'gongzhi:application.too_many';
      end if;
      if (select count(*) from public.application a
          where a.community_id = community and a.created_at > now() - interval '1 hour') >= 60 then
        raise exception 'gongzhi:application.community_busy';
      end if;
    end if;
    new.duplicate := exists (select from public.application a where a.phone_bidx = new.phone_bidx and a.status = 'pending')
       or exists (select from public.volunteer v where v.phone_bidx = new.phone_bidx and v.active and new.kind = 'volunteer')
       or exists (select from public.unit u where u.phone_bidx = new.phone_bidx and u.active and new.kind = 'unit');
    return new;
  end if;
  -- A decided application keeps its phone; the first encryption of an older row is not a change.
  if old.status <> 'pending' and (new.status <> old.status or new.kind <> old.kind
                                  or (old.phone_bidx is not null and new.phone_bidx is distinct from old.phone_bidx)) then
    raise exception 'gongzhi:application.decided';
  end if;
  new.duplicate := old.duplicate;
  new.fingerprint := old.fingerprint;
  if new.status <> old.status then
    new.decided_by := private.uid();
    new.decided_at := now();
  end if;
  return new;
end;
$$;

-- Approving an application creates the unit or volunteer and its resources, copying the phone's
-- ciphertext, blind index and masked copy as they are.
create or replace function private.approve_application() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  offer jsonb;
  ids bigint[] := '{}';
  rid bigint;
  cat bigint;
begin
  if new.status <> 'approved' or old.status = 'approved' then
    return null;
  end if;
  for offer in select * from jsonb_array_elements(new.offers) loop
    select c.id into cat from public.category c where c.code = offer ->> 'category';
    if cat is null or coalesce(offer ->> 'kind', '') not in ('venue', 'equipment', 'skill', 'funds', 'manpower', 'service') then
      raise exception 'gongzhi:application.bad_offer';
    end if;
    insert into public.resource (org_unit_id, kind, category_id, name, description, provider, provider_kind,
                                 contact_phone_enc, contact_phone_bidx, contact_phone_masked, capacity, available_from)
    values (new.org_unit_id, offer ->> 'kind', cat, left(coalesce(nullif(btrim(offer ->> 'name'), ''), new.name), 200),
            coalesce(new.note, ''), left(new.name, 100), case new.kind when 'unit' then 'unit' else 'volunteer' end,
            new.phone_enc, new.phone_bidx, new.phone_masked,
            greatest(1, least(coalesce((offer ->> 'capacity')::int, 1), 1000000)), current_date)
    returning id into rid;
    ids := ids || rid;
  end loop;
  if new.kind = 'unit' then
    insert into public.unit (org_unit_id, name, unit_type, contact_name, phone_enc, phone_bidx, phone_masked,
                             pledged_hours, resource_ids, application_id)
    values (new.org_unit_id, new.name, new.unit_type, new.contact_name, new.phone_enc, new.phone_bidx, new.phone_masked,
            new.pledged_hours, ids, new.id);
  else
    insert into public.volunteer (org_unit_id, name, phone_enc, phone_bidx, phone_masked, workplace, skills,
                                  availability, pledged_hours, resource_ids, application_id)
    values (new.org_unit_id, new.name, new.phone_enc, new.phone_bidx, new.phone_masked, new.workplace, new.skills,
            new.availability, new.pledged_hours, ids, new.id);
  end if;
  return null;
end;
$$;

-- A sign-up: staff name the volunteer; a public sign-up (through the portal's gongzhi_public role,
-- or anything calling itself public) names them by the blind index of their phone and their code.
create or replace function private.signup_seat() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  p public.post;
  vid bigint;
begin
  if tg_op = 'INSERT' then
    select * into p from public.post where id = new.post_id;
    if p.id is null or p.status <> 'open' or (p.kind = 'activity' and p.starts_at <= now()) then
      raise exception 'gongzhi:signup.closed';
    end if;
    if new.via = 'public' or current_setting('role', true) in ('anon', 'gongzhi_public') then
      new.via := 'public';
      select v.id into vid from public.volunteer v
      where v.phone_bidx = new.claim_phone_bidx and v.active and v.community_id = p.community_id
        and v.code_hash = encode(sha256(convert_to(v.id::text || ':' || upper(btrim(new.claim_code)), 'UTF8')), 'hex');
      if vid is null then
        raise exception 'gongzhi:signup.bad_code';
      end if;
      new.volunteer_id := vid;
      new.created_by := null;
    elsif new.volunteer_id is null or not exists (select from public.volunteer v where v.id = new.volunteer_id and v.active) then
      raise exception 'gongzhi:signup.no_volunteer';
    else
      new.created_by := private.uid();
    end if;
    new.claim_phone_bidx := null;
    new.claim_code := null;
    new.terr := p.terr;
    new.created_at := clock_timestamp();
    new.during := case when p.kind = 'activity' then p.during end;
    perform pg_advisory_xact_lock(7310, (new.volunteer_id % 2147483647)::int);
    if exists (select from public.signup s where s.post_id = new.post_id and s.volunteer_id = new.volunteer_id
               and s.status <> 'withdrawn') then
      raise exception 'gongzhi:signup.already';
    end if;
    if new.during is not null and exists (
        select from public.signup s where s.volunteer_id = new.volunteer_id and s.status in ('confirmed', 'waitlisted')
        and s.during && new.during) then
      raise exception 'gongzhi:signup.overlap';
    end if;
    update public.post set taken = taken + 1 where id = new.post_id and taken < capacity;
    new.status := case when found then 'confirmed' else 'waitlisted' end;
    return new;
  end if;
  -- UPDATE
  if new.post_id <> old.post_id or new.volunteer_id is distinct from old.volunteer_id or new.via <> old.via then
    raise exception 'gongzhi:signup.immutable';
  end if;
  new.updated_at := now();
  if new.status = old.status then
    return new;
  end if;
  if old.status = 'withdrawn' then
    raise exception 'gongzhi:status.invalid_transition';
  end if;
  if new.status = 'confirmed' then  -- from the waitlist
    update public.post set taken = taken + 1 where id = new.post_id and taken < capacity;
    if not found then
      raise exception 'gongzhi:signup.full';
    end if;
  elsif old.status = 'confirmed' then
    update public.post set taken = taken - 1 where id = new.post_id;
  end if;
  return new;
end;
$$;

-- ---------------------------------------------------------------- the security log
insert into private.security_log_kind (kind) values ('unmask');

-- ---------------------------------------------------------------- row-level security
-- The public forms write through the portal only, as gongzhi_public; anon writes nothing.
drop policy "anyone submits a pending application" on public.application;
drop policy "anyone signs up with a phone and a sign-up code" on public.signup;
create policy "the portal's public form submits a pending application" on public.application
  for insert to gongzhi_public with check (status = 'pending');
create policy "the portal's public form signs a volunteer up by phone and code" on public.signup
  for insert to gongzhi_public with check (true);

-- ---------------------------------------------------------------- grants
revoke all on public.application, public.signup from anon;
grant usage on schema public to gongzhi_public;
grant insert (kind, org_unit_id, name, phone_enc, phone_bidx, phone_masked, contact_name, unit_type, workplace,
              skills, availability, pledged_hours, offers, note, fingerprint) on public.application to gongzhi_public;
grant insert (post_id, via, claim_phone_bidx, claim_code) on public.signup to gongzhi_public;
grant usage on sequence public.application_id_seq, public.signup_id_seq to gongzhi_public;
-- A demand's ciphertext and blind index are not for authenticated (they read demand_row); the
-- masked copy is, as before.
grant select (beneficiary_phone_masked) on public.demand to authenticated;
revoke select (beneficiary_phone_enc) on public.demand from authenticated;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.valid_masked(text, text), private.sealed(text, bytea, bytea, text)
  to anon, authenticated, service_role, gongzhi_district, gongzhi_public;
grant execute on function private.visible_text(text), private.unsafe_text(text) to gongzhi_public;
grant execute on function private.demand_duplicates(bigint, bigint, bytea, text, bigint),
  private.personal_cipher(text, text, text, text), private.beneficiary_phone_cipher(bigint)
  to authenticated, gongzhi_district;

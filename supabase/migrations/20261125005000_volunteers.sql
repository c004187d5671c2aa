-- Volunteers (双报到): applications from the public sign-up page, resident units (单位报到) and
-- in-service members (在职党员报到) registered at a community, service posts and activities with
-- sign-ups and a waitlist (岗位认领 / 活动报名), service records (服务纪实) and the half-yearly
-- assessment (双考核) with its configurable weights.
--
-- Invariants held here for every client:
--   * anon may only insert a pending application (no RETURNING: it reads nothing back); a trigger
--     refuses duplicates by phone and floods per fingerprint (client IP when the API forwards it);
--   * approving an application creates the unit or volunteer and the resources it offers;
--   * a post never has more confirmed sign-ups than its capacity, even under concurrent sign-ups
--     (the seat is taken by a conditional update of post.taken, which serialises on the post row);
--     a withdrawal or a larger capacity moves the waitlist up;
--   * a volunteer never holds two sign-ups for activities that overlap in time (exclusion
--     constraint on a tstzrange, btree_gist);
--   * a verified service record cannot change; hours only for activities the volunteer was
--     confirmed for.

create schema if not exists extensions;
create extension if not exists btree_gist with schema extensions;

-- ---------------------------------------------------------------- tables
create table public.application (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('volunteer', 'unit')),
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 100),
  phone text not null check (phone ~ '^[0-9+ -]{5,20}$'),
  contact_name text check (length(contact_name) <= 50),
  unit_type text check (unit_type in ('organ', 'enterprise', 'institution', 'organisation', 'other')),
  workplace text check (length(workplace) <= 100),
  skills text[] not null default '{}' check (cardinality(skills) <= 10),
  availability text check (length(availability) <= 200),
  pledged_hours numeric(6, 1) not null default 0 check (pledged_hours between 0 and 2000),
  offers jsonb not null default '[]'::jsonb check (jsonb_typeof(offers) = 'array' and jsonb_array_length(offers) <= 10),
  note text check (length(note) <= 1000),
  fingerprint text check (length(fingerprint) <= 100),
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  reason text check (length(reason) <= 500),
  decided_by uuid references auth.users (id) on delete set null,
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  check ((kind = 'unit') = (unit_type is not null))
);
comment on table public.application is '报到申请: a pending sign-up from the public page (or entered by staff); approval creates the unit or volunteer. name, phone are personal data.';

create table public.unit (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 100),
  unit_type text not null check (unit_type in ('organ', 'enterprise', 'institution', 'organisation', 'other')),
  contact_name text check (length(contact_name) <= 50),
  phone text not null check (phone ~ '^[0-9+ -]{5,20}$'),
  pledged_hours numeric(6, 1) not null default 0 check (pledged_hours between 0 and 2000),
  resource_ids bigint[] not null default '{}',
  application_id bigint references public.application (id) on delete set null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
comment on table public.unit is '单位报到: a resident unit registered at the community where it sits; resource_ids are the resources it pledged.';

create table public.volunteer (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  name text not null check (length(btrim(name)) between 1 and 50),
  phone text not null check (phone ~ '^[0-9+ -]{5,20}$'),
  workplace text check (length(workplace) <= 100),
  unit_id bigint references public.unit (id) on delete set null,
  skills text[] not null default '{}' check (cardinality(skills) <= 10),
  availability text check (length(availability) <= 200),
  pledged_hours numeric(6, 1) not null default 0 check (pledged_hours between 0 and 2000),
  resource_ids bigint[] not null default '{}',
  code_hash text check (code_hash ~ '^[0-9a-f]{64}$'),
  application_id bigint references public.application (id) on delete set null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
comment on table public.volunteer is '在职党员报到: an in-service member registered at the community where they live. code_hash = sha256(id:code) of the sign-up code for the public page.';

create table public.post (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('post', 'activity')),
  title text not null check (length(btrim(title)) between 1 and 100),
  description text not null default '' check (length(description) <= 2000),
  place text check (length(place) <= 100),
  starts_at timestamptz not null,
  ends_at timestamptz,
  during tstzrange generated always as (tstzrange(starts_at, ends_at)) stored,
  capacity integer not null check (capacity between 1 and 10000),
  taken integer not null default 0 check (taken >= 0),
  skills text[] not null default '{}' check (cardinality(skills) <= 10),
  status text not null default 'open' check (status in ('open', 'closed', 'cancelled')),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint post_not_over_capacity check (taken <= capacity),
  check (ends_at is null or ends_at > starts_at),
  check (kind = 'post' or ends_at is not null)
);
comment on table public.post is '岗位 / 活动: a standing service post or a dated activity; taken counts confirmed sign-ups and is kept by triggers.';

create table public.signup (
  id bigint generated always as identity primary key,
  post_id bigint not null references public.post (id) on delete cascade,
  volunteer_id bigint references public.volunteer (id) on delete cascade,
  terr bigint not null default 0,
  status text not null default 'confirmed' check (status in ('confirmed', 'waitlisted', 'withdrawn')),
  via text not null default 'staff' check (via in ('staff', 'public')),
  during tstzrange,
  claim_phone text,
  claim_code text,
  created_by uuid references auth.users (id) on delete set null,  -- set by the trigger: anon cannot call private.uid()
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint signup_claim_cleared check (claim_phone is null and claim_code is null and volunteer_id is not null),
  constraint signup_no_overlap exclude using gist (volunteer_id with =, during with &&)
    where (status in ('confirmed', 'waitlisted') and during is not null)
);
comment on table public.signup is '认领 / 报名: a volunteer on a post; during is the activity''s time (null for standing posts). claim_* carry a public sign-up''s phone and code into the trigger and are never stored.';

create table public.service_log (
  id bigint generated always as identity primary key,
  volunteer_id bigint not null references public.volunteer (id) on delete cascade,
  post_id bigint references public.post (id) on delete set null,
  terr bigint not null default 0,
  served_on date not null,
  hours numeric(5, 2) not null check (hours > 0 and hours <= 24),
  rating smallint check (rating between 1 and 5),
  rated_by text check (rated_by in ('resident', 'staff')),
  note text check (length(note) <= 500),
  verified_by uuid references auth.users (id) on delete set null,
  verified_at timestamptz,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  check ((rating is null) = (rated_by is null))
);
comment on table public.service_log is '服务纪实: hours a volunteer served, verified by staff, rated by a resident or staff. Territory of the volunteer.';

create table public.assessment_weight (
  subject text not null check (subject in ('volunteer', 'unit')),
  factor text not null check (factor in ('hours', 'activities', 'rating', 'evaluation', 'matches')),
  weight numeric(5, 3) not null check (weight between 0 and 1),
  target numeric(8, 1) not null default 1 check (target > 0),
  primary key (subject, factor)
);
comment on table public.assessment_weight is '双考核 weights: score = 100 × Σ weight × part / Σ weight, part = min(value / target, 1) for hours, activities and matches, rating / 5, evaluation / 100. Edited by the district.';

insert into public.assessment_weight (subject, factor, weight, target) values
  ('volunteer', 'hours', 0.4, 40), ('volunteer', 'activities', 0.2, 8), ('volunteer', 'rating', 0.2, 1),
  ('volunteer', 'evaluation', 0.2, 1), ('volunteer', 'matches', 0, 1),
  ('unit', 'hours', 0.3, 200), ('unit', 'activities', 0.15, 20), ('unit', 'rating', 0.15, 1),
  ('unit', 'evaluation', 0.2, 1), ('unit', 'matches', 0.2, 10);

create table public.assessment (
  id bigint generated always as identity primary key,
  period text not null check (period ~ '^[0-9]{4}H[12]$'),
  subject text not null check (subject in ('volunteer', 'unit')),
  volunteer_id bigint references public.volunteer (id) on delete cascade,
  unit_id bigint references public.unit (id) on delete cascade,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  hours numeric(8, 2) not null default 0,
  activities integer not null default 0,
  rating numeric(3, 2),
  matches integer not null default 0,
  evaluation numeric(5, 1) check (evaluation between 0 and 100),
  score numeric(5, 2) not null default 0,
  computed_at timestamptz not null default now(),
  check ((subject = 'volunteer') = (volunteer_id is not null) and (subject = 'unit') = (unit_id is not null))
);
comment on table public.assessment is '双考核: the half-yearly score of a unit or a volunteer, computed by private.compute_assessment; evaluation (民主评议, 0–100) is entered by staff and kept across recomputation.';

-- ---------------------------------------------------------------- indexes
create index application_terr_idx on public.application (terr, id);
create index application_org_unit_id_idx on public.application (org_unit_id);
create index application_decided_by_idx on public.application (decided_by);
create index application_phone_idx on public.application (phone) where status = 'pending';
create index application_fingerprint_idx on public.application (fingerprint, created_at);
create index application_created_at_idx on public.application (created_at);
create index application_status_idx on public.application (status, created_at);
create index unit_terr_idx on public.unit (terr, id);
create index unit_org_unit_id_idx on public.unit (org_unit_id);
create index unit_application_id_idx on public.unit (application_id);
create index unit_phone_idx on public.unit (phone);
create index volunteer_terr_idx on public.volunteer (terr, id);
create index volunteer_org_unit_id_idx on public.volunteer (org_unit_id);
create index volunteer_unit_id_idx on public.volunteer (unit_id);
create index volunteer_application_id_idx on public.volunteer (application_id);
create unique index volunteer_phone_active_idx on public.volunteer (phone) where active;
create index post_terr_idx on public.post (terr, starts_at);
create index post_org_unit_id_idx on public.post (org_unit_id);
create index post_created_by_idx on public.post (created_by);
create index post_status_idx on public.post (status, community_id);
create index signup_post_id_idx on public.signup (post_id, status, created_at);
create index signup_volunteer_id_idx on public.signup (volunteer_id);
create index signup_terr_idx on public.signup (terr);
create index signup_created_by_idx on public.signup (created_by);
create unique index signup_once_per_post on public.signup (post_id, volunteer_id) where status <> 'withdrawn';
create index service_log_volunteer_id_idx on public.service_log (volunteer_id, served_on);
create index service_log_post_id_idx on public.service_log (post_id);
create index service_log_terr_idx on public.service_log (terr, served_on);
create index service_log_verified_by_idx on public.service_log (verified_by);
create index service_log_created_by_idx on public.service_log (created_by);
create index service_log_served_on_idx on public.service_log (served_on);
create unique index assessment_volunteer_idx on public.assessment (volunteer_id, period);
create unique index assessment_unit_idx on public.assessment (unit_id, period);
create index assessment_terr_idx on public.assessment (terr, period);
create index assessment_org_unit_id_idx on public.assessment (org_unit_id);

-- ---------------------------------------------------------------- triggers
-- Registration happens at a community (or a grid or building inside it), never above.
create function private.check_registration_place() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.org_unit o where o.id = new.org_unit_id
                 and o.kind in ('community', 'grid', 'building')) then
    raise exception 'gongzhi:volunteer.not_community';
  end if;
  return new;
end;
$$;

-- A new application: pending, undecided, no duplicate by phone, no flood from one sender.
-- Limits: 3 per 10 minutes and 10 per day from one fingerprint (the client IP when the API
-- forwards request headers, else what the app sends: a hash of session and IP); 300 per hour
-- across the district. Concurrent applications of one phone or sender are serialised by locks.
create function private.check_application() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  forwarded text := nullif(split_part(coalesce(
    nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for', ''), ',', 1), '');
begin
  new.fingerprint := coalesce(forwarded, nullif(btrim(new.fingerprint), ''), 'unknown');
  if tg_op = 'INSERT' then
    new.status := 'pending';
    new.decided_by := null;
    new.decided_at := null;
    new.created_at := now();
    perform pg_advisory_xact_lock(7308, hashtext(new.phone));
    perform pg_advisory_xact_lock(7309, hashtext(new.fingerprint));
    if exists (select from public.application a where a.phone = new.phone and a.status = 'pending')
       or exists (select from public.volunteer v where v.phone = new.phone and v.active and new.kind = 'volunteer')
       or exists (select from public.unit u where u.phone = new.phone and u.active and new.kind = 'unit') then
      raise exception 'gongzhi:application.duplicate';
    end if;
    if (select count(*) from public.application a
        where a.fingerprint = new.fingerprint and a.created_at > now() - interval '10 minutes') >= 3
       or (select count(*) from public.application a
           where a.fingerprint = new.fingerprint and a.created_at > now() - interval '1 day') >= 10 then
      raise exception 'gongzhi:application.too_many';
    end if;
    if (select count(*) from public.application a where a.created_at > now() - interval '1 hour') >= 300 then
      raise exception 'gongzhi:application.busy';
    end if;
    return new;
  end if;
  if old.status <> 'pending' and (new.status <> old.status or new.kind <> old.kind or new.phone <> old.phone) then
    raise exception 'gongzhi:application.decided';
  end if;
  if new.status <> old.status then
    new.decided_by := private.uid();
    new.decided_at := now();
  end if;
  return new;
end;
$$;

-- Approval creates the unit or volunteer at the application's place and the resources it offers
-- (public.resource rows, so they join matching). Offers: [{"kind", "category", "name", "capacity"}].
create function private.approve_application() returns trigger
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
                                 contact_phone, capacity, available_from)
    values (new.org_unit_id, offer ->> 'kind', cat, left(coalesce(nullif(btrim(offer ->> 'name'), ''), new.name), 200),
            coalesce(new.note, ''), left(new.name, 100), case new.kind when 'unit' then 'unit' else 'volunteer' end,
            new.phone, greatest(1, least(coalesce((offer ->> 'capacity')::int, 1), 1000000)), current_date)
    returning id into rid;
    ids := ids || rid;
  end loop;
  if new.kind = 'unit' then
    insert into public.unit (org_unit_id, name, unit_type, contact_name, phone, pledged_hours, resource_ids, application_id)
    values (new.org_unit_id, new.name, new.unit_type, new.contact_name, new.phone, new.pledged_hours, ids, new.id);
  else
    insert into public.volunteer (org_unit_id, name, phone, workplace, skills, availability, pledged_hours,
                                  resource_ids, application_id)
    values (new.org_unit_id, new.name, new.phone, new.workplace, new.skills, new.availability, new.pledged_hours,
            ids, new.id);
  end if;
  return null;
end;
$$;

-- A post's counter of confirmed sign-ups is kept by the sign-up triggers alone.
create function private.guard_post() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.taken := 0;
  elsif new.taken <> old.taken and pg_trigger_depth() < 2 then
    raise exception 'gongzhi:post.taken_is_counted';
  elsif new.capacity < new.taken then
    raise exception 'gongzhi:post.capacity_below_taken';
  elsif old.status <> new.status and not (old.status, new.status) in
        (('open', 'closed'), ('open', 'cancelled'), ('closed', 'open'), ('closed', 'cancelled')) then
    raise exception 'gongzhi:status.invalid_transition';
  end if;
  return new;
end;
$$;

-- Moves the waitlist of a post up while it has free seats, oldest sign-up first.
create function private.promote_waitlist(p_post bigint) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  next_id bigint;
begin
  loop
    exit when not exists (select from public.post p where p.id = p_post and p.taken < p.capacity and p.status = 'open');
    select s.id into next_id from public.signup s
    where s.post_id = p_post and s.status = 'waitlisted' order by s.created_at, s.id limit 1 for update;
    exit when next_id is null;
    update public.signup set status = 'confirmed' where id = next_id;
  end loop;
end;
$$;

-- A larger capacity or a reopened post lets the waitlist move up; an activity's new time
-- follows into its sign-ups (where the overlap rule checks it again).
create function private.post_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.during is distinct from old.during then
    update public.signup set during = case when new.kind = 'activity' then new.during end
    where post_id = new.id and status <> 'withdrawn';
  end if;
  if new.capacity > old.capacity or (new.status = 'open' and old.status <> 'open') then
    perform private.promote_waitlist(new.id);
  end if;
  return null;
end;
$$;

-- A sign-up takes a seat or a place on the waitlist. The seat is taken by a conditional update of
-- the post row, so concurrent sign-ups queue on that row and never exceed the capacity. A public
-- sign-up names the volunteer by phone and sign-up code, checked here and never stored.
create function private.signup_seat() returns trigger
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
    if new.via = 'public' or current_setting('role', true) = 'anon' then
      new.via := 'public';
      select v.id into vid from public.volunteer v
      where v.phone = btrim(new.claim_phone) and v.active and v.community_id = p.community_id
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
    new.claim_phone := null;
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

-- After a confirmed sign-up leaves, the first on the waitlist takes the seat.
create function private.signup_left() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    if old.status = 'confirmed' then
      update public.post set taken = taken - 1 where id = old.post_id;
      perform private.promote_waitlist(old.post_id);
    end if;
  elsif old.status = 'confirmed' and new.status <> 'confirmed' then
    perform private.promote_waitlist(new.post_id);
  end if;
  return null;
end;
$$;

-- Service records: the volunteer was confirmed for the post; not in the future; a verified record
-- stays as verified, and verification is stamped by the database.
create function private.check_service_log() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    if old.verified_at is not null then
      raise exception 'gongzhi:service_log.verified';
    end if;
    return old;
  end if;
  if not exists (select from public.volunteer v where v.id = new.volunteer_id) then
    raise exception 'gongzhi:service_log.no_volunteer';
  end if;
  if tg_op = 'UPDATE' and old.verified_at is not null
     and (new.hours <> old.hours or new.served_on <> old.served_on or new.volunteer_id <> old.volunteer_id
          or new.post_id is distinct from old.post_id) then
    raise exception 'gongzhi:service_log.verified';
  end if;
  if new.served_on > current_date then
    raise exception 'gongzhi:service_log.future';
  end if;
  if new.post_id is not null and (tg_op = 'INSERT' or new.post_id is distinct from old.post_id) and not exists (
      select from public.signup s where s.post_id = new.post_id and s.volunteer_id = new.volunteer_id
      and s.status = 'confirmed') then
    raise exception 'gongzhi:service_log.not_signed_up';
  end if;
  if new.verified_at is not null and (tg_op = 'INSERT' or old.verified_at is null) then
    new.verified_at := now();
    new.verified_by := private.uid();
  elsif new.verified_at is null then
    new.verified_by := null;
  end if;
  return new;
end;
$$;

-- An assessment row lies where its unit or volunteer is registered.
create function private.assessment_territory() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select x.org_unit_id into new.org_unit_id from (
    select v.org_unit_id from public.volunteer v where v.id = new.volunteer_id
    union all select u.org_unit_id from public.unit u where u.id = new.unit_id) x;
  select o.terr, o.street_id, o.community_id, o.grid_id into new.terr, new.street_id, new.community_id, new.grid_id
  from public.org_unit o where o.id = new.org_unit_id;
  if new.org_unit_id is null then
    raise exception 'gongzhi:assessment.no_subject';
  end if;
  return new;
end;
$$;

create trigger application_territory before insert or update of org_unit_id on public.application
  for each row execute function private.set_territory();
create trigger application_place before insert or update of org_unit_id on public.application
  for each row execute function private.check_registration_place();
create trigger application_check before insert or update on public.application
  for each row execute function private.check_application();
create trigger application_approved after update of status on public.application
  for each row execute function private.approve_application();
create trigger unit_territory before insert or update of org_unit_id on public.unit
  for each row execute function private.set_territory();
create trigger unit_place before insert or update of org_unit_id on public.unit
  for each row execute function private.check_registration_place();
create trigger volunteer_territory before insert or update of org_unit_id on public.volunteer
  for each row execute function private.set_territory();
create trigger volunteer_place before insert or update of org_unit_id on public.volunteer
  for each row execute function private.check_registration_place();
create trigger post_territory before insert or update of org_unit_id on public.post
  for each row execute function private.set_territory();
create trigger post_place before insert or update of org_unit_id on public.post
  for each row execute function private.check_registration_place();
create trigger post_guard before insert or update on public.post
  for each row execute function private.guard_post();
create trigger post_changed after update of capacity, status, starts_at, ends_at on public.post
  for each row execute function private.post_changed();
create trigger signup_seat before insert or update on public.signup
  for each row execute function private.signup_seat();
create trigger signup_left after update of status or delete on public.signup
  for each row execute function private.signup_left();
create trigger service_log_territory before insert or update of volunteer_id on public.service_log
  for each row execute function private.inherit_territory('volunteer', 'volunteer_id');
create trigger service_log_check before insert or update or delete on public.service_log
  for each row execute function private.check_service_log();
create trigger assessment_territory before insert or update of volunteer_id, unit_id on public.assessment
  for each row execute function private.assessment_territory();

do $$
declare
  t text;
begin
  foreach t in array array['application', 'unit', 'volunteer', 'post', 'signup', 'service_log',
                           'assessment', 'assessment_weight'] loop
    execute format('create trigger %1$s_audit after insert or update or delete on public.%1$I
                    for each row execute function private.audit()', t);
  end loop;
end
$$;

-- ---------------------------------------------------------------- assessment
-- Computes the half-yearly assessment of `p_period` ('2026H1') for every unit and volunteer
-- registered in the caller's territory, from verified service records, matches of pledged
-- resources and public.assessment_weight; keeps the evaluation staff entered. Returns the rows written.
create function private.compute_assessment(p_period text) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  p_from date;
  p_to date;
  n integer;
  m integer;
begin
  if lo is null or p_period !~ '^[0-9]{4}H[12]$' then
    raise exception 'gongzhi:assessment.bad_period';
  end if;
  p_from := make_date(left(p_period, 4)::int, case right(p_period, 1) when '1' then 1 else 7 end, 1);
  p_to := (p_from + interval '6 months')::date;

  create temp table if not exists pg_temp.assess_weight (subject text, factor text, w numeric, target numeric) on commit drop;
  truncate pg_temp.assess_weight;
  insert into pg_temp.assess_weight
  select w.subject, w.factor, w.weight / nullif(sum(w.weight) over (partition by w.subject), 0), w.target
  from public.assessment_weight w;

  with logs as (
    select l.volunteer_id, sum(l.hours) as hours, count(distinct l.post_id) as activities, avg(l.rating) as rating
    from public.service_log l
    where l.served_on >= p_from and l.served_on < p_to and l.verified_at is not null
      and l.terr between lo and hi
    group by l.volunteer_id
  ), facts as (
    select v.id, coalesce(g.hours, 0) as hours, coalesce(g.activities, 0)::int as activities, g.rating,
           (select count(*) from public.match mt where mt.resource_id = any (v.resource_ids)
              and mt.status in ('accepted', 'done') and mt.created_at >= p_from and mt.created_at < p_to)::int as matches,
           a.evaluation
    from public.volunteer v
    left join logs g on g.volunteer_id = v.id
    left join public.assessment a on a.volunteer_id = v.id and a.period = p_period
    where v.active and v.terr between lo and hi
  )
  insert into public.assessment as t (period, subject, volunteer_id, org_unit_id, hours, activities, rating, matches,
                                      evaluation, score, computed_at)
  select p_period, 'volunteer', f.id, 0, f.hours, f.activities, round(f.rating, 2), f.matches, f.evaluation,
         round(100 * (w.hours * least(f.hours / w.hours_t, 1) + w.activities * least(f.activities / w.activities_t, 1)
                      + w.rating * coalesce(f.rating, 3) / 5 + w.evaluation * coalesce(f.evaluation, 60) / 100
                      + w.matches * least(f.matches / w.matches_t, 1)), 2),
         now()
  from facts f cross join (
    select max(x.w) filter (where x.factor = 'hours') as hours, max(x.target) filter (where x.factor = 'hours') as hours_t,
           max(x.w) filter (where x.factor = 'activities') as activities,
           max(x.target) filter (where x.factor = 'activities') as activities_t,
           max(x.w) filter (where x.factor = 'rating') as rating,
           max(x.w) filter (where x.factor = 'evaluation') as evaluation,
           max(x.w) filter (where x.factor = 'matches') as matches, max(x.target) filter (where x.factor = 'matches') as matches_t
    from pg_temp.assess_weight x where x.subject = 'volunteer') w
  on conflict (volunteer_id, period) do update
    set hours = excluded.hours, activities = excluded.activities, rating = excluded.rating, matches = excluded.matches,
        score = excluded.score, computed_at = excluded.computed_at;
  get diagnostics n = row_count;

  -- A unit: the service of its members (wherever they live) and the matches of what it pledged.
  with logs as (
    select v.unit_id, sum(l.hours) as hours, count(distinct l.post_id) as activities, avg(l.rating) as rating
    from public.service_log l join public.volunteer v on v.id = l.volunteer_id
    where l.served_on >= p_from and l.served_on < p_to and l.verified_at is not null
      and v.unit_id in (select u.id from public.unit u where u.terr between lo and hi)
    group by v.unit_id
  ), facts as (
    select u.id, coalesce(g.hours, 0) as hours, coalesce(g.activities, 0)::int as activities, g.rating,
           (select count(*) from public.match mt where mt.resource_id = any (u.resource_ids)
              and mt.status in ('accepted', 'done') and mt.created_at >= p_from and mt.created_at < p_to)::int as matches,
           a.evaluation
    from public.unit u
    left join logs g on g.unit_id = u.id
    left join public.assessment a on a.unit_id = u.id and a.period = p_period
    where u.active and u.terr between lo and hi
  )
  insert into public.assessment as t (period, subject, unit_id, org_unit_id, hours, activities, rating, matches,
                                      evaluation, score, computed_at)
  select p_period, 'unit', f.id, 0, f.hours, f.activities, round(f.rating, 2), f.matches, f.evaluation,
         round(100 * (w.hours * least(f.hours / w.hours_t, 1) + w.activities * least(f.activities / w.activities_t, 1)
                      + w.rating * coalesce(f.rating, 3) / 5 + w.evaluation * coalesce(f.evaluation, 60) / 100
                      + w.matches * least(f.matches / w.matches_t, 1)), 2),
         now()
  from facts f cross join (
    select max(x.w) filter (where x.factor = 'hours') as hours, max(x.target) filter (where x.factor = 'hours') as hours_t,
           max(x.w) filter (where x.factor = 'activities') as activities,
           max(x.target) filter (where x.factor = 'activities') as activities_t,
           max(x.w) filter (where x.factor = 'rating') as rating,
           max(x.w) filter (where x.factor = 'evaluation') as evaluation,
           max(x.w) filter (where x.factor = 'matches') as matches, max(x.target) filter (where x.factor = 'matches') as matches_t
    from pg_temp.assess_weight x where x.subject = 'unit') w
  on conflict (unit_id, period) do update
    set hours = excluded.hours, activities = excluded.activities, rating = excluded.rating, matches = excluded.matches,
        score = excluded.score, computed_at = excluded.computed_at;
  get diagnostics m = row_count;
  return n + m;
end;
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.application enable row level security;
alter table public.unit enable row level security;
alter table public.volunteer enable row level security;
alter table public.post enable row level security;
alter table public.signup enable row level security;
alter table public.service_log enable row level security;
alter table public.assessment enable row level security;
alter table public.assessment_weight enable row level security;

-- The public page: anon may add a pending application and nothing else; no select policy, so an
-- INSERT … RETURNING fails and nothing is read back.
create policy "anyone submits a pending application" on public.application
  for insert to anon with check (status = 'pending');
create policy "staff read applications of their territory" on public.application
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff enter applications in their territory" on public.application
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff decide applications of their territory" on public.application
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove applications of their territory" on public.application
  for delete to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- Units, volunteers and posts: visible inside their territory and to the grids of their community
-- (rows registered at the community itself serve its grids), editable inside the territory.
do $$
declare
  t text;
  noun text;
begin
  foreach t in array array['unit', 'volunteer', 'post'] loop
    noun := case t when 'unit' then 'units' when 'volunteer' then 'volunteers' else 'posts' end;
    execute format('create policy "staff read %2$s serving their territory" on public.%1$I for select to authenticated
      using (terr between (select private.terr_lo()) and (select private.terr_hi())
             or terr = any ((select private.terr_above())::bigint[]))', t, noun);
    execute format('create policy "staff add %2$s in their territory" on public.%1$I for insert to authenticated
      with check (terr between (select private.terr_lo()) and (select private.terr_hi()))', t, noun);
    execute format('create policy "staff change %2$s of their territory" on public.%1$I for update to authenticated
      using (terr between (select private.terr_lo()) and (select private.terr_hi()))
      with check (terr between (select private.terr_lo()) and (select private.terr_hi()))', t, noun);
    execute format('create policy "staff remove %2$s of their territory" on public.%1$I for delete to authenticated
      using (terr between (select private.terr_lo()) and (select private.terr_hi()))', t, noun);
  end loop;
end
$$;

-- The public page lists open posts (a notice on the community board: no personal data; anon may
-- read only the columns granted below).
create policy "anyone reads open posts" on public.post
  for select to anon using (status = 'open');

-- Sign-ups follow their post; staff sign up volunteers they can see; the public page signs up
-- with a phone and a sign-up code, which the trigger checks.
create policy "staff read sign-ups of their posts" on public.signup
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff sign up volunteers they see for their posts" on public.signup
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.volunteer v where v.id = volunteer_id));
create policy "staff change sign-ups of their posts" on public.signup
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
-- The trigger treats every insert by anon as a public sign-up and checks its phone and code.
create policy "anyone signs up with a phone and a sign-up code" on public.signup
  for insert to anon with check (true);

create policy "staff read service records of their territory" on public.service_log
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff record service in their territory" on public.service_log
  for insert to authenticated with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff verify and rate service of their territory" on public.service_log
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove service records of their territory" on public.service_log
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read assessments of their territory" on public.assessment
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff enter evaluations in their territory" on public.assessment
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read the assessment weights" on public.assessment_weight
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the assessment weights" on public.assessment_weight
  for select to gongzhi_district using (true);
create policy "district staff change the assessment weights" on public.assessment_weight
  for update to gongzhi_district using (true) with check (true);

do $$
declare
  t text;
begin
  foreach t in array array['application', 'unit', 'volunteer', 'post', 'signup', 'service_log', 'assessment'] loop
    execute format('create policy "district staff read all %1$s" on public.%1$I for select to gongzhi_district using (true)', t);
    execute format('create policy "district staff add %1$s" on public.%1$I for insert to gongzhi_district with check (true)', t);
    execute format('create policy "district staff change %1$s" on public.%1$I for update to gongzhi_district using (true) with check (true)', t);
    execute format('create policy "district staff remove %1$s" on public.%1$I for delete to gongzhi_district using (true)', t);
  end loop;
end
$$;

-- ---------------------------------------------------------------- grants
grant select, insert, update, delete on public.application, public.unit, public.volunteer, public.post,
  public.signup, public.service_log, public.assessment, public.assessment_weight to gongzhi_district;
-- anon: the two public inserts, and the public columns of posts.
revoke all on public.application, public.unit, public.volunteer, public.post, public.signup,
  public.service_log, public.assessment, public.assessment_weight from anon;
grant insert (kind, org_unit_id, name, phone, contact_name, unit_type, workplace, skills, availability,
              pledged_hours, offers, note, fingerprint) on public.application to anon;
grant insert (post_id, via, claim_phone, claim_code) on public.signup to anon;
grant select (id, org_unit_id, community_id, kind, title, description, place, starts_at, ends_at, capacity, taken,
              skills, status) on public.post to anon;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.compute_assessment(text) to authenticated, gongzhi_district;

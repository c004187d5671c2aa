-- Volunteers (双报到), part 1: applications from the public sign-up page, and the resident units
-- (单位报到) and in-service members (在职党员报到) registered at a community.
--
-- Invariants held here for every client:
--   * anon may only insert a pending application (no RETURNING: it reads nothing back); a trigger
--     refuses duplicates by phone and floods per fingerprint (client IP when the API forwards it);
--   * approving an application creates the unit or volunteer and the resources it offers;
--   * registration happens at a community (or a grid or building inside it), never above.

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

select private.add_audit('application');
select private.add_audit('unit');
select private.add_audit('volunteer');

-- ---------------------------------------------------------------- row-level security
alter table public.application enable row level security;
alter table public.unit enable row level security;
alter table public.volunteer enable row level security;

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

-- Units and volunteers: visible inside their territory and to the grids of their community
-- (rows registered at the community itself serve its grids), editable inside the territory.
create policy "staff read units serving their territory" on public.unit
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add units in their territory" on public.unit
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change units of their territory" on public.unit
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove units of their territory" on public.unit
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read volunteers serving their territory" on public.volunteer
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add volunteers in their territory" on public.volunteer
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change volunteers of their territory" on public.volunteer
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove volunteers of their territory" on public.volunteer
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- District staff: the whole district, one constant policy per table and action.
create policy "district staff read all applications" on public.application
  for select to gongzhi_district using (true);
create policy "district staff add applications" on public.application
  for insert to gongzhi_district with check (true);
create policy "district staff decide applications" on public.application
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove applications" on public.application
  for delete to gongzhi_district using (true);

create policy "district staff read all units" on public.unit
  for select to gongzhi_district using (true);
create policy "district staff add units" on public.unit
  for insert to gongzhi_district with check (true);
create policy "district staff change units" on public.unit
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove units" on public.unit
  for delete to gongzhi_district using (true);

create policy "district staff read all volunteers" on public.volunteer
  for select to gongzhi_district using (true);
create policy "district staff add volunteers" on public.volunteer
  for insert to gongzhi_district with check (true);
create policy "district staff change volunteers" on public.volunteer
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove volunteers" on public.volunteer
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
grant select, insert, update, delete on public.application, public.unit, public.volunteer to gongzhi_district;
-- anon: only the public page's insert of an application, in the columns it fills.
revoke all on public.application, public.unit, public.volunteer from anon;
grant insert (kind, org_unit_id, name, phone, contact_name, unit_type, workplace, skills, availability,
              pledged_hours, offers, note, fingerprint) on public.application to anon;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

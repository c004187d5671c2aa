-- Territory: the org tree (district → street → community → grid → building), the departments,
-- staff, and the private helpers every row-level security policy uses.
--
-- Every territorial row carries `terr`, a hierarchical territory code: street, community and grid
-- digits appended (street × 100000 + community × 1000 + grid), so that every territory is one
-- contiguous range [terr, terr_hi] served by one btree index. The district is 0 .. 9999999.
-- District staff run as the role `gongzhi_district`, whose policies are `using (true)`: a range
-- that covers everything is planned badly, a constant is planned as well as no policy at all.
-- Department staff (城管, 公安 …) sit at the district but have no territory: they see only what
-- is summoned to their department (see the whistle migrations).

-- ---------------------------------------------------------------- roles and schemas
do $$
begin
  if not exists (select from pg_roles where rolname = 'gongzhi_district') then
    create role gongzhi_district nologin noinherit;
  end if;
end
$$;
grant gongzhi_district to current_user;
grant usage on schema public to gongzhi_district;
alter default privileges in schema public grant select, insert, update, delete on tables to gongzhi_district;
alter default privileges in schema public grant usage, select on sequences to gongzhi_district;

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- tables
create table public.org_unit (
  id bigint generated always as identity primary key,
  parent_id bigint references public.org_unit (id),
  kind text not null check (kind in ('district', 'street', 'community', 'grid', 'building')),
  name text not null check (length(btrim(name)) between 1 and 100),
  code text not null unique check (code ~ '^[0-9A-Za-z_-]{1,32}$'),
  terr bigint not null default 0,
  terr_hi bigint generated always as (
    terr + case kind when 'district' then 9999999 when 'street' then 99999
                     when 'community' then 999 else 0 end
  ) stored,
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  created_at timestamptz not null default now(),
  check ((kind = 'district') = (parent_id is null))
);
comment on table public.org_unit is 'The org tree. terr is assigned by the database; street_id, community_id and grid_id are the unit''s own ancestors (itself included).';

create table public.department (
  id bigint generated always as identity primary key,
  code text not null unique check (code ~ '^[a-z0-9_]{1,32}$'),
  name_zh text not null check (length(btrim(name_zh)) between 1 and 50),
  name_en text not null check (length(btrim(name_en)) between 1 and 80),
  position integer not null default 0,
  active boolean not null default true
);
comment on table public.department is '职能部门: 城管, 公安, 住建 … configured by the district; department staff belong to one.';

create table public.staff (
  user_id uuid primary key references auth.users (id) on delete cascade,
  org_unit_id bigint not null references public.org_unit (id),
  role text not null check (role in ('district', 'street', 'community', 'grid', 'department')),
  display_name text not null check (length(btrim(display_name)) between 1 and 50),
  phone text check (phone ~ '^[0-9+ -]{5,20}$'),
  active boolean not null default true,
  terr bigint not null default 0,
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  created_at timestamptz not null default now(),
  department_id bigint references public.department (id)
);
comment on table public.staff is 'Who works where. Role and territory of every signed-in user come from here and nowhere else.';
comment on column public.staff.department_id is 'The department of department staff; null for every other role.';

-- ---------------------------------------------------------------- indexes
create index org_unit_parent_id_idx on public.org_unit (parent_id);
create index org_unit_terr_idx on public.org_unit (terr);
create unique index org_unit_one_district on public.org_unit ((true)) where kind = 'district';
create index staff_org_unit_id_idx on public.staff (org_unit_id);
create index staff_terr_idx on public.staff (terr);
create index staff_department_id_idx on public.staff (department_id);

-- ---------------------------------------------------------------- helpers
-- The signed-in user, for code that runs as a role without rights on schema auth.
create function private.uid() returns uuid
language sql stable security definer set search_path = ''
as $$ select auth.uid() $$;

-- The signed-in staff member's role, or null when the user is no active staff member.
create function private.staff_role() returns text
language sql stable security definer set search_path = ''
as $$ select s.role from public.staff s where s.user_id = auth.uid() and s.active $$;

-- Lower bound of the signed-in user's territory; null for department staff and strangers.
create function private.terr_lo() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department'
$$;

-- Upper bound of the signed-in user's territory; null for department staff and strangers.
create function private.terr_hi() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department'
$$;

-- Territory codes of the units above the signed-in user (district, street, community):
-- rows that serve those wider areas are visible inside them.
create function private.terr_above() returns bigint[]
language sql stable security definer set search_path = ''
as $$
  select array[0::bigint, o.terr / 100000 * 100000, o.terr / 1000 * 1000]
  from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role <> 'department'
$$;

-- The department of the signed-in department staff member; null for everyone else.
create function private.department_id() returns bigint
language sql stable security definer set search_path = ''
as $$ select s.department_id from public.staff s where s.user_id = auth.uid() and s.active and s.role = 'department' $$;

-- ---------------------------------------------------------------- triggers
-- Places a new org unit in the tree: checks the parent's kind and assigns the next free code.
create function private.place_org_unit() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  parent public.org_unit;
  step bigint;
  slot bigint;
  max_slot bigint;
begin
  if tg_op = 'UPDATE' then
    if new.parent_id is distinct from old.parent_id or new.kind <> old.kind or new.terr <> old.terr then
      raise exception 'gongzhi:org_unit.immutable' using errcode = 'check_violation';
    end if;
    return new;
  end if;
  if new.kind = 'district' then
    new.terr := 0;
    new.street_id := null; new.community_id := null; new.grid_id := null;
    return new;
  end if;
  select * into parent from public.org_unit where id = new.parent_id;
  if parent.kind is distinct from (case new.kind when 'street' then 'district' when 'community' then 'street'
                                              when 'grid' then 'community' when 'building' then 'grid' end) then
    raise exception 'gongzhi:org_unit.bad_parent' using errcode = 'check_violation';
  end if;
  new.street_id := case new.kind when 'street' then new.id else parent.street_id end;
  new.community_id := case new.kind when 'community' then new.id else parent.community_id end;
  new.grid_id := case new.kind when 'grid' then new.id else parent.grid_id end;
  if new.kind = 'building' then
    new.terr := parent.terr;
    return new;
  end if;
  step := case new.kind when 'street' then 100000 when 'community' then 1000 else 1 end;
  max_slot := case new.kind when 'grid' then 999 else 99 end;
  perform pg_advisory_xact_lock(7301, parent.id::int);
  select coalesce(max((o.terr - parent.terr) / step), 0) + 1 into slot
  from public.org_unit o where o.parent_id = parent.id;
  if slot > max_slot then
    raise exception 'gongzhi:org_unit.full' using errcode = 'check_violation';
  end if;
  new.terr := parent.terr + slot * step;
  return new;
end;
$$;

create trigger org_unit_place before insert or update on public.org_unit
  for each row execute function private.place_org_unit();

-- Derives terr, street_id, community_id and grid_id of a territorial row from its org_unit_id,
-- so that a client can neither forge nor forget them.
create function private.set_territory() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select o.terr, o.street_id, o.community_id, o.grid_id
    into new.terr, new.street_id, new.community_id, new.grid_id
  from public.org_unit o where o.id = new.org_unit_id;
  return new;
end;
$$;

create trigger staff_territory before insert or update of org_unit_id on public.staff
  for each row execute function private.set_territory();

-- A staff member's role must fit the kind of unit they sit in (department staff sit at the district).
create function private.check_staff_role() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  unit_kind text;
begin
  select kind into unit_kind from public.org_unit where id = new.org_unit_id;
  if unit_kind is distinct from (case new.role when 'department' then 'district' else new.role end) then
    raise exception 'gongzhi:staff.role_unit_mismatch' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

create trigger staff_role_fits before insert or update of role, org_unit_id on public.staff
  for each row execute function private.check_staff_role();

-- Department staff must belong to a department, and only they may (checked at commit, so an
-- account and its department can be set up in one transaction).
create function private.check_staff_department() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  s record;
begin
  select role, department_id into s from public.staff where user_id = new.user_id;
  if not found then
    return null;
  end if;
  if s.role = 'department' and s.department_id is null then
    raise exception 'gongzhi:staff.department_required';
  end if;
  if s.role <> 'department' and s.department_id is not null then
    raise exception 'gongzhi:staff.department_only';
  end if;
  return null;
end;
$$;

create constraint trigger staff_department_fits after insert or update of role, department_id on public.staff
  deferrable initially deferred for each row execute function private.check_staff_department();

-- ---------------------------------------------------------------- row-level security
alter table public.org_unit enable row level security;
alter table public.department enable row level security;
alter table public.staff enable row level security;

create policy "staff read the org tree" on public.org_unit
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the org tree" on public.org_unit
  for select to gongzhi_district using (true);
create policy "district staff add org units" on public.org_unit
  for insert to gongzhi_district with check (true);
create policy "district staff rename org units" on public.org_unit
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove org units" on public.org_unit
  for delete to gongzhi_district using (true);

-- Departments: every staff member reads them, the district maintains them.
create policy "staff read the departments" on public.department
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the departments" on public.department
  for select to gongzhi_district using (true);
create policy "district staff add departments" on public.department
  for insert to gongzhi_district with check (true);
create policy "district staff change departments" on public.department
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove departments" on public.department
  for delete to gongzhi_district using (true);

create policy "staff read themselves and the staff of their territory" on public.staff
  for select to authenticated
  using (user_id = (select private.uid())
         or terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all staff" on public.staff
  for select to gongzhi_district using (true);
create policy "district staff add staff" on public.staff
  for insert to gongzhi_district with check (true);
create policy "district staff change staff" on public.staff
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove staff" on public.staff
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
grant select, insert, update, delete on public.org_unit, public.staff to gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.uid(), private.staff_role(), private.terr_lo(),
  private.terr_hi(), private.terr_above(), private.department_id() to authenticated, gongzhi_district;

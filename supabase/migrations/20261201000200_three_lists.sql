-- The three lists: resources (资源清单), demands (需求清单) and projects (项目清单), the matches
-- between demands and resources (对接), categories, and the status machine every list obeys.
--
-- A demand's stored status is new, in_progress, done or cancelled; "matched" is derived (a new
-- demand with a live proposal reads as matched, private.demand_status), so that a 对接会 writing a
-- hundred thousand proposals writes only its matches. The matching migration moves the stored
-- status as matches are accepted, done or cancelled.

-- ---------------------------------------------------------------- helpers the tables use
-- Pure functions behind the masked copies of a demand's personal data (generated columns): every
-- role that inserts demands evaluates them.
-- A phone number with its middle digits hidden: 138****8000.
create function private.mask_phone(phone text) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select case when phone is null then null
              when length(phone) <= 7 then repeat('*', length(phone))
              else left(phone, 3) || repeat('*', length(phone) - 7) || right(phone, 4) end
$$;

-- A name with all but its first character hidden: 王**.
create function private.mask_name(name text) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select case when name is null or name = '' then name
              else left(name, 1) || repeat('*', greatest(length(name) - 1, 1)) end
$$;

-- ---------------------------------------------------------------- reference tables
create table public.category (
  id bigint generated always as identity primary key,
  code text not null unique check (code ~ '^[a-z0-9_]{1,32}$'),
  name_zh text not null check (length(btrim(name_zh)) between 1 and 50),
  name_en text not null check (length(btrim(name_en)) between 1 and 50),
  position integer not null default 0
);
comment on table public.category is 'Kinds of need and offer (助老, 维修, 法律 …), shared by demands and resources.';

-- Which status changes are allowed, per list; from_status null marks a status a row may start in.
create table public.status_transition (
  entity text not null check (entity in ('demand', 'resource', 'project', 'match')),
  from_status text,
  to_status text not null,
  unique nulls not distinct (entity, from_status, to_status)
);
comment on table public.status_transition is 'The status machine of each list, enforced by private.check_status.';

insert into public.status_transition (entity, from_status, to_status) values
  ('demand', null, 'new'),
  ('demand', 'new', 'in_progress'), ('demand', 'new', 'cancelled'),
  ('demand', 'in_progress', 'done'), ('demand', 'in_progress', 'new'),
  ('demand', 'done', 'in_progress'),
  ('resource', null, 'available'), ('resource', null, 'paused'),
  ('resource', 'available', 'paused'), ('resource', 'available', 'retired'),
  ('resource', 'paused', 'available'), ('resource', 'paused', 'retired'),
  ('project', null, 'planning'),
  ('project', 'planning', 'in_progress'), ('project', 'planning', 'cancelled'),
  ('project', 'in_progress', 'done'), ('project', 'in_progress', 'cancelled'),
  ('project', 'done', 'in_progress'),
  ('match', null, 'proposed'), ('match', null, 'accepted'),
  ('match', 'proposed', 'accepted'), ('match', 'proposed', 'rejected'), ('match', 'proposed', 'cancelled'),
  ('match', 'proposed', 'lapsed'),
  ('match', 'accepted', 'done'), ('match', 'accepted', 'cancelled');

-- ---------------------------------------------------------------- the lists
create table public.demand (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  category_id bigint not null references public.category (id),
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  urgency text not null default 'normal' check (urgency in ('low', 'normal', 'high', 'urgent')),
  status text not null default 'new',
  quantity integer not null default 1 check (quantity between 1 and 100000),
  needed_by date,
  beneficiary_name text check (length(beneficiary_name) <= 50),
  beneficiary_phone text check (beneficiary_phone ~ '^[0-9+ -]{5,20}$'),
  address text check (length(address) <= 200),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  closed_at timestamptz,
  beneficiary_name_masked text generated always as (private.mask_name(beneficiary_name)) stored,
  beneficiary_phone_masked text generated always as (private.mask_phone(beneficiary_phone)) stored
) with (fillfactor = 90);
comment on table public.demand is '需求清单: a resident need collected in a grid. beneficiary_* is personal data.';
comment on column public.demand.beneficiary_phone is
  'Personal data: not readable by authenticated; read public.demand_row (masked unless the caller''s grid owns the demand, or the caller is district staff).';
comment on column public.demand.beneficiary_name is
  'Personal data: not readable by authenticated; read public.demand_row.';

create table public.resource (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('venue', 'equipment', 'skill', 'funds', 'manpower', 'service')),
  category_id bigint not null references public.category (id),
  name text not null check (length(btrim(name)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  provider text not null check (length(btrim(provider)) between 1 and 100),
  provider_kind text not null default 'unit'
    check (provider_kind in ('unit', 'department', 'organisation', 'volunteer', 'community')),
  contact_phone text check (contact_phone ~ '^[0-9+ -]{5,20}$'),
  capacity integer not null default 1 check (capacity between 0 and 1000000),
  allocated integer not null default 0 check (allocated >= 0),
  available_from date,
  available_to date,
  status text not null default 'available',
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint resource_not_over_allocated check (allocated <= capacity),
  check (available_to is null or available_from is null or available_to >= available_from)
);
comment on table public.resource is '资源清单: what a unit, department, organisation or volunteer offers to the area of org_unit_id.';

create table public.project (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('joint', 'secretary', 'livelihood')),
  name text not null check (length(btrim(name)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  budget numeric(14, 2) not null default 0 check (budget >= 0),
  spent numeric(14, 2) not null default 0 check (spent >= 0),
  beneficiaries integer not null default 0 check (beneficiaries >= 0),
  start_date date,
  end_date date,
  progress smallint not null default 0 check (progress between 0 and 100),
  status text not null default 'planning',
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (end_date is null or start_date is null or end_date >= start_date)
);
comment on table public.project is '项目清单: 共建项目 (joint), 书记项目 (secretary), 民生实事 (livelihood), owned by org_unit_id.';

create table public.project_milestone (
  id bigint generated always as identity primary key,
  project_id bigint not null references public.project (id) on delete cascade,
  terr bigint not null default 0,
  title text not null check (length(btrim(title)) between 1 and 200),
  due_date date,
  done_at timestamptz,
  position integer not null default 0
);

create table public.project_demand (
  project_id bigint not null references public.project (id) on delete cascade,
  demand_id bigint not null references public.demand (id) on delete cascade,
  terr bigint not null default 0,
  primary key (project_id, demand_id)
);

create table public.project_resource (
  project_id bigint not null references public.project (id) on delete cascade,
  resource_id bigint not null references public.resource (id) on delete cascade,
  terr bigint not null default 0,
  quantity integer not null default 1 check (quantity > 0),
  primary key (project_id, resource_id)
);

create table public.match (
  id bigint generated always as identity primary key,
  demand_id bigint not null references public.demand (id) on delete cascade,
  resource_id bigint not null references public.resource (id) on delete cascade,
  org_unit_id bigint not null default 0,
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  resource_terr bigint not null default 0,
  quantity integer not null default 1 check (quantity between 1 and 100000),
  score numeric(7, 3),
  reasons jsonb not null default '[]'::jsonb,
  status text not null default 'proposed',
  rating smallint check (rating between 1 and 5),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.match is '对接: a resource assigned to a demand. Territory comes from the demand, resource_terr from the resource.';

-- ---------------------------------------------------------------- indexes
create index demand_terr_idx on public.demand (terr, id);
create index demand_org_unit_id_idx on public.demand (org_unit_id);
create index demand_category_id_idx on public.demand (category_id);
create index demand_created_by_idx on public.demand (created_by);
create index demand_created_at_idx on public.demand (created_at);
create index resource_terr_idx on public.resource (terr, id);
create index resource_org_unit_id_idx on public.resource (org_unit_id);
create index resource_category_id_idx on public.resource (category_id);
create index resource_created_by_idx on public.resource (created_by);
create index project_terr_idx on public.project (terr, id);
create index project_org_unit_id_idx on public.project (org_unit_id);
create index project_created_by_idx on public.project (created_by);
create index project_milestone_project_id_idx on public.project_milestone (project_id);
create index project_milestone_terr_idx on public.project_milestone (terr);
create index project_demand_demand_id_idx on public.project_demand (demand_id);
create index project_demand_terr_idx on public.project_demand (terr);
create index project_resource_resource_id_idx on public.project_resource (resource_id);
create index project_resource_terr_idx on public.project_resource (terr);
create index match_demand_id_idx on public.match (demand_id);
create index match_resource_id_idx on public.match (resource_id);
create index match_terr_idx on public.match (terr);
create index match_resource_terr_idx on public.match (resource_terr);
create index match_created_by_idx on public.match (created_by);

-- ---------------------------------------------------------------- helpers
-- The status as staff read it: a new demand with a live proposal is matched.
create function private.demand_status(demand_id bigint, stored text) returns text
language sql stable security definer set search_path = ''
as $$
  select case when stored = 'new' and exists (select from public.match m
                                              where m.demand_id = demand_status.demand_id and m.status = 'proposed')
              then 'matched' else stored end
$$;

-- ---------------------------------------------------------------- triggers
-- Rejects a status a row may not start in or move to (public.status_transition).
create function private.check_status() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.status = old.status then
    return new;
  end if;
  if not exists (
    select from public.status_transition t
    where t.entity = tg_table_name and t.to_status = new.status
      and t.from_status is not distinct from case when tg_op = 'UPDATE' then old.status end
  ) then
    raise exception 'gongzhi:status.invalid_transition'
      using errcode = 'check_violation',
            detail = format('%s: %s -> %s', tg_table_name,
                            case when tg_op = 'UPDATE' then old.status end, new.status);
  end if;
  return new;
end;
$$;

-- Keeps updated_at current.
create function private.touch() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- Copies the territory of a parent row: TG_ARGV[0] is the parent table, TG_ARGV[1] the column
-- holding its id. Used by rows that belong to a project or a demand.
create function private.inherit_territory() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  parent_id bigint := (to_jsonb(new) ->> tg_argv[1])::bigint;
  parent record;
begin
  execute format('select terr from public.%I where id = $1', tg_argv[0]) into parent using parent_id;
  new.terr := coalesce(parent.terr, -1);
  return new;
end;
$$;

-- A match lies in the territory of its demand; resource_terr records the resource's.
create function private.set_match_territory() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr
    into new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr
  from public.demand d where d.id = new.demand_id;
  select r.terr into new.resource_terr from public.resource r where r.id = new.resource_id;
  return new;
end;
$$;

create trigger demand_territory before insert or update of org_unit_id on public.demand
  for each row execute function private.set_territory();
create trigger resource_territory before insert or update of org_unit_id on public.resource
  for each row execute function private.set_territory();
create trigger project_territory before insert or update of org_unit_id on public.project
  for each row execute function private.set_territory();
-- A match's territory columns are filled where a client leaves them out (org_unit_id 0, the
-- default); private.match_inserted refuses columns that do not fit the demand and the resource. A
-- 对接会 batch names them in its own join, sparing two lookups per row.
create trigger match_territory before insert or update of demand_id, resource_id on public.match
  for each row when (new.org_unit_id = 0) execute function private.set_match_territory();
create trigger project_milestone_territory before insert or update of project_id on public.project_milestone
  for each row execute function private.inherit_territory('project', 'project_id');
create trigger project_demand_territory before insert or update of project_id on public.project_demand
  for each row execute function private.inherit_territory('project', 'project_id');
create trigger project_resource_territory before insert or update of project_id on public.project_resource
  for each row execute function private.inherit_territory('project', 'project_id');

create trigger demand_status before insert or update of status on public.demand
  for each row execute function private.check_status();
create trigger resource_status before insert or update of status on public.resource
  for each row execute function private.check_status();
create trigger project_status before insert or update of status on public.project
  for each row execute function private.check_status();
-- Status changes only: private.match_inserted checks how a match starts.
create trigger match_status before update of status on public.match
  for each row execute function private.check_status();

-- A demand is closed when it is done or cancelled; reopening clears the time.
create function private.demand_closed_at() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if new.status in ('done', 'cancelled') then
    new.closed_at := coalesce(new.closed_at, now());
  else
    new.closed_at := null;
  end if;
  return new;
end;
$$;

create trigger demand_closed before insert or update of status on public.demand
  for each row execute function private.demand_closed_at();
create trigger demand_touch before update on public.demand for each row execute function private.touch();
create trigger resource_touch before update on public.resource for each row execute function private.touch();
create trigger project_touch before update on public.project for each row execute function private.touch();
create trigger match_touch before update on public.match for each row execute function private.touch();

-- ---------------------------------------------------------------- row-level security
alter table public.category enable row level security;
alter table public.status_transition enable row level security;
alter table public.demand enable row level security;
alter table public.resource enable row level security;
alter table public.project enable row level security;
alter table public.project_milestone enable row level security;
alter table public.project_demand enable row level security;
alter table public.project_resource enable row level security;
alter table public.match enable row level security;

-- Reference tables: every staff member reads them, the district maintains them.
create policy "staff read categories" on public.category
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read categories" on public.category for select to gongzhi_district using (true);
create policy "district staff add categories" on public.category for insert to gongzhi_district with check (true);
create policy "district staff change categories" on public.category
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove categories" on public.category for delete to gongzhi_district using (true);

create policy "staff read the status machine" on public.status_transition
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the status machine" on public.status_transition
  for select to gongzhi_district using (true);

-- Demands: each level reads and writes the demands of its own territory.
create policy "staff read demands of their territory" on public.demand
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff add demands in their territory" on public.demand
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change demands of their territory" on public.demand
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove demands of their territory" on public.demand
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- Resources and projects: visible inside the area they serve, editable only inside their owner's territory.
create policy "staff read resources serving their territory" on public.resource
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add resources in their territory" on public.resource
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change resources of their territory" on public.resource
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove resources of their territory" on public.resource
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read projects serving their territory" on public.project
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add projects in their territory" on public.project
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change projects of their territory" on public.project
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove projects of their territory" on public.project
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- Rows of a project follow the project; a linked demand or resource must be visible to the user.
create policy "staff read milestones of projects they see" on public.project_milestone
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add milestones to their projects" on public.project_milestone
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change milestones of their projects" on public.project_milestone
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove milestones of their projects" on public.project_milestone
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read demand links of projects they see" on public.project_demand
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff link demands they see to their projects" on public.project_demand
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.demand d where d.id = demand_id));
create policy "staff unlink demands from their projects" on public.project_demand
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read resource links of projects they see" on public.project_resource
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff link resources they see to their projects" on public.project_resource
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.resource r where r.id = resource_id));
create policy "staff change resource links of their projects" on public.project_resource
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.resource r where r.id = resource_id));
create policy "staff unlink resources from their projects" on public.project_resource
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- Matches: seen by the demand's side and the resource's side; made by the demand's side with a
-- resource it can see.
create policy "staff read matches of their demands or resources" on public.match
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or resource_terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff match their demands to resources they see" on public.match
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.resource r where r.id = resource_id));
create policy "staff update matches of their demands or resources" on public.match
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or resource_terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              or resource_terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove matches of their demands" on public.match
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- District staff: the whole district, one constant policy per table and action.
create policy "district staff read all demands" on public.demand
  for select to gongzhi_district using (true);
create policy "district staff add demands" on public.demand
  for insert to gongzhi_district with check (true);
create policy "district staff change demands" on public.demand
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove demands" on public.demand
  for delete to gongzhi_district using (true);

create policy "district staff read all resources" on public.resource
  for select to gongzhi_district using (true);
create policy "district staff add resources" on public.resource
  for insert to gongzhi_district with check (true);
create policy "district staff change resources" on public.resource
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove resources" on public.resource
  for delete to gongzhi_district using (true);

create policy "district staff read all projects" on public.project
  for select to gongzhi_district using (true);
create policy "district staff add projects" on public.project
  for insert to gongzhi_district with check (true);
create policy "district staff change projects" on public.project
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove projects" on public.project
  for delete to gongzhi_district using (true);

create policy "district staff read all project milestones" on public.project_milestone
  for select to gongzhi_district using (true);
create policy "district staff add project milestones" on public.project_milestone
  for insert to gongzhi_district with check (true);
create policy "district staff change project milestones" on public.project_milestone
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove project milestones" on public.project_milestone
  for delete to gongzhi_district using (true);

create policy "district staff read all demand links of projects" on public.project_demand
  for select to gongzhi_district using (true);
create policy "district staff link demands to projects" on public.project_demand
  for insert to gongzhi_district with check (true);
create policy "district staff change demand links of projects" on public.project_demand
  for update to gongzhi_district using (true) with check (true);
create policy "district staff unlink demands from projects" on public.project_demand
  for delete to gongzhi_district using (true);

create policy "district staff read all resource links of projects" on public.project_resource
  for select to gongzhi_district using (true);
create policy "district staff link resources to projects" on public.project_resource
  for insert to gongzhi_district with check (true);
create policy "district staff change resource links of projects" on public.project_resource
  for update to gongzhi_district using (true) with check (true);
create policy "district staff unlink resources from projects" on public.project_resource
  for delete to gongzhi_district using (true);

create policy "district staff read all matches" on public.match
  for select to gongzhi_district using (true);
create policy "district staff make matches" on public.match
  for insert to gongzhi_district with check (true);
create policy "district staff change matches" on public.match
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove matches" on public.match
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
-- named roles, not public: the masking functions run whenever a demand is written
grant execute on function private.mask_phone(text), private.mask_name(text)
  to anon, authenticated, service_role, gongzhi_district;
grant execute on function private.demand_status(bigint, text) to authenticated, gongzhi_district;

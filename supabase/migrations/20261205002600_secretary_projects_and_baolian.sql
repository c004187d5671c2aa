-- Leaders' levers (issue 20): 书记项目 报·审·督·晒 and 包联 (units paired with communities).
--
-- Invariants held here for every client:
--   * a secretary project (one per `project` of kind 'secretary') moves only along
--     public.status_transition (entity 'secretary_project'): claimed -> submitted -> approved |
--     returned, returned -> submitted, approved -> published;
--   * only the level above (review_terr: the street for a community, the district for a street or
--     the district itself) approves or returns it (审); every other move and every change of its
--     content is its own level's (报, 督's reports, 晒);
--   * progress reports are the owner's and supervision notes the reviewer's, append-only;
--   * a 包联 unit never holds more communities than its capacity; confirming a pair registers the
--     unit at the community (public.unit, 单位报到).

-- ---------------------------------------------------------------- tables
alter table public.status_transition drop constraint status_transition_entity_check;
alter table public.status_transition add constraint status_transition_entity_check
  check (entity in ('demand', 'resource', 'project', 'match', 'suggestion', 'deliberation', 'secretary_project'));
insert into public.status_transition (entity, from_status, to_status) values
  ('secretary_project', null, 'claimed'),
  ('secretary_project', 'claimed', 'submitted'),
  ('secretary_project', 'submitted', 'approved'),
  ('secretary_project', 'submitted', 'returned'),
  ('secretary_project', 'returned', 'submitted'),
  ('secretary_project', 'approved', 'published');

create table public.secretary_project (
  id bigint generated always as identity primary key,
  project_id bigint not null unique references public.project (id) on delete cascade,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  review_terr bigint generated always as
    (case private.terr_level(terr) when 'community' then private.terr_unit(terr, 'street') else 0 end) stored,
  secretary text not null check (length(btrim(secretary)) between 1 and 50),
  goal text not null check (length(btrim(goal)) between 1 and 500),
  targets text not null check (length(btrim(targets)) between 1 and 2000),
  report_every_days smallint not null default 30 check (report_every_days between 7 and 92),
  deadline date not null check (deadline between '2000-01-01' and '2100-12-31'),
  status text not null default 'claimed'
    check (status in ('claimed', 'submitted', 'approved', 'returned', 'published')),
  submitted_at timestamptz,
  reviewed_at timestamptz,
  reviewed_by uuid references auth.users (id) on delete set null,
  review_note text not null default '' check (length(review_note) <= 1000),
  result text not null default '' check (length(result) <= 2000),
  problems_solved integer not null default 0 check (problems_solved between 0 and 1000000),
  people_reached integer not null default 0 check (people_reached between 0 and 10000000),
  published_on date,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.secretary_project is '书记项目 报·审·督·晒: the claim (认领) of a project of kind secretary by its unit''s secretary; budget and spending stay on the project.';
comment on column public.secretary_project.review_terr is 'Computed: the territory code of the level that reviews (审) the claim.';

create table public.secretary_update (
  id bigint generated always as identity primary key,
  secretary_project_id bigint not null references public.secretary_project (id) on delete cascade,
  terr bigint not null default 0,
  kind text not null check (kind in ('report', 'note')),
  body text not null check (length(btrim(body)) between 1 and 2000),
  progress smallint check (progress between 0 and 100),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint secretary_update_report_has_progress check ((kind = 'report') = (progress is not null))
);
comment on table public.secretary_update is '督: a progress report of the owning level (kind report) or a supervision note of the level above (kind note); append-only.';

create table public.baolian_unit (
  id bigint generated always as identity primary key,
  name text not null unique check (length(btrim(name)) between 1 and 100),
  functions text[] not null check (cardinality(functions) between 1 and 10),
  strength integer not null check (strength between 1 and 100000),
  capacity smallint not null default 1 check (capacity between 1 and 20),
  located_at bigint not null references public.org_unit (id),
  active boolean not null default true,
  created_at timestamptz not null default now()
);
comment on table public.baolian_unit is '包联单位: a department or unit of the district with its functions (category codes), strength (people), where it sits and how many communities it can take.';

create table public.community_profile (
  community_id bigint primary key references public.org_unit (id) on delete cascade,
  population integer not null default 0 check (population between 0 and 10000000),
  old_estates smallint not null default 0 check (old_estates between 0 and 1000),
  updated_at timestamptz not null default now()
);
comment on table public.community_profile is 'A community''s needs profile for 包联 besides its open demands: population and old estates (老旧小区).';

create table public.baolian_pair (
  id bigint generated always as identity primary key,
  baolian_unit_id bigint not null references public.baolian_unit (id) on delete cascade,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  score numeric(8,3) not null default 0,
  reasons jsonb not null default '[]' check (jsonb_typeof(reasons) = 'array'),
  status text not null default 'proposed' check (status in ('proposed', 'confirmed')),
  unit_id bigint references public.unit (id) on delete set null,
  confirmed_at timestamptz,
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (baolian_unit_id, org_unit_id)
);
comment on table public.baolian_pair is '包联: a unit paired with a community (org_unit_id), proposed with its score and reasons, then confirmed by staff; unit_id is the 单位报到 registration the confirmation made.';
comment on column public.baolian_pair.unit_id is 'The unit''s registration (单位报到) at the community, named when the pair is confirmed.';

-- ---------------------------------------------------------------- indexes
create index secretary_project_org_unit_id_idx on public.secretary_project (org_unit_id);
create index secretary_project_terr_idx on public.secretary_project (terr);
create index secretary_project_review_terr_idx on public.secretary_project (review_terr);
create index secretary_project_created_by_idx on public.secretary_project (created_by);
create index secretary_project_reviewed_by_idx on public.secretary_project (reviewed_by);
create index secretary_update_project_idx on public.secretary_update (secretary_project_id, created_at);
create index secretary_update_terr_idx on public.secretary_update (terr);
create index secretary_update_created_by_idx on public.secretary_update (created_by);
create index baolian_unit_located_at_idx on public.baolian_unit (located_at);
create index baolian_pair_org_unit_id_idx on public.baolian_pair (org_unit_id);
create index baolian_pair_terr_idx on public.baolian_pair (terr);
create index baolian_pair_unit_id_idx on public.baolian_pair (unit_id);
create index baolian_pair_created_by_idx on public.baolian_pair (created_by);
create index baolian_pair_status_idx on public.baolian_pair (status, baolian_unit_id);

-- ---------------------------------------------------------------- triggers
-- Whether the statement runs as the owner (the demo loader, migrations) rather than as a client
-- role: inside a security definer function current_user is the owner, so the role set for the
-- request is read instead.
create function private.owner_writes() returns boolean
language sql stable set search_path = ''
as $$ select coalesce(current_setting('role', true), 'none') not in ('authenticated', 'anon', 'gongzhi_district', 'gongzhi_admin') $$;

-- A claim takes its unit from its project, which must be a secretary project of a district,
-- street or community.
create function private.secretary_project_claim() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  p record;
begin
  select pr.kind, pr.org_unit_id, o.kind as level into p
  from public.project pr join public.org_unit o on o.id = pr.org_unit_id where pr.id = new.project_id;
  if p.kind is distinct from 'secretary' then
    raise exception 'gongzhi:secretary.not_a_secretary_project' using errcode = 'check_violation';
  end if;
  if p.level not in ('district', 'street', 'community') then
    raise exception 'gongzhi:secretary.level' using errcode = 'check_violation';
  end if;
  new.org_unit_id := p.org_unit_id;
  return new;
end;
$$;

-- Who may do what to a claim: its own level claims, edits, submits, reports and publishes; the
-- level above approves or returns with reasons, and changes nothing else. A published claim has
-- its result and date.
create function private.guard_secretary_project() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  me bigint := private.terr_lo();
  reviewing boolean;
begin
  if private.owner_writes() then
    return new;
  end if;
  if tg_op = 'INSERT' then
    if me is distinct from new.terr then
      raise exception 'gongzhi:secretary.own_level_only' using errcode = 'insufficient_privilege';
    end if;
    new.status := 'claimed';
    return new;
  end if;
  reviewing := new.status is distinct from old.status and new.status in ('approved', 'returned');
  if reviewing then
    if me is distinct from old.review_terr then
      raise exception 'gongzhi:secretary.level_above_only' using errcode = 'insufficient_privilege';
    end if;
    if (new.secretary, new.goal, new.targets, new.report_every_days, new.deadline, new.result,
        new.problems_solved, new.people_reached)
       is distinct from (old.secretary, old.goal, old.targets, old.report_every_days, old.deadline, old.result,
                         old.problems_solved, old.people_reached) then
      raise exception 'gongzhi:secretary.reviewer_changes_only_the_review' using errcode = 'insufficient_privilege';
    end if;
    if new.status = 'returned' and length(btrim(new.review_note)) = 0 then
      raise exception 'gongzhi:secretary.error.reasons' using errcode = 'check_violation';
    end if;
    new.reviewed_at := now();
    new.reviewed_by := auth.uid();
    return new;
  end if;
  if me is distinct from old.terr then
    raise exception 'gongzhi:secretary.own_level_only' using errcode = 'insufficient_privilege';
  end if;
  if new.review_note is distinct from old.review_note then
    raise exception 'gongzhi:secretary.level_above_only' using errcode = 'insufficient_privilege';
  end if;
  if old.status in ('submitted', 'approved', 'published')
     and (new.secretary, new.goal, new.targets, new.report_every_days, new.deadline)
         is distinct from (old.secretary, old.goal, old.targets, old.report_every_days, old.deadline) then
    raise exception 'gongzhi:secretary.claim_locked' using errcode = 'check_violation';
  end if;
  if old.status = 'published' then
    raise exception 'gongzhi:secretary.published_is_final' using errcode = 'check_violation';
  end if;
  if new.status = 'submitted' and old.status <> 'submitted' then
    new.submitted_at := now();
  end if;
  if new.status = 'published' and old.status = 'approved' then
    if length(btrim(new.result)) = 0 then
      raise exception 'gongzhi:secretary.result_needed' using errcode = 'check_violation';
    end if;
    new.published_on := coalesce(new.published_on, current_date);
  elsif new.status <> 'published' then
    new.published_on := null;
  end if;
  return new;
end;
$$;

-- A report is the owning level's, on an approved claim; a note is the reviewing level's.
create function private.guard_secretary_update() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  sp public.secretary_project;
  me bigint := private.terr_lo();
begin
  select * into sp from public.secretary_project where id = new.secretary_project_id;
  new.created_at := now();
  if private.owner_writes() then
    return new;
  end if;
  if new.kind = 'report' then
    if me is distinct from sp.terr then
      raise exception 'gongzhi:secretary.own_level_only' using errcode = 'insufficient_privilege';
    end if;
    if sp.status <> 'approved' then
      raise exception 'gongzhi:secretary.report_after_approval' using errcode = 'check_violation';
    end if;
  elsif me is distinct from sp.review_terr then
    raise exception 'gongzhi:secretary.level_above_only' using errcode = 'insufficient_privilege';
  end if;
  return new;
end;
$$;

-- A unit never holds more communities than its capacity: the unit's row is locked while counting,
-- so concurrent proposals queue.
create function private.baolian_capacity() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  cap smallint;
begin
  select u.capacity into cap from public.baolian_unit u where u.id = new.baolian_unit_id for update;
  if (select count(*) from public.baolian_pair p
      where p.baolian_unit_id = new.baolian_unit_id and p.id <> new.id) >= cap then
    raise exception 'gongzhi:baolian.over_capacity' using errcode = 'check_violation';
  end if;
  if (select o.kind from public.org_unit o where o.id = new.org_unit_id) <> 'community' then
    raise exception 'gongzhi:baolian.community_only' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

-- A confirmed pair names the unit's registration at the community (单位报到, public.unit, which holds
-- the sealed contact phone): the one staff give, or the unit's active registration there by name.
-- Its members then have a community to report to, and the unit is one of the community's 报到
-- units. A confirmed pair stays as it is.
create function private.baolian_confirm() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.status = 'confirmed' then
    if (new.status, new.baolian_unit_id, new.org_unit_id, new.unit_id)
       is distinct from ('confirmed', old.baolian_unit_id, old.org_unit_id, old.unit_id) then
      raise exception 'gongzhi:baolian.confirmed_is_final' using errcode = 'check_violation';
    end if;
    new.confirmed_at := old.confirmed_at;
    return new;
  end if;
  if new.status <> 'confirmed' then
    new.unit_id := null;
    new.confirmed_at := null;
    return new;
  end if;
  if new.unit_id is null then
    select u.id into new.unit_id from public.unit u join public.baolian_unit b on b.name = u.name
    where b.id = new.baolian_unit_id and u.org_unit_id = new.org_unit_id and u.active
    order by u.id limit 1;
    if new.unit_id is null then
      raise exception 'gongzhi:baolian.contact_needed' using errcode = 'check_violation';
    end if;
  elsif not exists (select from public.unit u where u.id = new.unit_id and u.org_unit_id = new.org_unit_id and u.active) then
    raise exception 'gongzhi:baolian.registration_elsewhere' using errcode = 'check_violation';
  end if;
  new.confirmed_at := now();
  return new;
end;
$$;

create trigger secretary_project_1_claim before insert or update of project_id on public.secretary_project
  for each row execute function private.secretary_project_claim();
create trigger secretary_project_2_territory before insert or update of org_unit_id on public.secretary_project
  for each row execute function private.set_territory();
create trigger secretary_project_territory_kept before update on public.secretary_project
  for each row when (new.org_unit_id is distinct from old.org_unit_id or new.street_id is distinct from old.street_id
                     or new.community_id is distinct from old.community_id or new.grid_id is distinct from old.grid_id
                     or new.terr is distinct from old.terr)
  execute function private.set_territory();
create trigger secretary_project_3_guard before insert or update on public.secretary_project
  for each row execute function private.guard_secretary_project();
create trigger secretary_project_status before insert or update of status on public.secretary_project
  for each row execute function private.check_status();
create trigger secretary_project_created_by before insert on public.secretary_project
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger secretary_project_created_by_kept before update on public.secretary_project
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();
create trigger secretary_project_touch before update on public.secretary_project
  for each row execute function private.touch();

create trigger secretary_update_territory before insert or update of secretary_project_id on public.secretary_update
  for each row execute function private.inherit_territory('secretary_project', 'secretary_project_id');
create trigger secretary_update_territory_kept before update on public.secretary_update
  for each row when (new.terr is distinct from old.terr)
  execute function private.inherit_territory('secretary_project', 'secretary_project_id');
create trigger secretary_update_guard before insert on public.secretary_update
  for each row execute function private.guard_secretary_update();
create trigger secretary_update_created_by before insert on public.secretary_update
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger secretary_update_created_by_kept before update on public.secretary_update
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger baolian_pair_1_territory before insert or update of org_unit_id on public.baolian_pair
  for each row execute function private.set_territory();
create trigger baolian_pair_territory_kept before update on public.baolian_pair
  for each row when (new.org_unit_id is distinct from old.org_unit_id or new.street_id is distinct from old.street_id
                     or new.community_id is distinct from old.community_id or new.grid_id is distinct from old.grid_id
                     or new.terr is distinct from old.terr)
  execute function private.set_territory();
create trigger baolian_pair_2_capacity before insert or update of baolian_unit_id, org_unit_id on public.baolian_pair
  for each row execute function private.baolian_capacity();
create trigger baolian_pair_3_confirm before insert or update on public.baolian_pair
  for each row execute function private.baolian_confirm();
create trigger baolian_pair_created_by before insert on public.baolian_pair
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger baolian_pair_created_by_kept before update on public.baolian_pair
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();
create trigger community_profile_touch before update on public.community_profile
  for each row execute function private.touch();

select private.add_audit('secretary_project');
select private.add_audit('secretary_update');
select private.add_audit('baolian_unit');
select private.add_audit('community_profile');
select private.add_audit('baolian_pair');

-- ---------------------------------------------------------------- row-level security
alter table public.secretary_project enable row level security;
alter table public.secretary_update enable row level security;
alter table public.baolian_unit enable row level security;
alter table public.community_profile enable row level security;
alter table public.baolian_pair enable row level security;

-- Claims: read inside the territory and by the levels below (a community sees its street's);
-- claimed at the staff member's own unit; changed inside the territory, where the guard decides
-- between the owning level and the level above. A claim is withdrawn by removing its project.
create policy "staff read secretary projects of their territory and above" on public.secretary_project
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "secretaries claim projects at their own unit" on public.secretary_project
  for insert to authenticated
  with check (terr = (select private.terr_lo()));
create policy "staff move secretary projects of their territory" on public.secretary_project
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));

create policy "staff read progress of secretary projects they see" on public.secretary_update
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff report on secretary projects of their territory" on public.secretary_update
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- 包联 units and community profiles: every staff member reads them; the district keeps them.
create policy "staff read baolian units" on public.baolian_unit
  for select to authenticated using (true);
create policy "staff read community profiles" on public.community_profile
  for select to authenticated using (true);

-- Pairs: read inside the territory; proposed and confirmed by the district.
create policy "staff read baolian pairs of their territory" on public.baolian_pair
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- District staff: the whole district, one constant policy per table and action.
create policy "district staff read all secretary projects" on public.secretary_project
  for select to gongzhi_district using (true);
create policy "district staff claim secretary projects" on public.secretary_project
  for insert to gongzhi_district with check (true);
create policy "district staff move secretary projects" on public.secretary_project
  for update to gongzhi_district using (true) with check (true);
create policy "district staff read all secretary project progress" on public.secretary_update
  for select to gongzhi_district using (true);
create policy "district staff report on secretary projects" on public.secretary_update
  for insert to gongzhi_district with check (true);
create policy "district staff read baolian units" on public.baolian_unit
  for select to gongzhi_district using (true);
create policy "district staff add baolian units" on public.baolian_unit
  for insert to gongzhi_district with check (true);
create policy "district staff change baolian units" on public.baolian_unit
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove baolian units" on public.baolian_unit
  for delete to gongzhi_district using (true);
create policy "district staff read community profiles" on public.community_profile
  for select to gongzhi_district using (true);
create policy "district staff add community profiles" on public.community_profile
  for insert to gongzhi_district with check (true);
create policy "district staff change community profiles" on public.community_profile
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove community profiles" on public.community_profile
  for delete to gongzhi_district using (true);
create policy "district staff read all baolian pairs" on public.baolian_pair
  for select to gongzhi_district using (true);
create policy "district staff propose baolian pairs" on public.baolian_pair
  for insert to gongzhi_district with check (true);
create policy "district staff confirm baolian pairs" on public.baolian_pair
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove baolian pairs" on public.baolian_pair
  for delete to gongzhi_district using (status = 'proposed');

-- The second factor, where the district requires it.
create policy "staff present the second factor where the district requires it" on public.secretary_project
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.secretary_update
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.baolian_unit
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.community_profile
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.baolian_pair
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.secretary_project, public.secretary_update, public.baolian_unit,
  public.community_profile, public.baolian_pair from anon, authenticated, gongzhi_district;
grant select, insert on public.secretary_project, public.secretary_update to authenticated, gongzhi_district;
grant update (secretary, goal, targets, report_every_days, deadline, status, review_note, result,
              problems_solved, people_reached, published_on) on public.secretary_project to authenticated, gongzhi_district;
grant select on public.baolian_unit, public.community_profile, public.baolian_pair to authenticated;
grant select, insert, update, delete on public.baolian_unit, public.community_profile to gongzhi_district;
grant select, insert, delete on public.baolian_pair to gongzhi_district;
grant update (status, score, reasons, unit_id) on public.baolian_pair to gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
-- secretary_project.review_terr is computed by these as rows are written by staff.
grant execute on function private.terr_level(bigint), private.terr_unit(bigint, text), private.terr_span(text)
  to authenticated, gongzhi_district;

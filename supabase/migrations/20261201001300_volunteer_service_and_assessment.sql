-- Volunteers (双报到), part 3: service records (服务纪实) and the half-yearly assessment (双考核)
-- with its configurable weights.
--
-- A verified service record cannot change; hours only for activities the volunteer was confirmed
-- for. The assessment is recomputed in bulk (one row per unit and volunteer each time), so it is
-- not audited row by row: the audit keeps what people decide, the residents' evaluation entered by
-- staff and rows removed by the district.

-- ---------------------------------------------------------------- tables
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

-- ---------------------------------------------------------------- helpers
-- The weights of one subject's formula, normalised to sum to 1, with the targets.
create type private.assessment_weights as (
  hours numeric, hours_t numeric, activities numeric, activities_t numeric,
  rating numeric, evaluation numeric, matches numeric, matches_t numeric
);

-- The weights and targets of `p_subject` ('volunteer' or 'unit') from public.assessment_weight.
create function private.assessment_weights(p_subject text) returns private.assessment_weights
language sql stable set search_path = ''
as $$
  select row(max(x.w) filter (where x.factor = 'hours'), max(x.target) filter (where x.factor = 'hours'),
             max(x.w) filter (where x.factor = 'activities'), max(x.target) filter (where x.factor = 'activities'),
             max(x.w) filter (where x.factor = 'rating'), max(x.w) filter (where x.factor = 'evaluation'),
             max(x.w) filter (where x.factor = 'matches'), max(x.target) filter (where x.factor = 'matches')
         )::private.assessment_weights
  from (select w.factor, w.weight / nullif(sum(w.weight) over (), 0) as w, w.target
        from public.assessment_weight w where w.subject = p_subject) x
$$;

-- The 双考核 score of one unit or volunteer (the formula is documented in gongzhi/volunteers/assessment.py):
-- 100 × Σ weight × part; hours, activities and matches count up to their targets, a missing rating
-- as 3 of 5 and a missing evaluation as 60 of 100.
create function private.assessment_score(w private.assessment_weights, hours numeric, activities integer,
                                         rating numeric, evaluation numeric, matches integer) returns numeric
language sql immutable set search_path = ''
as $$
  select round(100 * ((w).hours * least(hours / (w).hours_t, 1) + (w).activities * least(activities / (w).activities_t, 1)
                      + (w).rating * coalesce(rating, 3) / 5 + (w).evaluation * coalesce(evaluation, 60) / 100
                      + (w).matches * least(matches / (w).matches_t, 1)), 2)
$$;

-- Accepted or done matches of pledged resources made in [p_from, p_to); none asked for when nothing was pledged.
create function private.pledged_matches(resource_ids bigint[], p_from date, p_to date) returns integer
language plpgsql stable set search_path = ''
as $$
begin
  if cardinality(resource_ids) = 0 then
    return 0;
  end if;
  return (select count(*) from public.match mt where mt.resource_id = any (resource_ids)
            and mt.status in ('accepted', 'done') and mt.created_at >= p_from and mt.created_at < p_to);
end;
$$;

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

  with logs as (
    select l.volunteer_id, sum(l.hours) as hours, count(distinct l.post_id) as activities, avg(l.rating) as rating
    from public.service_log l
    where l.served_on >= p_from and l.served_on < p_to and l.verified_at is not null
      and l.terr between lo and hi
    group by l.volunteer_id
  ), facts as (
    select v.id, coalesce(g.hours, 0) as hours, coalesce(g.activities, 0)::int as activities, g.rating,
           private.pledged_matches(v.resource_ids, p_from, p_to) as matches,
           a.evaluation
    from public.volunteer v
    left join logs g on g.volunteer_id = v.id
    left join public.assessment a on a.volunteer_id = v.id and a.period = p_period
    where v.active and v.terr between lo and hi
  )
  insert into public.assessment as t (period, subject, volunteer_id, org_unit_id, hours, activities, rating, matches,
                                      evaluation, score, computed_at)
  select p_period, 'volunteer', f.id, 0, f.hours, f.activities, round(f.rating, 2), f.matches, f.evaluation,
         private.assessment_score(w, f.hours, f.activities, f.rating, f.evaluation, f.matches), now()
  from facts f cross join private.assessment_weights('volunteer') w
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
           private.pledged_matches(u.resource_ids, p_from, p_to) as matches,
           a.evaluation
    from public.unit u
    left join logs g on g.unit_id = u.id
    left join public.assessment a on a.unit_id = u.id and a.period = p_period
    where u.active and u.terr between lo and hi
  )
  insert into public.assessment as t (period, subject, unit_id, org_unit_id, hours, activities, rating, matches,
                                      evaluation, score, computed_at)
  select p_period, 'unit', f.id, 0, f.hours, f.activities, round(f.rating, 2), f.matches, f.evaluation,
         private.assessment_score(w, f.hours, f.activities, f.rating, f.evaluation, f.matches), now()
  from facts f cross join private.assessment_weights('unit') w
  on conflict (unit_id, period) do update
    set hours = excluded.hours, activities = excluded.activities, rating = excluded.rating, matches = excluded.matches,
        score = excluded.score, computed_at = excluded.computed_at;
  get diagnostics m = row_count;
  return n + m;
end;
$$;

-- ---------------------------------------------------------------- triggers
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

create trigger service_log_territory before insert or update of volunteer_id on public.service_log
  for each row execute function private.inherit_territory('volunteer', 'volunteer_id');
create trigger service_log_check before insert or update or delete on public.service_log
  for each row execute function private.check_service_log();
create trigger assessment_territory before insert or update of volunteer_id, unit_id on public.assessment
  for each row execute function private.assessment_territory();

select private.add_audit('service_log');
select private.add_audit('assessment_weight');
create trigger assessment_evaluation_audit after update of evaluation on public.assessment
  for each row when (old.evaluation is distinct from new.evaluation) execute function private.audit();
create trigger assessment_delete_audit after delete on public.assessment
  for each row execute function private.audit();

-- ---------------------------------------------------------------- row-level security
alter table public.service_log enable row level security;
alter table public.assessment enable row level security;
alter table public.assessment_weight enable row level security;

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


-- District staff: the whole district, one constant policy per table and action.
create policy "district staff read all service records" on public.service_log
  for select to gongzhi_district using (true);
create policy "district staff record service" on public.service_log
  for insert to gongzhi_district with check (true);
create policy "district staff change service records" on public.service_log
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove service records" on public.service_log
  for delete to gongzhi_district using (true);

create policy "district staff read all assessments" on public.assessment
  for select to gongzhi_district using (true);
create policy "district staff add assessments" on public.assessment
  for insert to gongzhi_district with check (true);
create policy "district staff change assessments" on public.assessment
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove assessments" on public.assessment
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
grant select, insert, update, delete on public.service_log, public.assessment, public.assessment_weight
  to gongzhi_district;
revoke all on public.service_log, public.assessment, public.assessment_weight from anon;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.compute_assessment(text) to authenticated, gongzhi_district;

-- Assessment speed: most volunteers and units pledged no resource, yet the count of matches of
-- their pledged resources ran once per row — 100,000 subqueries over the match table, 20 s of a
-- 25 s district assessment. Rows with nothing pledged now count no matches without asking.

-- Computes the half-yearly assessment of `p_period` ('2026H1') for every unit and volunteer
-- registered in the caller's territory, from verified service records, matches of pledged
-- resources and public.assessment_weight; keeps the evaluation staff entered. Returns the rows written.
create or replace function private.compute_assessment(p_period text) returns integer
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
           case when cardinality(v.resource_ids) = 0 then 0 else
             (select count(*) from public.match mt where mt.resource_id = any (v.resource_ids)
                and mt.status in ('accepted', 'done') and mt.created_at >= p_from and mt.created_at < p_to)::int
           end as matches,
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
           case when cardinality(u.resource_ids) = 0 then 0 else
             (select count(*) from public.match mt where mt.resource_id = any (u.resource_ids)
                and mt.status in ('accepted', 'done') and mt.created_at >= p_from and mt.created_at < p_to)::int
           end as matches,
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


-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

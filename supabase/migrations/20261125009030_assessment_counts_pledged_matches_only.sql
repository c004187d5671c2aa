-- The assessment, once more: most volunteers and units pledged no resource, yet the count of
-- matches of their pledged resources ran once per row — 100,000 subqueries over the match table,
-- 20 s of a 25 s district assessment; rows with nothing pledged now count no matches without
-- asking. The formula and the weights, written out for volunteers and for units before, are now
-- one function each, and the weights are read without a temporary table.

-- The weights of one subject's formula, normalised to sum to 1, with the targets.
create type private.assessment_weights as (
  hours numeric, hours_t numeric, activities numeric, activities_t numeric,
  rating numeric, evaluation numeric, matches numeric, matches_t numeric
);

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


-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

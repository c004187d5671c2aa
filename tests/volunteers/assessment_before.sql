-- The half-year assessment as computed before migration 20261205123000 (copied from
-- 20261205001900_assessment_at_scale.sql, renamed): tests/volunteers/test_assessment_set_based.py
-- compares its results with the set-based function's. Created inside a test's transaction only.

create or replace function private.compute_assessment_before(p_period text) returns integer
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
  ), pledged as (
    select v.id, count(distinct mt.id)::int as matches
    from public.volunteer v
    cross join lateral unnest(v.resource_ids) r(resource_id)
    join public.match mt on mt.resource_id = r.resource_id and mt.status in ('accepted', 'done')
      and mt.created_at >= p_from and mt.created_at < p_to
    where v.active and v.terr between lo and hi
    group by v.id
  ), facts as (
    select v.id, coalesce(g.hours, 0) as hours, coalesce(g.activities, 0)::int as activities, g.rating,
           coalesce(p.matches, 0) as matches
    from public.volunteer v
    left join logs g on g.volunteer_id = v.id
    left join pledged p on p.id = v.id
    where v.active and v.terr between lo and hi
  ), changed as (
    update public.assessment t
    set hours = f.hours, activities = f.activities, rating = round(f.rating, 2), matches = f.matches,
        score = private.assessment_score(w, f.hours, f.activities, f.rating, t.evaluation, f.matches), computed_at = now()
    from facts f cross join private.assessment_weights('volunteer') w
    where t.volunteer_id = f.id and t.period = p_period
    returning t.volunteer_id
  ), added as (
    insert into public.assessment as t (period, subject, volunteer_id, org_unit_id, hours, activities, rating, matches,
                                        evaluation, score, computed_at)
    select p_period, 'volunteer', f.id, 0, f.hours, f.activities, round(f.rating, 2), f.matches, null,
           private.assessment_score(w, f.hours, f.activities, f.rating, null, f.matches), now()
    from facts f cross join private.assessment_weights('volunteer') w
    where not exists (select from changed c where c.volunteer_id = f.id)
    on conflict (volunteer_id, period) do update
      set hours = excluded.hours, activities = excluded.activities, rating = excluded.rating, matches = excluded.matches,
          score = private.assessment_score((select private.assessment_weights('volunteer')), excluded.hours,
                                           excluded.activities, excluded.rating, t.evaluation, excluded.matches),
          computed_at = excluded.computed_at
    returning 1
  )
  select (select count(*) from changed) + (select count(*) from added) into n;

  -- A unit: the service of its members (wherever they live) and the matches of what it pledged.
  with logs as (
    select v.unit_id, sum(l.hours) as hours, count(distinct l.post_id) as activities, avg(l.rating) as rating
    from public.service_log l join public.volunteer v on v.id = l.volunteer_id
    where l.served_on >= p_from and l.served_on < p_to and l.verified_at is not null
      and v.unit_id in (select u.id from public.unit u where u.terr between lo and hi)
    group by v.unit_id
  ), pledged as (
    select u.id, count(distinct mt.id)::int as matches
    from public.unit u
    cross join lateral unnest(u.resource_ids) r(resource_id)
    join public.match mt on mt.resource_id = r.resource_id and mt.status in ('accepted', 'done')
      and mt.created_at >= p_from and mt.created_at < p_to
    where u.active and u.terr between lo and hi
    group by u.id
  ), facts as (
    select u.id, coalesce(g.hours, 0) as hours, coalesce(g.activities, 0)::int as activities, g.rating,
           coalesce(p.matches, 0) as matches
    from public.unit u
    left join logs g on g.unit_id = u.id
    left join pledged p on p.id = u.id
    where u.active and u.terr between lo and hi
  ), changed as (
    update public.assessment t
    set hours = f.hours, activities = f.activities, rating = round(f.rating, 2), matches = f.matches,
        score = private.assessment_score(w, f.hours, f.activities, f.rating, t.evaluation, f.matches), computed_at = now()
    from facts f cross join private.assessment_weights('unit') w
    where t.unit_id = f.id and t.period = p_period
    returning t.unit_id
  ), added as (
    insert into public.assessment as t (period, subject, unit_id, org_unit_id, hours, activities, rating, matches,
                                        evaluation, score, computed_at)
    select p_period, 'unit', f.id, 0, f.hours, f.activities, round(f.rating, 2), f.matches, null,
           private.assessment_score(w, f.hours, f.activities, f.rating, null, f.matches), now()
    from facts f cross join private.assessment_weights('unit') w
    where not exists (select from changed c where c.unit_id = f.id)
    on conflict (unit_id, period) do update
      set hours = excluded.hours, activities = excluded.activities, rating = excluded.rating, matches = excluded.matches,
          score = private.assessment_score((select private.assessment_weights('unit')), excluded.hours,
                                           excluded.activities, excluded.rating, t.evaluation, excluded.matches),
          computed_at = excluded.computed_at
    returning 1
  )
  select (select count(*) from changed) + (select count(*) from added) into m;
  return n + m;
end;
$$;

-- The half-year assessment, set-based (issue 21). A district's computation at 100,000 volunteers was
-- spent per row: the score formula called once per subject (a SQL function with its own search_path
-- is never inlined), the territory of each new row looked up by a row trigger (two queries per row),
-- every new row proposed through ON CONFLICT (a speculative insertion each), every existing row
-- rewritten even when nothing changed, and the half-year's service records read twice (once for the
-- volunteers, once for the units). Now:
--   - `private.assessment_score` is an inlinable expression (no SET clause; it reads no table and is
--     not security definer, so it runs with the rights and search_path of its caller);
--   - the records are read once, grouped by volunteer and post, and both volunteers and units are
--     computed from that in one statement;
--   - new subjects are inserted with their territory taken from their org unit in the same join; the
--     row trigger derives a territory only when none is given, and one statement-level trigger checks
--     every inserted row against its subject's org unit, so no insert can place a row elsewhere;
--   - one computation of a period at a time (an advisory lock), so new subjects need no conflict
--     handling; existing rows are written only when a figure changed, and `computed_at` says when the
--     figures last changed;
--   - a computation is audited as one entry (who, which half-year, the caller's territory, how many
--     rows were rewritten and added); evaluations, entered by people, stay audited row by row.
-- The figures and the score are the same as before (tests/volunteers/test_assessment_set_based.py
-- compares them with the previous function's on a seeded set).

-- ---------------------------------------------------------------- triggers
drop trigger assessment_territory on public.assessment;

-- A new assessment row given no territory takes its subject's (the rows private.compute_assessment
-- inserts carry theirs, checked by assessment_territory_checked); a changed subject is placed again.
create trigger assessment_territory before insert on public.assessment for each row
  when (new.org_unit_id = 0 or new.terr = 0)
  execute function private.assessment_territory();
create trigger assessment_subject_moved before update of volunteer_id, unit_id on public.assessment for each row
  execute function private.assessment_territory();

-- Every row of an insert lies where its volunteer or unit is registered: one join per statement.
create function private.assessment_territory_checked() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  -- A count rather than exists(): the planner then hashes the subjects instead of probing each row.
  if (select count(*) from added a
    left join public.volunteer v on v.id = a.volunteer_id
    left join public.unit u on u.id = a.unit_id
    left join public.org_unit o on o.id = coalesce(v.org_unit_id, u.org_unit_id)
    where (a.org_unit_id, a.street_id, a.community_id, a.grid_id, a.terr)
          is distinct from (o.id, o.street_id, o.community_id, o.grid_id, o.terr)) > 0 then
    raise exception 'gongzhi:assessment.not_where_its_subject_is';
  end if;
  return null;
end;
$$;

create trigger assessment_territory_checked after insert on public.assessment
  referencing new table as added for each statement execute function private.assessment_territory_checked();

-- ---------------------------------------------------------------- functions
-- The 双考核 score of one unit or volunteer (the formula is documented in gongzhi/volunteers/assessment.py):
-- 100 × Σ weight × part; hours, activities and matches count up to their targets, a missing rating
-- as 3 of 5 and a missing evaluation as 60 of 100. An expression the planner inlines into the caller.
create or replace function private.assessment_score(w private.assessment_weights, hours numeric, activities integer,
                                                    rating numeric, evaluation numeric, matches integer) returns numeric
language sql immutable
as $$
  select pg_catalog.round(100 * ((w).hours * least(hours / (w).hours_t, 1) + (w).activities * least(activities / (w).activities_t, 1)
                      + (w).rating * coalesce(rating, 3) / 5 + (w).evaluation * coalesce(evaluation, 60) / 100
                      + (w).matches * least(matches / (w).matches_t, 1)), 2)
$$;

-- The assessment of `p_period` for every active volunteer and unit of the caller's territory: their
-- verified hours, distinct activities and average rating in the half-year (a unit's are its members',
-- wherever they live), the accepted or done matches of what they pledged, and the score. Returns the
-- number of subjects assessed.
create or replace function private.compute_assessment(p_period text) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  lo bigint := private.terr_lo();
  hi bigint := private.terr_hi();
  p_from date;
  p_to date;
  n integer;
  rewritten integer;
  added_rows integer;
begin
  if lo is null or p_period !~ '^[0-9]{4}H[12]$' then
    raise exception 'gongzhi:assessment.bad_period';
  end if;
  p_from := make_date(left(p_period, 4)::int, case right(p_period, 1) when '1' then 1 else 7 end, 1);
  p_to := (p_from + interval '6 months')::date;
  perform pg_advisory_xact_lock(hashtext('gongzhi.compute_assessment'), hashtext(p_period));

  with served as materialized (
    select l.volunteer_id, l.post_id, l.terr between lo and hi as inside,
           sum(l.hours) as hours, sum(l.rating) as rating_sum, count(l.rating) as rated
    from public.service_log l
    where l.served_on >= p_from and l.served_on < p_to and l.verified_at is not null
    group by l.volunteer_id, l.post_id, l.terr between lo and hi
  ), volunteer_logs as (
    select s.volunteer_id, sum(s.hours) as hours, count(s.post_id) as activities,
           sum(s.rating_sum) / nullif(sum(s.rated), 0) as rating
    from served s where s.inside
    group by s.volunteer_id
  ), unit_logs as (
    select v.unit_id, sum(s.hours) as hours, count(distinct s.post_id) as activities,
           sum(s.rating_sum) / nullif(sum(s.rated), 0) as rating
    from served s join public.volunteer v on v.id = s.volunteer_id
    where v.unit_id in (select u.id from public.unit u where u.terr between lo and hi)
    group by v.unit_id
  ), volunteer_pledged as (
    select v.id, count(distinct mt.id)::int as matches
    from public.volunteer v
    cross join lateral unnest(v.resource_ids) r(resource_id)
    join public.match mt on mt.resource_id = r.resource_id and mt.status in ('accepted', 'done')
      and mt.created_at >= p_from and mt.created_at < p_to
    where v.active and v.terr between lo and hi and cardinality(v.resource_ids) > 0
    group by v.id
  ), unit_pledged as (
    select u.id, count(distinct mt.id)::int as matches
    from public.unit u
    cross join lateral unnest(u.resource_ids) r(resource_id)
    join public.match mt on mt.resource_id = r.resource_id and mt.status in ('accepted', 'done')
      and mt.created_at >= p_from and mt.created_at < p_to
    where u.active and u.terr between lo and hi and cardinality(u.resource_ids) > 0
    group by u.id
  ), subjects as (
    select 'volunteer' as subject, v.id as volunteer_id, null::bigint as unit_id, v.org_unit_id, t.id as assessment_id,
           coalesce(g.hours, 0) as hours, coalesce(g.activities, 0)::int as activities, round(g.rating, 2) as rating,
           coalesce(p.matches, 0) as matches,
           private.assessment_score(w, coalesce(g.hours, 0), coalesce(g.activities, 0)::int, g.rating, t.evaluation,
                                    coalesce(p.matches, 0)) as score,
           (t.hours, t.activities, t.rating, t.matches, t.score) as was
    from public.volunteer v
    cross join private.assessment_weights('volunteer') w
    left join volunteer_logs g on g.volunteer_id = v.id
    left join volunteer_pledged p on p.id = v.id
    left join public.assessment t on t.volunteer_id = v.id and t.period = p_period
    where v.active and v.terr between lo and hi
    union all
    select 'unit', null, u.id, u.org_unit_id, t.id,
           coalesce(g.hours, 0), coalesce(g.activities, 0)::int, round(g.rating, 2), coalesce(p.matches, 0),
           private.assessment_score(w, coalesce(g.hours, 0), coalesce(g.activities, 0)::int, g.rating, t.evaluation,
                                    coalesce(p.matches, 0)),
           (t.hours, t.activities, t.rating, t.matches, t.score)
    from public.unit u
    cross join private.assessment_weights('unit') w
    left join unit_logs g on g.unit_id = u.id
    left join unit_pledged p on p.id = u.id
    left join public.assessment t on t.unit_id = u.id and t.period = p_period
    where u.active and u.terr between lo and hi
  ), facts as materialized (
    select f.*, f.assessment_id is not null
                and f.was is not distinct from (f.hours, f.activities, f.rating, f.matches, f.score) as same
    from subjects f
  ), changed as (
    update public.assessment t
    set hours = f.hours, activities = f.activities, rating = f.rating, matches = f.matches, score = f.score,
        computed_at = now()
    from facts f
    where t.id = f.assessment_id and not f.same
    returning 1
  ), added as (
    insert into public.assessment (period, subject, volunteer_id, unit_id, org_unit_id, street_id, community_id, grid_id,
                                   terr, hours, activities, rating, matches, evaluation, score, computed_at)
    select p_period, f.subject, f.volunteer_id, f.unit_id, o.id, o.street_id, o.community_id, o.grid_id,
           o.terr, f.hours, f.activities, f.rating, f.matches, null, f.score, now()
    from facts f join public.org_unit o on o.id = f.org_unit_id
    where f.assessment_id is null
    returning 1
  )
  select (select count(*) from facts), (select count(*) from changed), (select count(*) from added)
  into n, rewritten, added_rows;
  -- The computation is audited as one entry of the run, not one per computed row: who computed
  -- which half-year for which territory, and how many rows it wrote.
  insert into public.audit_log (actor, table_name, row_id, action, terr, new_row)
  values (auth.uid(), 'assessment', p_period, 'update', lo,
          jsonb_build_object('computed', p_period, 'subjects', n, 'rewritten', rewritten, 'added', added_rows));
  return n;
end;
$$;

comment on table public.audit_log is
  'Who changed what and when. Written only by private.audit_rows() (and private.audit() for assessment evaluations and removals, private.compute_assessment for one entry per computation); never updated or deleted.';

comment on column public.assessment.computed_at is
  'Computed by private.compute_assessment: when the figures last changed (a recomputation that changes nothing leaves the row as it is).';

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.compute_assessment(text) to authenticated, gongzhi_district;

-- "Did it really get fixed?" (真改了吗): flags on the supervision board and the dashboard, each with
-- the numbers that say why. One function, private.event_flags, runs as the caller (security
-- invoker), so row-level security limits every event and summons it reads exactly as on the lists;
-- two definer helpers give it the district-wide yardsticks it compares with (aggregates only: a
-- median per category, and event and grid counts per community of the caller's territory).
--
-- The flags, over a window of p_days ending at p_now (the clock is passed in, as for lights):
--   reported_again     an event closed in the window, and an event of the same category at the same
--                      address (address_key) whistled within 30 days after its closure;
--   too_fast           an event closed in the window in less than a quarter of its category's usual
--                      time: the median hours from whistle to closure over the district's events
--                      closed in the 365 days before p_now, once the category has at least 10;
--   satisfaction_lags  a department whose satisfaction rate (scores of 4 or 5 among scored events)
--                      is 20 points or more below its closure rate (events closed without a "not
--                      fixed" among those it was summoned to), on events whistled in the window, with
--                      at least 10 scored;
--   whistle_rate       a community whose number of events whistled in the window is abnormal for its
--                      size (its grids): expected = the rest of the district's events per grid × its
--                      grids; z = (events − expected) / √expected (the Poisson deviation); flagged
--                      when |z| ≥ 3 — too many (problems the grid does not solve) or too few (problems
--                      not reported).
--   no_after_photo     (seam) an event closed in the window without a photo taken after the fix:
--                      computed only once a migration creates private.has_after_photo(bigint)
--                      returning boolean, and the caller may execute it; nothing to change here.

-- ---------------------------------------------------------------- helpers
-- The usual time to close an event of each category: the median hours from whistle to closure of
-- the district's events closed in the 365 days before p_now, and how many there were. Aggregates
-- only, for staff who pass the second factor's check.
create function private.category_close_median(p_now timestamptz)
returns table (category_id bigint, median_hours double precision, closed bigint)
language sql stable security definer set search_path = ''
as $$
  select e.category_id,
         percentile_cont(0.5) within group (order by extract(epoch from e.closed_at - e.created_at) / 3600.0),
         count(*)
  from public.event e
  where e.closed_at > p_now - interval '365 days' and e.closed_at <= p_now
    and (select private.staff_role()) is not null and (select private.aal_ok())
  group by e.category_id
$$;

-- Events whistled between p_since and p_now and grids, per community of the caller's territory
-- (within p_lo .. p_hi), with the whole district's totals beside each. Aggregates only; nothing for
-- department staff, who have no territory (greatest/least would skip their null bounds).
create function private.community_whistle_counts(p_since timestamptz, p_now timestamptz, p_lo bigint, p_hi bigint)
returns table (community_id bigint, terr bigint, grids bigint, events bigint, district_grids bigint,
               district_events bigint)
language sql stable security definer set search_path = ''
as $$
  with c as (
    select o.id, o.terr, coalesce(g.grids, 0) as grids, coalesce(n.events, 0) as events
    from public.org_unit o
    left join (select u.community_id, count(*) as grids from public.org_unit u where u.kind = 'grid'
               group by u.community_id) g on g.community_id = o.id
    left join (select e.community_id, count(*) as events from public.event e
               where e.created_at > p_since and e.created_at <= p_now group by e.community_id) n
      on n.community_id = o.id
    where o.kind = 'community'
  ), district as (
    select sum(c.grids)::bigint as grids, sum(c.events)::bigint as events from c
  )
  select c.id, c.terr, c.grids, c.events, district.grids, district.events
  from c, district, (select private.terr_lo() as lo, private.terr_hi() as hi) me
  where me.lo is not null and c.terr between greatest(me.lo, p_lo) and least(me.hi, p_hi)
    and (select private.aal_ok())
$$;

-- The flags, as the caller sees the events: kind, the event, department or community flagged, its
-- territory code, when (closure), and the figures of the reason (detail). Scope p_lo .. p_hi narrows
-- to a unit's territory (the dashboard's drill-down).
create function private.event_flags(p_now timestamptz, p_days integer default 90,
                                    p_lo bigint default 0, p_hi bigint default 9999999)
returns table (kind text, event_id bigint, department_id bigint, community_id bigint, terr bigint,
               at timestamptz, detail jsonb)
language plpgsql stable set search_path = ''
as $$
declare
  since timestamptz;
begin
  if p_now is null or p_days is null or p_days not between 1 and 366 then
    raise exception 'gongzhi:flags.bad_window';
  end if;
  since := p_now - make_interval(days => p_days);

  return query
    select 'reported_again'::text, a.id, null::bigint, a.community_id, a.terr, a.closed_at,
           jsonb_build_object('again_id', b.id, 'closed', a.closed_at, 'again', b.created_at,
                              'days', round((extract(epoch from b.created_at - a.closed_at) / 86400.0)::numeric, 1))
    from public.event a
    cross join lateral (select x.id, x.created_at from public.event x
                        where x.category_id = a.category_id and x.address_key = a.address_key
                          and x.created_at > a.closed_at and x.created_at <= a.closed_at + interval '30 days'
                          and x.created_at <= p_now and x.id <> a.id
                        order by x.created_at limit 1) b
    where a.closed_at > since and a.closed_at <= p_now and a.terr between p_lo and p_hi
      -- only addresses whistled in the window at all: most have one event, and are skipped here
      and (a.category_id, a.address_key) in (select y.category_id, y.address_key from public.event y
                                             where y.created_at > since and y.created_at <= p_now);

  return query
    select 'too_fast'::text, e.id, null::bigint, e.community_id, e.terr, e.closed_at,
           jsonb_build_object('hours', round(h.hours::numeric, 1), 'median_hours', round(m.median_hours::numeric, 1),
                              'closed', m.closed)
    from public.event e
    join private.category_close_median(p_now) m on m.category_id = e.category_id
    cross join lateral (select extract(epoch from e.closed_at - e.created_at) / 3600.0 as hours) h
    where e.closed_at > since and e.closed_at <= p_now and e.terr between p_lo and p_hi
      and m.closed >= 10 and h.hours < 0.25 * m.median_hours;

  return query
    select 'satisfaction_lags'::text, null::bigint, s.department_id, null::bigint, null::bigint, null::timestamptz,
           jsonb_build_object('events', s.events, 'scored', s.scored, 'closure_rate', r.closure,
                              'satisfaction_rate', r.satisfaction)
    from (select ed.department_id, count(*) as events,
                 count(*) filter (where e.closed_at is not null and ed.not_fixed = 0) as resolved,
                 count(e.satisfaction) as scored, count(*) filter (where e.satisfaction >= 4) as satisfied
          from public.event_department ed join public.event e on e.id = ed.event_id
          where e.created_at > since and e.created_at <= p_now and e.terr between p_lo and p_hi
          group by ed.department_id) s
    cross join lateral (select round(100.0 * s.resolved / s.events, 1) as closure,
                               round(100.0 * s.satisfied / nullif(s.scored, 0), 1) as satisfaction) r
    where s.scored >= 10 and r.closure - r.satisfaction >= 20;

  return query
    select 'whistle_rate'::text, null::bigint, null::bigint, c.community_id, c.terr, null::timestamptz,
           jsonb_build_object('events', c.events, 'grids', c.grids, 'days', p_days, 'expected', round(x.expected, 1),
                              'z', round((c.events - x.expected) / sqrt(x.expected), 1))
    from private.community_whistle_counts(since, p_now, p_lo, p_hi) c
    cross join lateral (select (c.district_events - c.events)::numeric
                               / nullif(c.district_grids - c.grids, 0) * c.grids as expected) x
    where x.expected > 0 and abs(c.events - x.expected) >= 3 * sqrt(x.expected);

  -- The seam for photos: once private.has_after_photo(event_id bigint) returns boolean exists and
  -- the caller may run it, events closed in the window without an after-photo are flagged too.
  if to_regprocedure('private.has_after_photo(bigint)') is not null then
    if has_function_privilege('private.has_after_photo(bigint)', 'execute') then
      return query execute
        'select ''no_after_photo''::text, e.id, null::bigint, e.community_id, e.terr, e.closed_at, ''{}''::jsonb
         from public.event e
         where e.closed_at > $1 and e.closed_at <= $2 and e.terr between $3 and $4
           and not private.has_after_photo(e.id)'
        using since, p_now, p_lo, p_hi;
    end if;
  end if;
end;
$$;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.category_close_median(timestamptz) to authenticated, gongzhi_district;
grant execute on function private.community_whistle_counts(timestamptz, timestamptz, bigint, bigint)
  to authenticated, gongzhi_district;
grant execute on function private.event_flags(timestamptz, integer, bigint, bigint) to authenticated, gongzhi_district;

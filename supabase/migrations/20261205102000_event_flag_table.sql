-- The fake-fix flags (真改了吗), cheap to read: the flags about single events (reported_again,
-- too_fast, no_after_photo) are kept in public.event_flag, refreshed by a job
-- (`python -m gongzhi whistle flags`, from cron every few minutes) through
-- private.refresh_event_flags(p_now); private.event_flags reads them from there under the same
-- row-level security as events and still computes the two aggregate kinds (satisfaction_lags,
-- whistle_rate) as the caller, which are cheap. The board says how fresh the stored flags are
-- (private.event_flags_as_of()).
--
-- The rules are those of the fake-fix flags migration, over the district's events as of the
-- refresh (p_now): the stored rows cover a window of 366 days ending at p_now, the widest window
-- event_flags accepts, so that a narrower window read later returns the rows it would have computed
-- itself at p_now.
--   reported_again  an event closed in the window, and an event of the same category at the same
--                   address (address_key) whistled within 30 days after its closure (and by p_now);
--   too_fast        an event closed in the window in less than a quarter of its category's usual
--                   time: the median hours from whistle to closure over the district's events
--                   closed in the 365 days before p_now, once the category has at least 10;
--   no_after_photo  an event closed in the window without a photo taken after the fix.

-- ---------------------------------------------------------------- tables
create table public.event_flag (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('reported_again', 'too_fast', 'no_after_photo')),
  event_id bigint not null references public.event (id) on delete cascade,
  community_id bigint references public.org_unit (id),
  terr bigint not null,
  departments bigint[] not null,
  at timestamptz not null,
  detail jsonb not null default '{}',
  unique (event_id, kind)
);
comment on table public.event_flag is 'Computed: the fake-fix flags about single events, as of the last private.refresh_event_flags (the job `gongzhi whistle flags`); written by nothing else. terr, community_id and departments are copies of the event''s, for the same row-level security.';

-- When the stored flags were last computed (one row), and how long it took.
create table private.event_flag_refresh (
  id boolean primary key default true check (id),
  as_of timestamptz not null,
  took_ms integer not null,
  flags integer not null
);

-- ---------------------------------------------------------------- indexes
create index event_flag_terr_idx on public.event_flag (terr, at);
create index event_flag_community_id_idx on public.event_flag (community_id);
create index event_flag_departments_idx on public.event_flag using gin (departments);

-- ---------------------------------------------------------------- helpers
-- Recomputes the stored flags of the whole district as of p_now and replaces the previous set with
-- them (readers see the old set until the refresh commits; two refreshes queue). Run as the owner
-- by the job; returns how many flags it holds now.
create function private.refresh_event_flags(p_now timestamptz default now())
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  since timestamptz := p_now - interval '366 days';
  started timestamptz := clock_timestamp();
  stored integer;
begin
  if p_now is null then
    raise exception 'gongzhi:flags.bad_window';
  end if;
  lock table public.event_flag in exclusive mode;

  -- Computed afresh, then merged: flags that still hold keep their row (unchanged rows are not
  -- rewritten, so a refresh every few minutes leaves little for vacuum), new ones are added and
  -- those whose cause is gone are removed.
  with computed as (
    select 'reported_again' as kind, a.id as event_id, a.community_id, a.terr, a.departments, a.closed_at as at,
           jsonb_build_object('again_id', b.id, 'closed', a.closed_at, 'again', b.created_at,
                              'days', round((extract(epoch from b.created_at - a.closed_at) / 86400.0)::numeric, 1))
             as detail
    from public.event a
    cross join lateral (select x.id, x.created_at from public.event x
                        where x.category_id = a.category_id and x.address_key = a.address_key
                          and x.created_at > a.closed_at and x.created_at <= a.closed_at + interval '30 days'
                          and x.created_at <= p_now and x.id <> a.id
                        order by x.created_at limit 1) b
    where a.closed_at > since and a.closed_at <= p_now
      -- only addresses whistled in the window at all: most have one event, and are skipped here
      and (a.category_id, a.address_key) in (select y.category_id, y.address_key from public.event y
                                             where y.created_at > since and y.created_at <= p_now)
    union all
    select 'too_fast', e.id, e.community_id, e.terr, e.departments, e.closed_at,
           jsonb_build_object('hours', round(h.hours::numeric, 1), 'median_hours', round(m.median_hours::numeric, 1),
                              'closed', m.closed)
    from public.event e
    join (select c.category_id,
                 percentile_cont(0.5) within group (order by extract(epoch from c.closed_at - c.created_at) / 3600.0)
                   as median_hours,
                 count(*) as closed
          from public.event c
          where c.closed_at > p_now - interval '365 days' and c.closed_at <= p_now
          group by c.category_id) m on m.category_id = e.category_id
    cross join lateral (select extract(epoch from e.closed_at - e.created_at) / 3600.0 as hours) h
    where e.closed_at > since and e.closed_at <= p_now
      and m.closed >= 10 and h.hours < 0.25 * m.median_hours
    union all
    select 'no_after_photo', e.id, e.community_id, e.terr, e.departments, e.closed_at, '{}'::jsonb
    from public.event e
    where e.closed_at > since and e.closed_at <= p_now
      and not private.has_after_photo(e.id)
  ), gone as (
    delete from public.event_flag f
    where not exists (select from computed c where c.event_id = f.event_id and c.kind = f.kind)
  )
  insert into public.event_flag as f (kind, event_id, community_id, terr, departments, at, detail)
  select c.kind, c.event_id, c.community_id, c.terr, c.departments, c.at, c.detail from computed c
  on conflict (event_id, kind) do update
    set community_id = excluded.community_id, terr = excluded.terr, departments = excluded.departments,
        at = excluded.at, detail = excluded.detail
    where (f.community_id, f.terr, f.departments, f.at, f.detail)
          is distinct from (excluded.community_id, excluded.terr, excluded.departments, excluded.at, excluded.detail);

  select count(*) into stored from public.event_flag;
  insert into private.event_flag_refresh (id, as_of, took_ms, flags)
  values (true, p_now, (extract(epoch from clock_timestamp() - started) * 1000)::integer, stored)
  on conflict (id) do update set as_of = excluded.as_of, took_ms = excluded.took_ms, flags = excluded.flags;
  return stored;
end;
$$;

-- When the stored flags were computed (null before the first refresh), for staff who pass the
-- second factor's check.
create function private.event_flags_as_of()
returns timestamptz
language sql stable security definer set search_path = ''
as $$
  select r.as_of from private.event_flag_refresh r
  where (select private.staff_role()) is not null and (select private.aal_ok())
$$;

-- The flags, as the caller sees the events: kind, the event, department or community flagged, its
-- territory code, when (closure), and the figures of the reason (detail). Scope p_lo .. p_hi narrows
-- to a unit's territory (the dashboard's drill-down). The flags about single events come from
-- public.event_flag (as of its last refresh, under its row-level security); the two aggregate kinds
-- are computed here, as the caller.
create or replace function private.event_flags(p_now timestamptz, p_days integer default 90,
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
    select f.kind, f.event_id, null::bigint, f.community_id, f.terr, f.at, f.detail
    from public.event_flag f
    where f.at > since and f.at <= p_now and f.terr between p_lo and p_hi;

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
end;
$$;

-- ---------------------------------------------------------------- the first set
select private.refresh_event_flags();

-- ---------------------------------------------------------------- row-level security
alter table public.event_flag enable row level security;

create policy "staff read flags of events of their territory" on public.event_flag
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "departments read flags of the events they are summoned to" on public.event_flag
  for select to authenticated
  using (departments @> array[(select private.department_id())]);
create policy "district staff read all event flags" on public.event_flag
  for select to gongzhi_district using (true);
create policy "staff present the second factor where the district requires it" on public.event_flag
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.event_flag from anon, authenticated, gongzhi_district;
grant select on public.event_flag to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.event_flags_as_of() to authenticated, gongzhi_district;
grant execute on function private.event_flags(timestamptz, integer, bigint, bigint) to authenticated, gongzhi_district;

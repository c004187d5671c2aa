-- The fake-fix flags' two district-wide kinds read from tallies, and the stored flags read through
-- an index that matches the board: the supervision board's flags cost a few index reads instead of
-- a pass over the window's events and summons.
--
--   satisfaction_lags  read from private.event_department_tally: the summons of events whistled on a
--                      day (Beijing time), per event territory code and department, with how many
--                      were resolved (closed without a "not fixed"), scored and satisfied (4 or 5);
--   whistle_rate       read from private.event_community_tally: events whistled on a day per
--                      community.
-- Both are kept by statement triggers on public.event and public.event_department, which recompute
-- the tally rows of the (day, territory) and (day, community) keys a statement touched from the
-- live rows (so a cascade or a move leaves them right in whatever order its statements run). A
-- window (p_now − p_days, p_now] is read as its whole days from the tallies and its two partial
-- days from the events themselves (index on created_at), so the figures are exactly those of the
-- rules in the fake-fix flags migration, which are unchanged.
--
-- private.event_aggregate_flags(p_now, p_days, p_lo, p_hi) returns the two kinds as the caller may
-- see them (definer, applying the same visibility as the policies on event and event_department:
-- territory staff their territory, department staff their own summons); private.event_flags now
-- calls it (whole body below; the stored kinds' part is unchanged).

-- ---------------------------------------------------------------- tables
create table private.event_department_tally (
  day date not null,
  terr bigint not null,
  department_id bigint not null,
  events integer not null,
  resolved integer not null,
  scored integer not null,
  satisfied integer not null,
  primary key (day, terr, department_id)
);
comment on table private.event_department_tally is 'Computed: summons of the events whistled on day (Asia/Shanghai), by the event''s territory code and department; written only by the triggers of the flag tallies migration.';

create table private.event_community_tally (
  day date not null,
  community_id bigint not null,
  events integer not null,
  primary key (day, community_id)
);
comment on table private.event_community_tally is 'Computed: events whistled on day (Asia/Shanghai) per community; written only by the triggers of the flag tallies migration.';

-- ---------------------------------------------------------------- indexes
-- The board: count each kind and read a page of one kind, most recent first, within the window
-- and the caller's territory (terr and departments are what the policies read).
create index event_flag_board_idx on public.event_flag (kind, at desc, event_id) include (terr, departments);

-- ---------------------------------------------------------------- helpers
-- The day (Beijing time) an instant falls on, and the instant a day starts.
create function private.flag_day(p_at timestamptz) returns date
language sql immutable parallel safe set search_path = ''
as $$ select (p_at at time zone 'Asia/Shanghai')::date $$;

create function private.flag_day_start(p_day date) returns timestamptz
language sql immutable parallel safe set search_path = ''
as $$ select p_day::timestamp at time zone 'Asia/Shanghai' $$;

-- Recomputes the tally rows of the given keys from the live events and summons: one range scan of
-- the events between the keys' first and last day, kept when their key is one of them (a single
-- event's change reads one day; a bulk insert reads its span once).
create function private.recount_flag_tallies(p_terr_days jsonb, p_community_days jsonb)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  lo timestamptz;
  hi timestamptz;
begin
  create temp table if not exists flag_tally_key (day date, id bigint, primary key (day, id)) on commit drop;

  truncate pg_temp.flag_tally_key;
  insert into pg_temp.flag_tally_key
  select distinct (x ->> 0)::date, (x ->> 1)::bigint from jsonb_array_elements(p_terr_days) x;
  select private.flag_day_start(min(k.day)), private.flag_day_start(max(k.day) + 1) into lo, hi
  from pg_temp.flag_tally_key k;
  delete from private.event_department_tally t using pg_temp.flag_tally_key k where t.day = k.day and t.terr = k.id;
  insert into private.event_department_tally (day, terr, department_id, events, resolved, scored, satisfied)
  select private.flag_day(e.created_at), e.terr, ed.department_id, count(*),
         count(*) filter (where e.closed_at is not null and ed.not_fixed = 0),
         count(e.satisfaction), count(*) filter (where e.satisfaction >= 4)
  from public.event e
  join public.event_department ed on ed.event_id = e.id
  where e.created_at >= lo and e.created_at < hi
    and (private.flag_day(e.created_at), e.terr) in (select k.day, k.id from pg_temp.flag_tally_key k)
  group by 1, 2, 3;

  truncate pg_temp.flag_tally_key;
  insert into pg_temp.flag_tally_key
  select distinct (x ->> 0)::date, (x ->> 1)::bigint from jsonb_array_elements(p_community_days) x;
  select private.flag_day_start(min(k.day)), private.flag_day_start(max(k.day) + 1) into lo, hi
  from pg_temp.flag_tally_key k;
  delete from private.event_community_tally t using pg_temp.flag_tally_key k
  where t.day = k.day and t.community_id = k.id;
  insert into private.event_community_tally (day, community_id, events)
  select private.flag_day(e.created_at), e.community_id, count(*)
  from public.event e
  where e.created_at >= lo and e.created_at < hi
    and (private.flag_day(e.created_at), e.community_id) in (select k.day, k.id from pg_temp.flag_tally_key k)
  group by 1, 2;
end;
$$;

-- The tally keys of some events' (created_at, terr, community_id): [[day, terr], …] and
-- [[day, community_id], …].
create function private.flag_tally_keys(p_rows jsonb, out terr_days jsonb, out community_days jsonb)
language sql immutable set search_path = ''
as $$
  select coalesce(jsonb_agg(distinct jsonb_build_array(private.flag_day((r ->> 'created_at')::timestamptz),
                                                       (r ->> 'terr')::bigint)), '[]'),
         coalesce(jsonb_agg(distinct jsonb_build_array(private.flag_day((r ->> 'created_at')::timestamptz),
                                                       (r ->> 'community_id')::bigint))
                    filter (where r ->> 'community_id' is not null), '[]')
  from jsonb_array_elements(p_rows) r
$$;

-- After a statement on public.event: recounts the keys of the rows it inserted or deleted, and of
-- those it changed in a column the tallies read (before and after).
create function private.event_flag_tallies_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  touched jsonb;
  keys record;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object('created_at', n.created_at, 'terr', n.terr, 'community_id', n.community_id))
      into touched from new_rows n;
  elsif tg_op = 'DELETE' then
    select jsonb_agg(jsonb_build_object('created_at', o.created_at, 'terr', o.terr, 'community_id', o.community_id))
      into touched from old_rows o;
  else
    select jsonb_agg(x.r) into touched
    from old_rows o join new_rows n on n.id = o.id
    cross join lateral (values (jsonb_build_object('created_at', o.created_at, 'terr', o.terr, 'community_id', o.community_id)),
                               (jsonb_build_object('created_at', n.created_at, 'terr', n.terr, 'community_id', n.community_id))) x (r)
    where (o.created_at, o.terr, o.community_id, o.closed_at, o.satisfaction)
          is distinct from (n.created_at, n.terr, n.community_id, n.closed_at, n.satisfaction);
  end if;
  if touched is not null then
    select * into keys from private.flag_tally_keys(touched);
    perform private.recount_flag_tallies(keys.terr_days, keys.community_days);
  end if;
  return null;
end;
$$;

-- After a statement on public.event_department: recounts the keys of the summons' events (an event
-- already deleted by a cascade is recounted by the event's own trigger).
create function private.event_department_flag_tallies_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  ids bigint[];
  touched jsonb;
begin
  if tg_op = 'INSERT' then
    select array_agg(n.event_id) into ids from new_rows n;
  elsif tg_op = 'DELETE' then
    select array_agg(o.event_id) into ids from old_rows o;
  else
    select array_agg(o.event_id) into ids
    from old_rows o join new_rows n on n.event_id = o.event_id and n.department_id = o.department_id
    where (o.not_fixed, o.terr) is distinct from (n.not_fixed, n.terr);
  end if;
  select jsonb_agg(jsonb_build_object('created_at', e.created_at, 'terr', e.terr)) into touched
  from public.event e where e.id = any (ids);
  if touched is not null then
    perform private.recount_flag_tallies((private.flag_tally_keys(touched)).terr_days, '[]');
  end if;
  return null;
end;
$$;

-- Both tallies recomputed from scratch (this migration, and a repair).
create function private.rebuild_flag_tallies() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  truncate private.event_department_tally, private.event_community_tally;
  insert into private.event_department_tally (day, terr, department_id, events, resolved, scored, satisfied)
  select private.flag_day(e.created_at), e.terr, ed.department_id, count(*),
         count(*) filter (where e.closed_at is not null and ed.not_fixed = 0),
         count(e.satisfaction), count(*) filter (where e.satisfaction >= 4)
  from public.event e join public.event_department ed on ed.event_id = e.id
  group by 1, 2, 3;
  insert into private.event_community_tally (day, community_id, events)
  select private.flag_day(e.created_at), e.community_id, count(*)
  from public.event e where e.community_id is not null
  group by 1, 2;
end;
$$;

-- The two district-wide kinds over (p_now − p_days, p_now], within p_lo .. p_hi, as the caller may
-- see them: territory staff over their territory, department staff their own department's summons
-- (no community rates, which need a territory); nothing without the second factor where required.
-- Planned afresh on every call: a cached generic plan cannot see the window's days or the territory.
create function private.event_aggregate_flags(p_now timestamptz, p_days integer default 90,
                                              p_lo bigint default 0, p_hi bigint default 9999999)
returns table (kind text, event_id bigint, department_id bigint, community_id bigint, terr bigint,
               at timestamptz, detail jsonb)
language plpgsql stable security definer set search_path = '' set plan_cache_mode = force_custom_plan
as $$
declare
  since timestamptz;
  first_day date;
  last_day date;
  cut_lo timestamptz;
  cut_hi timestamptz;
  me_lo bigint := private.terr_lo();
  me_hi bigint := private.terr_hi();
  me_department bigint := private.department_id();
begin
  if p_now is null or p_days is null or p_days not between 1 and 366 then
    raise exception 'gongzhi:flags.bad_window';
  end if;
  if private.staff_role() is null or not private.aal_ok() then
    return;
  end if;
  since := p_now - make_interval(days => p_days);
  -- whole days first_day .. last_day from the tallies; the rest of the window from the events
  first_day := private.flag_day(since) + 1;
  last_day := private.flag_day(p_now) - 1;
  cut_lo := private.flag_day_start(first_day);
  cut_hi := private.flag_day_start(last_day + 1);
  if me_lo is not null then
    p_lo := greatest(p_lo, me_lo);
    p_hi := least(p_hi, me_hi);
  elsif me_department is null then
    return;
  end if;

  return query
    select 'satisfaction_lags'::text, null::bigint, s.department_id, null::bigint, null::bigint, null::timestamptz,
           jsonb_build_object('events', s.events, 'scored', s.scored, 'closure_rate', r.closure,
                              'satisfaction_rate', r.satisfaction)
    from (select u.department_id, sum(u.events) as events, sum(u.resolved) as resolved, sum(u.scored) as scored,
                 sum(u.satisfied) as satisfied
          from (select t.department_id, t.events, t.resolved, t.scored, t.satisfied
                from private.event_department_tally t
                where t.day between first_day and last_day and t.terr between p_lo and p_hi
                  and (me_lo is not null or t.department_id = me_department)
                union all
                select ed.department_id, 1, (e.closed_at is not null and ed.not_fixed = 0)::int,
                       (e.satisfaction is not null)::int, (e.satisfaction >= 4)::int
                from public.event e join public.event_department ed on ed.event_id = e.id
                where e.created_at > since and e.created_at <= p_now
                  and (e.created_at < cut_lo or e.created_at >= cut_hi)
                  and e.terr between p_lo and p_hi and ed.terr between p_lo and p_hi
                  and (me_lo is not null or ed.department_id = me_department)) u
          group by u.department_id) s
    cross join lateral (select round(100.0 * s.resolved / s.events, 1) as closure,
                               round(100.0 * s.satisfied / nullif(s.scored, 0), 1) as satisfaction) r
    where s.scored >= 10 and r.closure - r.satisfaction >= 20;

  if me_lo is null then
    return;
  end if;
  return query
    with n as (
      select u.community_id, sum(u.events) as events
      from (select t.community_id, t.events from private.event_community_tally t
            where t.day between first_day and last_day
            union all
            select e.community_id, 1 from public.event e
            where e.created_at > since and e.created_at <= p_now
              and (e.created_at < cut_lo or e.created_at >= cut_hi) and e.community_id is not null) u
      group by u.community_id
    ), c as (
      select o.id, o.terr, coalesce(g.grids, 0) as grids, coalesce(n.events, 0) as events
      from public.org_unit o
      left join (select g.community_id, count(*) as grids from public.org_unit g where g.kind = 'grid'
                 group by g.community_id) g on g.community_id = o.id
      left join n on n.community_id = o.id
      where o.kind = 'community'
    ), district as (
      select sum(c.grids)::bigint as grids, sum(c.events)::bigint as events from c
    )
    select 'whistle_rate'::text, null::bigint, null::bigint, c.id, c.terr, null::timestamptz,
           jsonb_build_object('events', c.events, 'grids', c.grids, 'days', p_days, 'expected', round(x.expected, 1),
                              'z', round((c.events - x.expected) / sqrt(x.expected), 1))
    from c cross join district
    cross join lateral (select (district.events - c.events)::numeric
                               / nullif(district.grids - c.grids, 0) * c.grids as expected) x
    where c.terr between p_lo and p_hi
      and x.expected > 0 and abs(c.events - x.expected) >= 3 * sqrt(x.expected);
end;
$$;

-- The flags, as the caller sees the events: kind, the event, department or community flagged, its
-- territory code, when (closure), and the figures of the reason (detail). Scope p_lo .. p_hi narrows
-- to a unit's territory (the dashboard's drill-down). The flags about single events come from
-- public.event_flag (as of its last refresh, under its row-level security); the two aggregate kinds
-- from private.event_aggregate_flags (the tallies).
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
    select a.kind, a.event_id, a.department_id, a.community_id, a.terr, a.at, a.detail
    from private.event_aggregate_flags(p_now, p_days, p_lo, p_hi) a;
end;
$$;

-- ---------------------------------------------------------------- the first tallies
select private.rebuild_flag_tallies();

-- ---------------------------------------------------------------- triggers
create trigger event_flag_tallies_insert after insert on public.event
  referencing new table as new_rows for each statement execute function private.event_flag_tallies_changed();
create trigger event_flag_tallies_update after update on public.event
  referencing old table as old_rows new table as new_rows for each statement execute function private.event_flag_tallies_changed();
create trigger event_flag_tallies_delete after delete on public.event
  referencing old table as old_rows for each statement execute function private.event_flag_tallies_changed();
create trigger event_department_flag_tallies_insert after insert on public.event_department
  referencing new table as new_rows for each statement execute function private.event_department_flag_tallies_changed();
create trigger event_department_flag_tallies_update after update on public.event_department
  referencing old table as old_rows new table as new_rows for each statement execute function private.event_department_flag_tallies_changed();
create trigger event_department_flag_tallies_delete after delete on public.event_department
  referencing old table as old_rows for each statement execute function private.event_department_flag_tallies_changed();

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.event_aggregate_flags(timestamptz, integer, bigint, bigint) to authenticated, gongzhi_district;

-- The department's supervision board counts from a tally (issue 21): red, yellow, green and
-- escalated among a department's open events cost O(days + hours of today + events due this hour)
-- instead of O(the department's open events), which grow with the district.
--
-- The lights (gongzhi.whistle.queries.LIGHT_SQL) of an open event at `now`: red when
-- deadline < now, yellow when deadline >= now and yellow_at <= now, green when yellow_at > now or
-- there is no deadline. A regular event has both times or neither, the yellow one first (both
-- come from private.add_work_hours on the same start, 3/4 and 4/4 of the time allowed); among
-- regular events the three lights are a partition:
--   red    = #(deadline < now)
--   yellow = #(yellow_at <= now) - red
--   green  = open - #(yellow_at <= now)
-- Two one-dimensional counts, each kept per day and per hour (UTC buckets): the days before today
-- from day rows, today's hours before the current one from hour rows, and the current hour from
-- the events themselves (their deadline and yellow time are indexed). Irregular open events (a
-- time written by hand, e.g. a deadline moved without its yellow time) stay out of the tally and
-- are counted one by one with the lights' own definition; a partial index finds them.

-- ---------------------------------------------------------------- tables

create table private.department_open_tally (
  department_id bigint not null,
  axis text not null check (axis in ('deadline', 'yellow')),
  span text not null check (span in ('day', 'hour')),
  starts timestamptz,
  -- No check that these stay >= 0: a statement's own triggers may move its rows before its
  -- statement trigger adds them (an event's insert reaches its summons, whose triggers update the
  -- event), so a bucket can be below zero until the outer statement's trigger runs.
  events integer not null,
  escalated integer not null,
  check (starts is not null or (axis = 'deadline' and span = 'day'))
);
comment on table private.department_open_tally is
  'Computed: open events per summoned department whose deadline (axis deadline) or yellow time (axis yellow) falls in the UTC day or hour that starts at `starts` (null: no deadline, on the deadline axis''s day rows only); each event counts once per axis and span. Written only by the triggers of the department board tally migration.';

-- ---------------------------------------------------------------- indexes

-- Span before axis: a department's day rows are one range, today's hour rows two short ones.
create unique index department_open_tally_key on private.department_open_tally
  (department_id, span, axis, starts) nulls not distinct;

-- The current hour's events by yellow time (their deadline has event_open_deadline_idx).
create index event_open_yellow_idx on public.event (yellow_at) where closed_at is null;

-- The irregular open events, which the tally leaves out (normally none).
create index event_open_irregular_idx on public.event (id) include (departments, deadline, yellow_at, escalated_at)
  where closed_at is null and ((deadline is null) <> (yellow_at is null) or yellow_at > deadline);

-- ---------------------------------------------------------------- functions

-- The bucket of a time: the UTC day or hour it falls in, whatever the session's time zone.
create function private.board_bucket(p_at timestamptz, p_span text) returns timestamptz
language sql immutable parallel safe set search_path = '' as $$
  select date_bin(case p_span when 'day' then interval '1 day' else interval '1 hour' end,
                  p_at, timestamptz '2000-01-01 00:00:00+00')
$$;

-- Adds regular open events to the tally or takes them out: the caller passes them as jsonb rows
-- (sign 1 to add, -1 to take out; departments, deadline, yellow_at, escalated). Buckets whose count
-- falls to zero are removed, so the tally holds only buckets in use.
create function private.department_open_tally_apply(p_rows jsonb) returns void
language plpgsql security definer set search_path = '' as $$
declare
  gone jsonb;
begin
  with r as (
    select x.sign, x.departments, x.deadline, x.yellow_at, x.escalated
    from jsonb_to_recordset(p_rows) as x (sign integer, departments bigint[], deadline timestamptz,
                                          yellow_at timestamptz, escalated boolean)),
  delta as (
    select d.department_id, k.axis, k.span, k.starts,
           sum(r.sign) as events, sum(r.sign * r.escalated::int) as escalated
    from r
    cross join lateral (select distinct u as department_id from unnest(r.departments) u where u is not null) d
    cross join lateral (values ('deadline', 'day', private.board_bucket(r.deadline, 'day')),
                               ('deadline', 'hour', private.board_bucket(r.deadline, 'hour')),
                               ('yellow', 'day', private.board_bucket(r.yellow_at, 'day')),
                               ('yellow', 'hour', private.board_bucket(r.yellow_at, 'hour'))) k (axis, span, starts)
    where k.starts is not null or (k.axis = 'deadline' and k.span = 'day')
    group by 1, 2, 3, 4
    having sum(r.sign) <> 0 or sum(r.sign * r.escalated::int) <> 0),
  written as (
    insert into private.department_open_tally as t (department_id, axis, span, starts, events, escalated)
    select * from delta order by 1, 2, 3, 4
    on conflict (department_id, axis, span, starts)
    do update set events = t.events + excluded.events, escalated = t.escalated + excluded.escalated
    returning t.department_id, t.axis, t.span, t.starts, t.events)
  select jsonb_agg(jsonb_build_object('department_id', w.department_id, 'axis', w.axis, 'span', w.span,
                                      'starts', w.starts))
    into gone from written w where w.events = 0;
  if gone is not null then
    delete from private.department_open_tally t
    using jsonb_to_recordset(gone) as g (department_id bigint, axis text, span text, starts timestamptz)
    where t.department_id = g.department_id and t.axis = g.axis and t.span = g.span
      and t.starts is not distinct from g.starts and t.events = 0;
  end if;
end;
$$;

-- The tally follows every statement on public.event: an event enters when it is whistled open,
-- leaves when it closes or is removed, and moves when its departments, deadline, yellow time or
-- escalation change (a summons, a 包联 unit's department, a reopening, a new step, an escalation).
-- Summons in public.event_department reach the board through event.departments, which their
-- triggers keep, so an update of the event carries them here.
create function private.department_open_tally_changed() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  changed jsonb;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object('sign', 1, 'departments', n.departments, 'deadline', n.deadline,
                                        'yellow_at', n.yellow_at, 'escalated', n.escalated_at is not null))
      into changed from new_rows n where n.closed_at is null
        and not coalesce((n.deadline is null) <> (n.yellow_at is null) or n.yellow_at > n.deadline, false);
  elsif tg_op = 'DELETE' then
    select jsonb_agg(jsonb_build_object('sign', -1, 'departments', o.departments, 'deadline', o.deadline,
                                        'yellow_at', o.yellow_at, 'escalated', o.escalated_at is not null))
      into changed from old_rows o where o.closed_at is null
        and not coalesce((o.deadline is null) <> (o.yellow_at is null) or o.yellow_at > o.deadline, false);
  else
    select jsonb_agg(x.r) into changed
    from old_rows o join new_rows n on n.id = o.id
    cross join lateral (
      select jsonb_build_object('sign', -1, 'departments', o.departments, 'deadline', o.deadline,
                                'yellow_at', o.yellow_at, 'escalated', o.escalated_at is not null)
      where o.closed_at is null
        and not coalesce((o.deadline is null) <> (o.yellow_at is null) or o.yellow_at > o.deadline, false)
      union all
      select jsonb_build_object('sign', 1, 'departments', n.departments, 'deadline', n.deadline,
                                'yellow_at', n.yellow_at, 'escalated', n.escalated_at is not null)
      where n.closed_at is null
        and not coalesce((n.deadline is null) <> (n.yellow_at is null) or n.yellow_at > n.deadline, false)) x (r)
    where (o.closed_at is null, o.departments, o.deadline, o.yellow_at, o.escalated_at is not null)
          is distinct from (n.closed_at is null, n.departments, n.deadline, n.yellow_at, n.escalated_at is not null);
  end if;
  if changed is not null then
    perform private.department_open_tally_apply(changed);
  end if;
  return null;
end;
$$;

-- The whole tally again from public.event: for this migration and for loaders that write events
-- with their triggers off (gongzhi.whistle.demo.add_events). Owner only.
create function private.recount_department_open_tally() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from private.department_open_tally;
  perform private.department_open_tally_apply(
    (select jsonb_agg(jsonb_build_object('sign', 1, 'departments', e.departments, 'deadline', e.deadline,
                                         'yellow_at', e.yellow_at, 'escalated', e.escalated_at is not null))
     from public.event e where e.closed_at is null
       and not coalesce((e.deadline is null) <> (e.yellow_at is null) or e.yellow_at > e.deadline, false)));
end;
$$;

-- The supervision board's four counts for the caller's department (see the top of this migration
-- for the arithmetic). No row unless the caller is department staff with the second factor where
-- the district requires it, which is exactly what the department's policies on public.event grant
-- ("departments read the events they are summoned to"; a department has no territory, and "staff
-- present the second factor where the district requires it"). The current hour's events are found
-- by their deadline or yellow time and kept by `= any (departments)`, which the GIN index cannot
-- serve, so the planner reads the hour's few events rather than all of the department's.
create or replace function private.department_board_counts(p_now timestamptz)
returns table (red bigint, yellow bigint, green bigint, escalated bigint)
language sql stable security definer set search_path = '' as $$
  with me as materialized (
    select m.dept, private.board_bucket(p_now, 'day') as today, private.board_bucket(p_now, 'hour') as hour
    from (select private.department_id() as dept) m
    where m.dept is not null and (select private.aal_ok())),
  days as (
    select coalesce(sum(t.events) filter (where t.axis = 'deadline'), 0) as open,
           coalesce(sum(t.escalated) filter (where t.axis = 'deadline'), 0) as escalated,
           coalesce(sum(t.events) filter (where t.axis = 'deadline' and t.starts < me.today), 0) as late,
           coalesce(sum(t.events) filter (where t.axis = 'yellow' and t.starts < me.today), 0) as due
    from me join private.department_open_tally t on t.department_id = me.dept and t.span = 'day'),
  hours as (
    select coalesce(sum(t.events) filter (where t.axis = 'deadline'), 0) as late,
           coalesce(sum(t.events) filter (where t.axis = 'yellow'), 0) as due
    from me join private.department_open_tally t
      on t.department_id = me.dept and t.span = 'hour' and t.axis in ('deadline', 'yellow')
     and t.starts >= me.today and t.starts < me.hour),
  this_hour as (
    select count(*) filter (where h.deadline >= me.hour and h.deadline < p_now) as late,
           count(*) filter (where h.yellow_at >= me.hour and h.yellow_at <= p_now) as due
    from me cross join lateral (
      select x.id, x.departments, x.deadline, x.yellow_at from public.event x
      where x.closed_at is null and x.deadline >= me.hour and x.deadline < p_now
      union
      select x.id, x.departments, x.deadline, x.yellow_at from public.event x
      where x.closed_at is null and x.yellow_at >= me.hour and x.yellow_at <= p_now) h
    where me.dept = any (h.departments)
      and not coalesce((h.deadline is null) <> (h.yellow_at is null) or h.yellow_at > h.deadline, false)),
  irregular as (
    select count(*) filter (where e.deadline < p_now) as red,
           count(*) filter (where e.deadline >= p_now and e.yellow_at <= p_now) as yellow,
           count(*) filter (where e.yellow_at > p_now or e.deadline is null) as green,
           count(*) filter (where e.escalated_at is not null) as escalated
    from me join public.event e
      on e.closed_at is null and ((e.deadline is null) <> (e.yellow_at is null) or e.yellow_at > e.deadline)
    where me.dept = any (e.departments))
  select d.late + m.late + h.late + i.red,
         (d.due + m.due + h.due) - (d.late + m.late + h.late) + i.yellow,
         d.open - (d.due + m.due + h.due) + i.green,
         d.escalated + i.escalated
  from me, days d, hours m, this_hour h, irregular i
$$;

-- ---------------------------------------------------------------- triggers

create trigger event_board_tally_insert after insert on public.event
  referencing new table as new_rows for each statement execute function private.department_open_tally_changed();
create trigger event_board_tally_update after update on public.event
  referencing old table as old_rows new table as new_rows for each statement execute function private.department_open_tally_changed();
create trigger event_board_tally_delete after delete on public.event
  referencing old table as old_rows for each statement execute function private.department_open_tally_changed();

select private.recount_department_open_tally();

-- ---------------------------------------------------------------- function privileges

revoke execute on all functions in schema private from public;
grant execute on function private.department_board_counts(timestamptz) to authenticated, gongzhi_district;

-- Whistle and report (吹哨报到), part 1: deadlines and the work calendar.
--
-- Each step of an event must be reached within a time limit per urgency (event_deadline), counted
-- in clock hours or in working hours; working days follow the Monday–Friday rule with the
-- exceptions of work_calendar (public holidays, 调休 working weekends). Deadlines and the yellow
-- point (a quarter of the time left) are stored on the event when a step starts, so a light is two
-- comparisons with the clock and the supervision board is an index scan.

-- ---------------------------------------------------------------- tables
-- Time allowed to reach each step, per urgency; working_time counts only working days.
create table public.event_deadline (
  urgency text not null check (urgency in ('normal', 'urgent')),
  step text not null check (step in ('report', 'consult', 'implement', 'feedback', 'evaluate')),
  hours numeric(7, 2) not null check (hours > 0 and hours <= 8760),
  working_time boolean not null default true,
  primary key (urgency, step)
);
comment on table public.event_deadline is 'Hours allowed to reach a step after the previous one; working_time skips non-working days.';

-- Days that differ from the rule "Monday to Friday work": holidays, and weekend days worked (调休).
create table public.work_calendar (
  day date primary key,
  working boolean not null,
  note text not null default '' check (length(note) <= 100)
);
comment on table public.work_calendar is 'Exceptions to the Monday–Friday working week: public holidays and weekend working days.';

insert into public.event_deadline (urgency, step, hours, working_time) values
  ('urgent', 'report', 2, false), ('urgent', 'consult', 8, false), ('urgent', 'implement', 48, false),
  ('urgent', 'feedback', 24, false), ('urgent', 'evaluate', 72, true),
  ('normal', 'report', 24, true), ('normal', 'consult', 48, true), ('normal', 'implement', 120, true),
  ('normal', 'feedback', 48, true), ('normal', 'evaluate', 120, true);

-- ---------------------------------------------------------------- helpers
-- Whether `d` is a working day: the calendar's exception if any, else Monday to Friday.
create function private.is_working_day(d date) returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce((select c.working from public.work_calendar c where c.day = d), extract(isodow from d) < 6)
$$;

-- The moment `hours` after `start`; with `working_time`, only hours on working days count
-- (days in the district's time zone, Asia/Shanghai).
create function private.add_work_hours(start timestamptz, hours numeric, working_time boolean)
returns timestamptz
language plpgsql stable security definer set search_path = ''
as $$
declare
  left_s double precision := hours * 3600;
  cur timestamp := start at time zone 'Asia/Shanghai';
  day_end timestamp;
  room double precision;
begin
  if not working_time then
    return start + make_interval(secs => left_s);
  end if;
  for i in 1..1000 loop
    day_end := date_trunc('day', cur) + interval '1 day';
    if private.is_working_day(cur::date) then
      room := extract(epoch from day_end - cur);
      if left_s <= room then
        return (cur + make_interval(secs => left_s)) at time zone 'Asia/Shanghai';
      end if;
      left_s := left_s - room;
    end if;
    cur := day_end;
  end loop;
  raise exception 'gongzhi:whistle.calendar_closed';
end;
$$;

-- The deadline of reaching `next_step` from `start`, and the moment only a quarter of the time is left.
create function private.step_deadline(urgency text, next_step text, start timestamptz,
                                      out deadline timestamptz, out yellow_at timestamptz)
language plpgsql stable security definer set search_path = ''
as $$
declare
  d public.event_deadline;
begin
  select * into d from public.event_deadline x where x.urgency = step_deadline.urgency and x.step = next_step;
  if d.hours is null then
    return;
  end if;
  deadline := private.add_work_hours(start, d.hours, d.working_time);
  yellow_at := private.add_work_hours(start, d.hours * 0.75, d.working_time);
end;
$$;

-- The step after `step` in the order whistle → report → consult → implement → feedback → evaluate.
create function private.next_step(step text) returns text
language sql immutable set search_path = ''
as $$
  select (array['report', 'consult', 'implement', 'feedback', 'evaluate', null])[
    array_position(array['whistle', 'report', 'consult', 'implement', 'feedback', 'evaluate'], step)]
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.event_deadline enable row level security;
alter table public.work_calendar enable row level security;

-- Every staff member reads them; the district maintains them.
create policy "staff read the event time limits" on public.event_deadline
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the event time limits" on public.event_deadline
  for select to gongzhi_district using (true);
create policy "district staff add event time limits" on public.event_deadline
  for insert to gongzhi_district with check (true);
create policy "district staff change event time limits" on public.event_deadline
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove event time limits" on public.event_deadline
  for delete to gongzhi_district using (true);

create policy "staff read the work calendar" on public.work_calendar
  for select to authenticated using ((select private.staff_role()) is not null);
create policy "district staff read the work calendar" on public.work_calendar
  for select to gongzhi_district using (true);
create policy "district staff add calendar days" on public.work_calendar
  for insert to gongzhi_district with check (true);
create policy "district staff change calendar days" on public.work_calendar
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove calendar days" on public.work_calendar
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.is_working_day(date), private.add_work_hours(timestamptz, numeric, boolean),
  private.step_deadline(text, text, timestamptz), private.next_step(text) to authenticated, gongzhi_district;

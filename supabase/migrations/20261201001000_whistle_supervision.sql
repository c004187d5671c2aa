-- Whistle and report (吹哨报到), part 3: supervision (亮灯督办). An open event whose step deadline
-- passed is flagged as escalated to the street and tops the supervision board, sorted by lateness.
-- private.escalate_overdue runs whenever the board loads and hourly from cron
-- (`python -m gongzhi whistle escalate`).

-- ---------------------------------------------------------------- indexes
-- The board and the escalation: open events by deadline.
create index event_open_deadline_idx on public.event (deadline) where closed_at is null;

-- ---------------------------------------------------------------- functions
-- Flags open events whose step deadline passed by `at` (the real clock for signed-in users, so nobody
-- escalates the future), and records it in their timelines: the street sees them flagged.
create function private.escalate_overdue(clock_at timestamptz) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  n integer;
  clock timestamptz := case when auth.uid() is null then clock_at else least(clock_at, now()) end;
begin
  with flagged as (
    update public.event e set escalated_at = clock
    where e.closed_at is null and e.escalated_at is null and e.deadline < clock
    returning e.id, e.terr, e.step
  ), logged as (
    insert into public.event_timeline (event_id, terr, at, kind, step)
    select id, terr, clock, 'escalate', step from flagged returning 1
  )
  select count(*) into n from logged;
  return n;
end;
$$;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.escalate_overdue(timestamptz) to authenticated, gongzhi_district;

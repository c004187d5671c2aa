-- One home per rule: whether a write comes from another trigger is asked of
-- private.written_by_trigger(), as every other guard does, not of pg_trigger_depth() directly.
-- The whole bodies of private.guard_post (first written in 20261201001200_volunteer_posts_and_signups),
-- private.check_callup and private.check_emergency_part (20261205002700_emergency).
create or replace function private.guard_post() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.taken := 0;
  elsif new.taken <> old.taken and not private.written_by_trigger() then
    raise exception 'gongzhi:post.taken_is_counted';
  elsif new.capacity < new.taken then
    raise exception 'gongzhi:post.capacity_below_taken';
  elsif old.status <> new.status and not (old.status, new.status) in
        (('open', 'closed'), ('open', 'cancelled'), ('closed', 'open'), ('closed', 'cancelled')) then
    raise exception 'gongzhi:status.invalid_transition';
  end if;
  return new;
end;
$$;

create or replace function private.check_callup() RETURNS trigger
language plpgsql security definer set search_path = ''
as $$
declare
  s public.shift;
  e public.emergency;
  task text;
  log_id bigint;
begin
  if tg_op = 'UPDATE' and (new.shift_id <> old.shift_id or new.volunteer_id <> old.volunteer_id) then
    raise exception 'gongzhi:emergency.callup_fixed';
  end if;
  perform private.emergency_move('callup', case when tg_op = 'UPDATE' then old.status end, new.status);
  select * into s from public.shift where id = new.shift_id for update;
  select * into e from public.emergency where id = s.emergency_id;
  new.emergency_id := s.emergency_id;
  new.during := s.during;
  if tg_op = 'INSERT' then
    if e.status <> 'active' then
      raise exception 'gongzhi:emergency.ended';
    end if;
    if not exists (select from public.volunteer v where v.id = new.volunteer_id and v.active) then
      raise exception 'gongzhi:emergency.not_available';
    end if;
    if (select count(*) from public.callup c where c.shift_id = s.id and c.status <> 'cancelled') >= s.capacity then
      raise exception 'gongzhi:emergency.shift_full';
    end if;
    new.checked_in_at := null;
    new.checked_out_at := null;
    new.hours := null;
    new.service_log_id := null;
    return new;
  end if;
  if e.status <> 'active' and not private.written_by_trigger() then
    raise exception 'gongzhi:emergency.ended';
  end if;
  if new.status = old.status then
    new.checked_in_at := old.checked_in_at;
    new.checked_out_at := old.checked_out_at;
  elsif new.status = 'on_duty' then
    if now() < lower(s.during) - interval '1 hour' then
      raise exception 'gongzhi:emergency.too_early';
    end if;
    -- A stated time (entered late) is kept if it lies between an hour before the shift and now.
    new.checked_in_at := least(greatest(coalesce(new.checked_in_at, now()), lower(s.during) - interval '1 hour'), now());
  elsif new.status = 'done' then
    new.checked_out_at := least(greatest(coalesce(new.checked_out_at, now()), old.checked_in_at), now());
  end if;
  if new.status <> 'done' or old.status = 'done' then
    new.hours := old.hours;
    new.service_log_id := old.service_log_id;
    return new;
  end if;
  new.hours := least(24, greatest(0.1, round(extract(epoch from new.checked_out_at - new.checked_in_at) / 3600, 1)));
  select t.name into task from public.emergency_task t where t.id = s.task_id;
  insert into public.service_log (volunteer_id, served_on, hours, note, verified_at)
  values (new.volunteer_id, (new.checked_in_at at time zone 'Asia/Shanghai')::date, new.hours,
          left('战时：' || e.name || ' · ' || task, 500), now())
  returning id into log_id;
  new.service_log_id := log_id;
  return new;
end;
$$;

create or replace function private.check_emergency_part() RETURNS trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.emergency_id <> old.emergency_id then
    raise exception 'gongzhi:emergency.place_fixed';
  end if;
  -- The end of the emergency itself closes its organisations.
  if not (tg_table_name = 'emergency_org' and private.written_by_trigger()) then
    perform private.emergency_open(new.emergency_id);
  end if;
  if tg_table_name = 'emergency_org' then
    perform private.emergency_place(new.emergency_id, new.org_unit_id, array['grid']);
    if not private.written_by_trigger() and new.head_volunteer_id is not null and not exists (
        select from public.volunteer v join public.org_unit g on g.id = new.org_unit_id
        where v.id = new.head_volunteer_id and v.active and v.terr between g.terr and g.terr_hi) then
      raise exception 'gongzhi:emergency.head_not_resident';
    end if;
  elsif tg_table_name in ('shift', 'emergency_request') then
    perform private.emergency_place(new.emergency_id, new.org_unit_id, array['grid', 'building']);
  end if;
  if tg_table_name = 'shift' then
    if not exists (select from public.emergency_task t where t.id = new.task_id and t.emergency_id = new.emergency_id) then
      raise exception 'gongzhi:emergency.task_elsewhere';
    end if;
    if tg_op = 'UPDATE' then
      if (new.starts_at <> old.starts_at or new.ends_at <> old.ends_at or new.org_unit_id <> old.org_unit_id)
         and exists (select from public.callup c where c.shift_id = new.id and c.status <> 'cancelled') then
        raise exception 'gongzhi:emergency.shift_staffed';
      end if;
    end if;
  end if;
  return new;
end;
$$;

-- The 待办 home and notifications where staff already are (issue 22).
--
-- public.user_setting.home_seen_at: when the user last opened their home; the items that became
-- due since are marked new.
-- public.notify_robot: a 企业微信 (WeCom) group robot or 钉钉 (DingTalk) robot webhook of one org
-- unit or one department. The webhook address holds the robot's key, so only those who keep the
-- robot read it: district staff, street and community staff for their own unit, department staff
-- for their own department.
-- public.notification: one message to send per event, step and robot (dedup_key is unique), put
-- there and sent by `python -m gongzhi notify` (the owner); public.notification_log: one row per
-- message sent or tried. Both are read by those who keep the robot and written by nobody else.

-- ---------------------------------------------------------------- tables
alter table public.user_setting add column home_seen_at timestamptz;
comment on column public.user_setting.home_seen_at is 'When the user last opened their 待办 home; items due since then are marked new.';

create table public.notify_robot (
  id bigint generated always as identity primary key,
  org_unit_id bigint references public.org_unit (id) on delete cascade,
  department_id bigint references public.department (id) on delete cascade,
  kind text not null check (kind in ('wecom', 'dingtalk')),
  webhook_url text not null check (webhook_url ~ '^https?://[^[:space:]]+$' and length(webhook_url) <= 500),
  secret text check (length(secret) <= 200),
  events text[] not null default array['whistle', 'red', 'escalation', 'suggestion']
    check (events <@ array['whistle', 'red', 'escalation', 'suggestion'] and cardinality(events) >= 1),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((org_unit_id is null) <> (department_id is null))
);
comment on table public.notify_robot is 'A WeCom or DingTalk group robot of one org unit or department: where notifications go. webhook_url and secret (DingTalk 加签) are readable only by those who keep the robot.';

create table public.notification (
  id bigint generated always as identity primary key,
  dedup_key text not null unique check (length(dedup_key) <= 200),
  robot_id bigint not null references public.notify_robot (id) on delete cascade,
  org_unit_id bigint references public.org_unit (id) on delete cascade,
  department_id bigint references public.department (id) on delete cascade,
  kind text not null check (kind in ('whistle', 'red', 'escalation', 'suggestion')),
  event_id bigint references public.event (id) on delete cascade,
  step text,
  body text not null check (length(body) <= 500),
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  last_error text check (length(last_error) <= 300)
);
comment on table public.notification is 'A notification for one robot: one per event, step and robot (dedup_key). Written by the notify job; org_unit_id and department_id are the robot''s, for who reads it.';

create table public.notification_log (
  id bigint generated always as identity primary key,
  robot_id bigint references public.notify_robot (id) on delete set null,
  org_unit_id bigint references public.org_unit (id) on delete cascade,
  department_id bigint references public.department (id) on delete cascade,
  at timestamptz not null default now(),
  notifications integer not null check (notifications >= 0),
  attempt integer not null default 1,
  ok boolean not null,
  http_status integer,
  errcode integer,
  errmsg text check (length(errmsg) <= 300)
);
comment on table public.notification_log is 'One message sent (or tried) to a robot by the notify job: how many notifications it carried and what the robot answered.';

-- ---------------------------------------------------------------- indexes
-- The 待办 cards (gongzhi/todo.py) at a million demands: the demands waiting to be confirmed or
-- matched, by territory and needed-by date, and those in progress. Partial on status: a row changes
-- index only when its status changes (one demand at a time, or a page of them); the 对接会 writes
-- matches, not demand statuses. created_at never changes, so other updates stay HOT.
create index demand_new_terr_idx on public.demand (terr, needed_by) include (created_at) where status = 'new';
create index demand_in_progress_terr_idx on public.demand (terr) where status = 'in_progress';
-- Open events by territory with what the cards read (deadline, light, escalation), for index-only counts.
create index event_open_terr_idx on public.event (terr) include (deadline, yellow_at, escalated_at, step, step_at)
  where closed_at is null;
-- A department's summons still to report, and the open events it leads that wait for it.
create index event_department_unreported_idx on public.event_department (department_id, event_id) where reported_at is null;
create index event_open_lead_idx on public.event (lead_department_id) include (step_at)
  where closed_at is null and step in ('consult', 'implement');
create index notify_robot_org_unit_id_idx on public.notify_robot (org_unit_id);
create index notify_robot_department_id_idx on public.notify_robot (department_id);
create index notification_robot_pending_idx on public.notification (robot_id, next_attempt_at) where status = 'pending';
create index notification_robot_id_idx on public.notification (robot_id);
create index notification_org_unit_id_idx on public.notification (org_unit_id);
create index notification_department_id_idx on public.notification (department_id);
create index notification_event_id_idx on public.notification (event_id);
create index notification_log_robot_id_idx on public.notification_log (robot_id, at);
create index notification_log_org_unit_id_idx on public.notification_log (org_unit_id);
create index notification_log_department_id_idx on public.notification_log (department_id);

-- ---------------------------------------------------------------- triggers
create trigger notify_robot_touch before update on public.notify_robot
  for each row execute function private.touch();

-- ---------------------------------------------------------------- helpers
-- The org unit whose robots the signed-in user keeps: street and community staff keep their own
-- unit's (district staff keep every robot through their own policies); null for anyone else.
create function private.robot_unit_id() returns bigint
language sql stable security definer set search_path = ''
as $$ select s.org_unit_id from public.staff s
      where s.user_id = auth.uid() and s.active and s.role in ('street', 'community') $$;

-- ---------------------------------------------------------------- row-level security
alter table public.notify_robot enable row level security;
alter table public.notification enable row level security;
alter table public.notification_log enable row level security;

create policy "street and community staff read their own unit's robots" on public.notify_robot
  for select to authenticated using (org_unit_id = (select private.robot_unit_id()));
create policy "street and community staff add robots of their own unit" on public.notify_robot
  for insert to authenticated with check (org_unit_id = (select private.robot_unit_id()));
create policy "street and community staff change their own unit's robots" on public.notify_robot
  for update to authenticated using (org_unit_id = (select private.robot_unit_id()))
  with check (org_unit_id = (select private.robot_unit_id()));
create policy "street and community staff remove their own unit's robots" on public.notify_robot
  for delete to authenticated using (org_unit_id = (select private.robot_unit_id()));
create policy "departments read their own robots" on public.notify_robot
  for select to authenticated using (department_id = (select private.department_id()));
create policy "departments add robots of their own" on public.notify_robot
  for insert to authenticated with check (department_id = (select private.department_id()));
create policy "departments change their own robots" on public.notify_robot
  for update to authenticated using (department_id = (select private.department_id()))
  with check (department_id = (select private.department_id()));
create policy "departments remove their own robots" on public.notify_robot
  for delete to authenticated using (department_id = (select private.department_id()));
create policy "district staff read all robots" on public.notify_robot for select to gongzhi_district using (true);
create policy "district staff add robots" on public.notify_robot for insert to gongzhi_district with check (true);
create policy "district staff change robots" on public.notify_robot for update to gongzhi_district using (true) with check (true);
create policy "district staff remove robots" on public.notify_robot for delete to gongzhi_district using (true);

create policy "street and community staff read their own unit's notifications" on public.notification
  for select to authenticated using (org_unit_id = (select private.robot_unit_id()));
create policy "departments read their own notifications" on public.notification
  for select to authenticated using (department_id = (select private.department_id()));
create policy "district staff read all notifications" on public.notification for select to gongzhi_district using (true);

create policy "street and community staff read their own unit's sending log" on public.notification_log
  for select to authenticated using (org_unit_id = (select private.robot_unit_id()));
create policy "departments read their own notification log" on public.notification_log
  for select to authenticated using (department_id = (select private.department_id()));
create policy "district staff read the whole notification log" on public.notification_log
  for select to gongzhi_district using (true);

-- The second factor where the district requires it (see the second-factor migration).
create policy "staff present the second factor where the district requires it" on public.notify_robot
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.notification
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.notification_log
  as restrictive for all to authenticated, gongzhi_district using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.notify_robot, public.notification, public.notification_log
  from anon, authenticated, gongzhi_district;
grant select, delete on public.notify_robot to authenticated, gongzhi_district;
grant insert (org_unit_id, department_id, kind, webhook_url, secret, events, active),
      update (kind, webhook_url, secret, events, active) on public.notify_robot to authenticated, gongzhi_district;
grant select on public.notification, public.notification_log to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.robot_unit_id() to authenticated, gongzhi_district;

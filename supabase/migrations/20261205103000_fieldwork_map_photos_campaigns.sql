-- The grid worker's day, second part (issue #19): overdue visits on the map, photos on rounds and
-- findings, and campaigns (重点整治) a street creates, follows per grid and closes.
--
-- public.care_due_tally  the people to look after summed by territory code and due day, written only
--                        by triggers on care_person (active rows with a due day). The map's measure
--                        "overdue visits" sums the days before today for each grid, so a draw reads
--                        a few hundred tally rows instead of every person; it counts exactly what the
--                        home card 逾期未走访 counts (active and next_due_on < today).
-- photos                 two more kinds in private.photo_subject: 'visit' (a visit, patrol or campaign
--                        round) and 'finding'. A finding's photos stay on the finding; the demand or
--                        event it was reported up as shows them through the finding's link
--                        (gongzhi.photos.queries.linked), so nothing is copied.
-- public.campaign        target grids (empty: every grid of its territory), the rounds each target
--                        grid is to make over the period, and closed_at: a closed campaign is kept as
--                        it was (no change, no more rounds). A round must lie in a target grid.

-- ---------------------------------------------------------------- tables
create table public.care_due_tally (
  terr bigint not null,
  due_on date not null,
  n integer not null default 0,
  id bigint generated always as identity primary key,
  constraint care_due_tally_key unique (terr, due_on)
);
comment on table public.care_due_tally is 'Active people to look after summed by territory code and due day (next_due_on); written only by triggers on care_person. Overdue = the days before today.';

insert into private.photo_subject (kind, subject_table, staged, departments_attach) values
  ('visit', 'visit', false, false),
  ('finding', 'finding', false, false);

alter table public.campaign
  add column grids bigint[] not null default '{}' check (cardinality(grids) <= 200),
  add column rounds_per_grid integer not null default 1 check (rounds_per_grid between 1 and 100),
  add column closed_at timestamptz;
comment on column public.campaign.grids is 'The target grids (org_unit ids of kind grid inside the campaign''s territory); empty: every grid of the territory.';
comment on column public.campaign.rounds_per_grid is 'How many campaign rounds each target grid is to make over the period; due so far pro rata by days elapsed.';
comment on column public.campaign.closed_at is 'When the street (or the district) closed the campaign; a closed campaign takes no change and no round.';

-- ---------------------------------------------------------------- indexes
-- care_due_tally_key (terr, due_on) serves the policy and the measure.

-- ---------------------------------------------------------------- helpers
-- The tally after a statement on care_person: the old rows' keys less one, the new rows' plus one,
-- netted per key so that a change that keeps the key writes nothing; keys left at zero go.
create function private.care_due_tally_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.care_due_tally (terr, due_on, n)
    select terr, next_due_on, count(*) from new_rows where active and next_due_on is not null
    group by 1, 2 order by 1, 2
    on conflict (terr, due_on) do update set n = public.care_due_tally.n + excluded.n;
  elsif tg_op = 'DELETE' then
    insert into public.care_due_tally (terr, due_on, n)
    select terr, next_due_on, -count(*) from old_rows where active and next_due_on is not null
    group by 1, 2 order by 1, 2
    on conflict (terr, due_on) do update set n = public.care_due_tally.n + excluded.n;
    delete from public.care_due_tally t using (select distinct terr, next_due_on from old_rows) o
    where t.terr = o.terr and t.due_on = o.next_due_on and t.n = 0;
  else
    insert into public.care_due_tally (terr, due_on, n)
    select terr, due_on, sum(dn)::int from (
      select terr, next_due_on as due_on, -1 as dn from old_rows where active and next_due_on is not null
      union all
      select terr, next_due_on, 1 from new_rows where active and next_due_on is not null) d
    group by 1, 2 having sum(dn) <> 0 order by 1, 2
    on conflict (terr, due_on) do update set n = public.care_due_tally.n + excluded.n;
    delete from public.care_due_tally t using (select distinct terr, next_due_on from old_rows) o
    where t.terr = o.terr and t.due_on = o.next_due_on and t.n = 0;
  end if;
  return null;
end;
$$;

-- The tally again from the people themselves (after a bulk load with the triggers off).
create function private.rebuild_care_due_tally() returns void
language plpgsql security definer set search_path = ''
as $$
begin
  lock table public.care_due_tally in exclusive mode;
  delete from public.care_due_tally;
  insert into public.care_due_tally (terr, due_on, n)
  select terr, next_due_on, count(*) from public.care_person where active and next_due_on is not null
  group by 1, 2 order by 1, 2;
end;
$$;

-- A campaign's target grids must be grids inside its territory; a closed campaign takes no change
-- (only what the database itself keeps, such as created_by when an account goes).
create function private.campaign_checked() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.closed_at is not null
     and (new.org_unit_id, new.name, new.items, new.starts_on, new.ends_on, new.grids, new.rounds_per_grid, new.closed_at)
         is distinct from (old.org_unit_id, old.name, old.items, old.starts_on, old.ends_on, old.grids,
                           old.rounds_per_grid, old.closed_at) then
    raise exception 'gongzhi:fieldwork.campaign_closed' using errcode = 'check_violation';
  end if;
  if exists (select from unnest(new.grids) g(id)
             where not exists (select from public.org_unit o join public.org_unit c on c.id = new.org_unit_id
                               where o.id = g.id and o.kind = 'grid' and o.terr between c.terr and c.terr_hi)) then
    raise exception 'gongzhi:fieldwork.campaign_grid_outside' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

-- A visit moves its person's last visit day forward (never back: a late entry of an old visit
-- leaves a newer one standing). The person must lie in the visit's grid, and a campaign round's
-- campaign must be open, cover the day and have the round's grid among its targets.
-- (Replaces the body of 20261205002400_grid_worker_day.sql.)
create or replace function private.visit_checked() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.care_person_id is not null and not exists (
      select from public.care_person p where p.id = new.care_person_id and p.grid_id = new.grid_id) then
    raise exception 'gongzhi:fieldwork.person_elsewhere' using errcode = 'check_violation';
  end if;
  if new.campaign_id is not null then
    if exists (select from public.campaign c where c.id = new.campaign_id and c.closed_at is not null) then
      raise exception 'gongzhi:fieldwork.campaign_closed' using errcode = 'check_violation';
    end if;
    if not exists (
        select from public.campaign c join public.org_unit o on o.id = c.org_unit_id
        where c.id = new.campaign_id and new.terr between o.terr and o.terr_hi
          and new.visited_on between c.starts_on and c.ends_on
          and (cardinality(c.grids) = 0 or new.grid_id = any (c.grids))) then
      raise exception 'gongzhi:fieldwork.campaign_elsewhere' using errcode = 'check_violation';
    end if;
  end if;
  return new;
end;
$$;

select private.rebuild_care_due_tally();

-- ---------------------------------------------------------------- triggers
create trigger care_due_tally_insert after insert on public.care_person
  referencing new table as new_rows for each statement execute function private.care_due_tally_changed();
create trigger care_due_tally_update after update on public.care_person
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.care_due_tally_changed();
create trigger care_due_tally_delete after delete on public.care_person
  referencing old table as old_rows for each statement execute function private.care_due_tally_changed();

create trigger campaign_checked before insert or update on public.campaign
  for each row execute function private.campaign_checked();

create trigger visit_photos_deleted after delete on public.visit referencing old table as gone
  for each statement execute function private.photo_subject_deleted('visit');
create trigger finding_photos_deleted after delete on public.finding referencing old table as gone
  for each statement execute function private.photo_subject_deleted('finding');
create trigger visit_photos_moved after update on public.visit
  for each row when (new.terr is distinct from old.terr) execute function private.photo_subject_moved('visit');
create trigger finding_photos_moved after update on public.finding
  for each row when (new.terr is distinct from old.terr) execute function private.photo_subject_moved('finding');

-- ---------------------------------------------------------------- row-level security
alter table public.care_due_tally enable row level security;

create policy "staff read overdue tallies of their territory" on public.care_due_tally
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all overdue tallies" on public.care_due_tally
  for select to gongzhi_district using (true);
create policy "staff present the second factor where the district requires it" on public.care_due_tally
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.care_due_tally from anon, gongzhi_public;
revoke insert, update, delete, truncate on public.care_due_tally from authenticated, gongzhi_district;
grant select on public.care_due_tally to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

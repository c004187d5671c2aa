-- Hardening (issue #15): holes closed as classes, each for every client of the database.
--
--   1. personal data: every function that reads a beneficiary's phone or name applies the rule of
--      the masked view (the owning grid and the district only); the duplicate check no longer
--      compares hidden phones for street and community staff;
--   2. territory: street_id, community_id, grid_id, terr (and a match's resource_terr) are derived
--      on every insert and every update that touches them, on every table that carries them;
--   3. public text: what anon can write (applications) may not start like a spreadsheet formula
--      nor carry control characters;
--   4. the public sign-up: the sender is what the server saw (a setting the portal writes, or the
--      last address the platform's proxy appended), never the client-writable fingerprint column;
--      limits per sender, per phone and per community, no district-wide cap;
--   5. computed columns (an assessment's figures, resource.allocated, post.taken, org_unit.terr)
--      are written by the computation alone: column grants, or the existing guard triggers;
--   6. created_by is the signed-in user on insert and never changes afterwards;
--   7. a documented maximum for every amount of money;
--   8. a changed password or a disabled account ends every session of that user;
--  10. an application answers the same whether or not the phone is known (staff see the duplicate);
--      no title of invisible characters, no phone without 7–15 digits, no date outside 2000–2100;
--      the settings tables are audited.
-- New checks are added NOT VALID: they hold for every row written from now on, and a deployment
-- with older rows that break them keeps running (VALIDATE CONSTRAINT once those are corrected).

-- ---------------------------------------------------------------- tables
-- Failed local sign-ins, per email (known or not: the answer must not tell them apart) and per
-- client address; SHA-256 of each, never the text. Only the portal reads it, as the owner.
create table private.sign_in_failure (
  kind text not null check (kind in ('email', 'client')),
  key bytea not null check (length(key) = 32),
  at timestamptz not null default now()
);
comment on table private.sign_in_failure is 'Failed local sign-ins in the last minutes: SHA-256 of the email or the client address.';

alter table public.application add column duplicate boolean not null default false;
comment on column public.application.duplicate is
  'Set by the database: the phone already has a pending application or an active registration. Staff see it; the applicant is answered the same either way.';
comment on column public.application.fingerprint is
  'The sender as the server saw it (private.request_sender()); whatever a client writes here is replaced.';

comment on column public.assessment.hours is 'Computed by private.compute_assessment: hours served in the period.';
comment on column public.assessment.activities is 'Computed by private.compute_assessment: activities attended.';
comment on column public.assessment.rating is 'Computed by private.compute_assessment: average rating.';
comment on column public.assessment.matches is 'Computed by private.compute_assessment: completed matches of pledged resources.';
comment on column public.assessment.score is 'Computed by private.compute_assessment: the weighted score.';
comment on column public.assessment.computed_at is 'Computed by private.compute_assessment: when the row was last computed.';
comment on column public.resource.allocated is 'Computed by the match triggers (private.book_capacity): capacity held by live matches.';
comment on column public.post.taken is 'Computed by the sign-up triggers: confirmed sign-ups.';
comment on column public.org_unit.terr is 'Computed by private.place_org_unit when the unit is created; never changes.';

-- Text with at least one visible character: not only spaces or zero-width and format characters.
create function private.visible_text(t text) returns boolean
language sql immutable parallel safe set search_path = ''
as $$
  select t is null
      or t ~ '[^[:space:]\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u3000\ufeff]'
$$;

-- A phone number of 7 to 15 digits, optionally with a leading +, spaces and dashes.
create function private.valid_phone(p text) returns boolean
language sql immutable parallel safe set search_path = ''
as $$
  select p is null
      or (p ~ '^\+?[0-9][0-9 -]{4,19}$' and length(regexp_replace(p, '[^0-9]', '', 'g')) between 7 and 15)
$$;

-- Text that a spreadsheet would read as a formula, or that carries control characters.
create function private.unsafe_text(t text) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select case when t is null then null
              when t ~ '^[=+@\t\r-]' then 'field.error.formula'
              when t ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' then 'field.error.control' end
$$;

alter table public.demand
  add constraint demand_title_visible check (private.visible_text(title)) not valid,
  add constraint demand_phone_digits check (private.valid_phone(beneficiary_phone)) not valid,
  add constraint demand_needed_by_range check (needed_by between date '2000-01-01' and date '2100-12-31') not valid;
alter table public.resource
  add constraint resource_name_visible check (private.visible_text(name) and private.visible_text(provider)) not valid,
  add constraint resource_phone_digits check (private.valid_phone(contact_phone)) not valid,
  add constraint resource_dates_range check (available_from between date '2000-01-01' and date '2100-12-31'
                                             and available_to between date '2000-01-01' and date '2100-12-31') not valid;
alter table public.project
  add constraint project_name_visible check (private.visible_text(name)) not valid,
  add constraint project_money_max check (budget <= 9999999999.99 and spent <= 9999999999.99) not valid,
  add constraint project_beneficiaries_max check (beneficiaries <= 10000000) not valid,
  add constraint project_dates_range check (start_date between date '2000-01-01' and date '2100-12-31'
                                            and end_date between date '2000-01-01' and date '2100-12-31') not valid;
alter table public.project_milestone
  add constraint project_milestone_title_visible check (private.visible_text(title)) not valid,
  add constraint project_milestone_due_range check (due_date between date '2000-01-01' and date '2100-12-31') not valid;
alter table public.application
  add constraint application_name_visible check (private.visible_text(name)) not valid,
  add constraint application_phone_digits check (private.valid_phone(phone)) not valid;
alter table public.unit add constraint unit_phone_digits check (private.valid_phone(phone)) not valid;
alter table public.volunteer add constraint volunteer_phone_digits check (private.valid_phone(phone)) not valid;
alter table public.post add constraint post_title_visible check (private.visible_text(title)) not valid;
alter table public.event add constraint event_title_visible check (private.visible_text(title)) not valid;
comment on column public.project.budget is 'Yuan, two decimals, at most 9,999,999,999.99.';
comment on column public.project.spent is 'Yuan, two decimals, at most 9,999,999,999.99.';
comment on column public.project.beneficiaries is 'People served, at most 10,000,000.';

-- ---------------------------------------------------------------- indexes
create index sign_in_failure_key_idx on private.sign_in_failure (kind, key, at);
create index sign_in_failure_at_idx on private.sign_in_failure (at);
create index application_phone_created_idx on public.application (phone, created_at);
create index application_community_created_idx on public.application (community_id, created_at);

-- ---------------------------------------------------------------- helpers
-- Demands of the caller's territory that look like a new one (as before), except that the
-- beneficiary's phone is compared only where the caller may read it (the owning grid, the
-- district): street and community staff see masked phones and must not learn them by asking.
create or replace function private.demand_duplicates(p_org_unit_id bigint, p_category_id bigint, p_phone text,
                                                     p_title text, p_exclude bigint default null)
returns table (demand_id bigint, reason text, similarity real)
language sql stable security definer set search_path = ''
as $$
  with me as (
    select private.terr_lo() as lo, private.terr_hi() as hi,
           private.personal_terr_lo() as plo, private.personal_terr_hi() as phi
  ), grid as (
    select u.terr from public.org_unit u where u.id = p_org_unit_id and u.kind in ('grid', 'building')
  ), wanted as (
    select array(select distinct b from unnest(string_to_array(private.bigrams(btrim(p_title)), ' ')) b
                 where b <> '') as pieces
  ), by_phone as (
    select d.id, 'phone'::text as reason, 1::real as similarity
    from public.demand d, me
    where p_phone is not null and btrim(p_phone) <> ''
      and d.beneficiary_phone = btrim(p_phone) and d.category_id = p_category_id
      and d.created_at > now() - interval '30 days'
      and d.terr between me.lo and me.hi
      and d.terr between me.plo and me.phi
      and d.id is distinct from p_exclude
  ), by_title as (
    select d.id, 'title'::text,
           (select count(*) from unnest(w.pieces) p where p = any (x.pieces))::real
             / nullif(cardinality(array(select unnest(w.pieces) union select unnest(x.pieces))), 0) as similarity
    from public.demand d
    cross join me cross join wanted w
    join grid g on d.terr = g.terr
    cross join lateral (
      select array(select distinct b from unnest(string_to_array(private.bigrams(d.title), ' ')) b
                   where b <> '') as pieces) x
    where d.created_at > now() - interval '90 days'
      and d.status <> 'cancelled'
      and d.terr between me.lo and me.hi
      and d.id is distinct from p_exclude
      and cardinality(w.pieces) > 0
  )
  select id, reason, similarity from by_phone
  union all
  select id, 'title', similarity from by_title t
  where t.similarity >= 0.6 and t.id not in (select id from by_phone)
  order by 3 desc, 1 desc
  limit 10
$$;

-- Who sent the current request, as the server saw it: the portal writes the client address it
-- established (gongzhi.client_ip, from its trusted proxy list); through the platform's API, the
-- last address of X-Forwarded-For, which the platform's own proxy appends (the earlier entries
-- are whatever the client wrote). Never a value the client can choose; 'unknown' otherwise.
create function private.request_sender() returns text
language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(btrim(current_setting('gongzhi.client_ip', true)), ''),
    nullif(btrim((select a[array_upper(a, 1)] from (select string_to_array(
      coalesce(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for', ''), ',') as a) x)), ''),
    'unknown')
$$;

-- Row id for an audit image of a settings row (a day of the calendar, a routing or a deadline),
-- as well as of every row before: its id, else its user_id, else its composite key.
create or replace function private.audit_row_id(r jsonb) returns text
language sql stable
as $$
  select coalesce(r ->> 'id', r ->> 'user_id',
                  nullif(concat_ws('/', r ->> 'project_id', r ->> 'demand_id', r ->> 'resource_id'), ''),
                  r ->> 'day',
                  concat_ws('/', r ->> 'event_id', r ->> 'category_id', r ->> 'department_id', r ->> 'urgency', r ->> 'step'))
$$;

-- A district's password reset also lifts the lockout of the account's email.
create or replace function private.set_login_password(p_user uuid, p_password_hash text) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if private.staff_role() is distinct from 'district' then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  if not exists (select from public.staff s where s.user_id = p_user) then
    raise exception 'gongzhi:org.account.not_found' using errcode = 'no_data_found';
  end if;
  update auth.users set encrypted_password = p_password_hash, updated_at = now() where id = p_user;
  delete from auth.local_sign_in where user_id = p_user;
  delete from private.sign_in_failure f
  where f.kind = 'email' and f.key = (select sha256(convert_to(u.email, 'UTF8')) from auth.users u where u.id = p_user);
end;
$$;

-- ---------------------------------------------------------------- triggers
-- A new application from the public page or staff: pending and undecided; text that a
-- spreadsheet would run or that carries control characters is refused; a known phone is flagged
-- for staff (the applicant reads the same answer as anyone); at most 3 a day per phone. From the
-- public (anon), floods are refused per sender (3 in 10 minutes, 10 a day) and per community (60
-- an hour), so that a flood aimed at one community never locks out the rest of the district. The
-- sender is private.request_sender(), never the fingerprint a client writes; staff entries record
-- who entered them; the owner's own maintenance (no request claims) writes what it names.
create or replace function private.check_application() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  bad text;
  community bigint;
  claims text := coalesce(current_setting('request.jwt.claims', true), '');
  public_request boolean;
begin
  if tg_op = 'INSERT' then
    public_request := claims <> '' and coalesce(claims::jsonb ->> 'role', 'anon') = 'anon';
    if public_request then
      new.fingerprint := left(private.request_sender(), 100);
    elsif claims <> '' then
      new.fingerprint := 'staff:' || auth.uid();
    end if;
    select coalesce(private.unsafe_text(new.name), private.unsafe_text(new.contact_name),
                    private.unsafe_text(new.workplace), private.unsafe_text(new.availability),
                    private.unsafe_text(new.note),
                    (select min(private.unsafe_text(s)) from unnest(new.skills) s),
                    (select min(private.unsafe_text(o ->> 'name')) from jsonb_array_elements(new.offers) o))
      into bad;
    if bad is not null then
      raise exception 'gongzhi:%', bad using errcode = 'check_violation';
    end if;
    new.status := 'pending';
    new.decided_by := null;
    new.decided_at := null;
    new.created_at := now();
    perform pg_advisory_xact_lock(7308, hashtext(new.phone));
    if (select count(*) from public.application a
        where a.phone = new.phone and a.created_at > now() - interval '1 day') >= 3 then
      raise exception 'gongzhi:application.phone_too_many';
    end if;
    if public_request then
      select coalesce(o.community_id, o.id) into community from public.org_unit o where o.id = new.org_unit_id;
      perform pg_advisory_xact_lock(7309, hashtext(new.fingerprint));
      if (select count(*) from public.application a
          where a.fingerprint = new.fingerprint and a.created_at > now() - interval '10 minutes') >= 3
         or (select count(*) from public.application a
             where a.fingerprint = new.fingerprint and a.created_at > now() - interval '1 day') >= 10 then
        raise exception 'gongzhi:application.too_many';
      end if;
      if (select count(*) from public.application a
          where a.community_id = community and a.created_at > now() - interval '1 hour') >= 60 then
        raise exception 'gongzhi:application.community_busy';
      end if;
    end if;
    new.duplicate := exists (select from public.application a where a.phone = new.phone and a.status = 'pending')
       or exists (select from public.volunteer v where v.phone = new.phone and v.active and new.kind = 'volunteer')
       or exists (select from public.unit u where u.phone = new.phone and u.active and new.kind = 'unit');
    return new;
  end if;
  if old.status <> 'pending' and (new.status <> old.status or new.kind <> old.kind or new.phone <> old.phone) then
    raise exception 'gongzhi:application.decided';
  end if;
  new.duplicate := old.duplicate;
  new.fingerprint := old.fingerprint;
  if new.status <> old.status then
    new.decided_by := private.uid();
    new.decided_at := now();
  end if;
  return new;
end;
$$;

-- Territory kept on update: when a client rewrites street_id, community_id, grid_id or terr of a
-- row (or its org_unit_id), set_territory derives them again from org_unit_id. Inserts are derived
-- by the existing <table>_territory triggers. Only updates that touch those columns pay the lookup.
do $$
declare
  t text;
begin
  foreach t in array array['demand', 'resource', 'project', 'event', 'application', 'unit', 'volunteer',
                           'post', 'staff'] loop
    execute format($f$create trigger %1$s_territory_kept before update on public.%1$I for each row
      when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
            is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
      execute function private.set_territory()$f$, t);
  end loop;
end
$$;

-- A match lies where its demand lies; resource_terr is its resource's. Recomputed on any update
-- that touches them (inserts are checked whole by private.match_inserted).
create trigger match_territory_kept before update on public.match for each row
  when ((new.demand_id, new.resource_id, new.org_unit_id, new.street_id, new.community_id, new.grid_id,
         new.terr, new.resource_terr)
        is distinct from (old.demand_id, old.resource_id, old.org_unit_id, old.street_id, old.community_id,
                          old.grid_id, old.terr, old.resource_terr))
  execute function private.set_match_territory();

-- Rows that belong to a parent row take its territory again when a client rewrites it.
create trigger project_milestone_territory_kept before update on public.project_milestone for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('project', 'project_id');
create trigger project_demand_territory_kept before update on public.project_demand for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('project', 'project_id');
create trigger project_resource_territory_kept before update on public.project_resource for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('project', 'project_id');
create trigger event_demand_territory_kept before update on public.event_demand for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('event', 'event_id');
create trigger service_log_territory_kept before update on public.service_log for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('volunteer', 'volunteer_id');
create trigger signup_territory_kept before update on public.signup for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('post', 'post_id');
create trigger event_consult_territory_kept before update on public.event_consult for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('event', 'event_id');
create trigger event_department_territory_kept before update on public.event_department for each row
  when (new.terr is distinct from old.terr) execute function private.inherit_territory('event', 'event_id');
create trigger assessment_territory_kept before update on public.assessment for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.assessment_territory();

-- An org unit's ancestors (street_id, community_id, grid_id) are fixed when it is placed.
create function private.org_unit_ancestors_fixed() returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception 'gongzhi:org_unit.immutable' using errcode = 'check_violation';
end;
$$;

create trigger org_unit_ancestors_fixed before update on public.org_unit for each row
  when ((new.street_id, new.community_id, new.grid_id) is distinct from (old.street_id, old.community_id, old.grid_id))
  execute function private.org_unit_ancestors_fixed();

-- created_by is who inserted the row, from the request's identity (null for anon), and never
-- changes. The owner's own maintenance (seed, migrations: no request claims) writes what it names.
-- The WHEN clauses spare the call for rows that already name the right user (a batch of matches).
create function private.stamp_created_by() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if coalesce(current_setting('request.jwt.claims', true), '') = '' then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.created_by := auth.uid();
  else
    new.created_by := old.created_by;
  end if;
  return new;
end;
$$;

do $$
declare
  t text;
begin
  for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           join pg_attribute a on a.attrelid = c.oid
           where n.nspname = 'public' and c.relkind = 'r' and a.attname = 'created_by' and not a.attisdropped
           order by 1 loop
    execute format('create trigger %1$s_created_by before insert on public.%1$I for each row
                    when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by()', t);
    execute format('create trigger %1$s_created_by_kept before update on public.%1$I for each row
                    when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by()', t);
  end loop;
end
$$;

-- A new password or a disabled account ends every session of the user (private.staff_session);
-- TG_ARGV[0] names the column that holds the user's id.
create function private.end_sessions_of_user() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  delete from private.staff_session s where s.user_id = (to_jsonb(new) ->> tg_argv[0])::uuid;
  return null;
end;
$$;

create trigger users_end_sessions after update of encrypted_password on auth.users for each row
  when (new.encrypted_password is distinct from old.encrypted_password)
  execute function private.end_sessions_of_user('id');
create trigger staff_end_sessions after update of active on public.staff for each row
  when (old.active and not new.active)
  execute function private.end_sessions_of_user('user_id');

-- The settings tables join the audit trail.
select private.add_audit(t)
from unnest(array['event_routing', 'event_deadline', 'work_calendar', 'event_department', 'user_setting']) t;

-- ---------------------------------------------------------------- grants
revoke all on private.sign_in_failure from public, anon, authenticated, gongzhi_district;
-- The assessment's figures come from private.compute_assessment (runs as the owner); staff enter
-- only the residents' evaluation. New rows come from the computation too.
revoke insert, update on public.assessment from anon, authenticated, gongzhi_district;
grant update (evaluation) on public.assessment to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.visible_text(text), private.valid_phone(text), private.unsafe_text(text)
  to anon, authenticated, service_role, gongzhi_district;
grant execute on function private.set_login_password(uuid, text) to gongzhi_district;
grant execute on function private.personal_terr_lo(), private.personal_terr_hi(),
  private.demand_duplicates(bigint, bigint, text, text, bigint) to authenticated, gongzhi_district;

-- 民情意见箱 (the residents' suggestion box): a resident writes a suggestion, complaint or need to
-- a community through the public page, without an account, and follows it by a tracking code;
-- the community triages it (reply, turn into a demand or a whistle event, merge, close).
--
-- * Anonymous access is one function, public.submit_suggestion (security definer): the portal's
--   public role gongzhi_public may execute it and holds no privilege on the table; anon (the bare
--   API key) holds nothing at all, as for the other public forms. It checks
--   the input and the flood limits (per phone by blind index, per sender, per community; numbers
--   from the district's security settings) and returns the new row's id and its tracking code,
--   which is stored only as its SHA-256.
-- * public.suggestion_by_code returns, for a code, the status, its steps with their times and the
--   community's reply: never the message, the phone or anything else a resident wrote.
-- * Staff of the community (and the street and district above it) read and triage through RLS;
--   the status machine is public.status_transition with private.check_status, and
--   private.suggestion_changed checks each step's link (a demand or event of the same community,
--   a message of the same community, a reply when closing).
-- * Seams for features built beside this one: deliberation_id (a 五议 agenda item, status
--   'deliberation'; its foreign key is added by the deliberation migration) and photos (stored
--   by the generic photo store against ('suggestion', id): the submission returns the id so the
--   portal can attach the resident's photos in the same transaction).

-- ---------------------------------------------------------------- tables
alter table public.status_transition drop constraint status_transition_entity_check;
alter table public.status_transition add constraint status_transition_entity_check
  check (entity in ('demand', 'resource', 'project', 'match', 'suggestion'));

insert into public.status_transition (entity, from_status, to_status) values
  ('suggestion', null, 'received'),
  ('suggestion', 'received', 'accepted'), ('suggestion', 'received', 'demand'),
  ('suggestion', 'received', 'event'), ('suggestion', 'received', 'merged'),
  ('suggestion', 'received', 'deliberation'), ('suggestion', 'received', 'closed'),
  ('suggestion', 'accepted', 'demand'), ('suggestion', 'accepted', 'event'),
  ('suggestion', 'accepted', 'merged'), ('suggestion', 'accepted', 'deliberation'),
  ('suggestion', 'accepted', 'closed'),
  ('suggestion', 'demand', 'closed'), ('suggestion', 'event', 'closed'),
  ('suggestion', 'merged', 'closed'), ('suggestion', 'deliberation', 'closed'),
  ('suggestion', 'closed', 'accepted');

insert into public.privacy_notice (version, form, published_on) values ('suggestion_v1', 'suggestion', '2026-12-05');

create table public.suggestion (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  category_id bigint not null references public.category (id),
  kind text not null default 'suggestion' check (kind in ('suggestion', 'complaint', 'need')),
  body text not null check (length(btrim(body)) between 5 and 2000),
  phone_enc bytea,
  phone_bidx bytea,
  phone_masked text,
  notice_version text not null references public.privacy_notice (version),
  tracking_hash bytea not null check (octet_length(tracking_hash) = 32),
  sender_hash bytea check (octet_length(sender_hash) = 32),
  status text not null default 'received'
    check (status in ('received', 'accepted', 'demand', 'event', 'merged', 'deliberation', 'closed')),
  reply text check (length(reply) <= 2000),
  replied_at timestamptz,
  first_reply_at timestamptz,
  reply_due date not null default current_date,
  yellow_on date not null default current_date,
  demand_id bigint references public.demand (id) on delete set null,
  event_id bigint references public.event (id) on delete set null,
  merged_into_id bigint references public.suggestion (id) on delete set null,
  deliberation_id bigint,
  steps jsonb not null default '[]'::jsonb,
  handled_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint suggestion_phone_sealed check (private.sealed('phone', phone_enc, phone_bidx, phone_masked)),
  constraint suggestion_links check (
    (status <> 'demand' or demand_id is not null)
    and (status <> 'event' or event_id is not null)
    and (status <> 'deliberation' or deliberation_id is not null)
    and (status <> 'merged' or num_nonnulls(merged_into_id, demand_id, event_id) >= 1)
    and merged_into_id is distinct from id)
) with (fillfactor = 90);
comment on table public.suggestion is '民情意见箱: a resident''s message to a community through the public box, followed by a tracking code; photos attach through the photo store as (''suggestion'', id).';
comment on column public.suggestion.phone_enc is 'Personal data, SM4-GCM ciphertext written by the key-holding code; optional; read in full only through private.personal_cipher (unmasking, logged).';
comment on column public.suggestion.phone_bidx is 'Blind index (HMAC-SM3, keyed outside the database) of the resident''s phone: the per-phone flood limit.';
comment on column public.suggestion.phone_masked is 'The resident''s phone as shown: 138****8000.';
comment on column public.suggestion.tracking_hash is 'Computed by public.submit_suggestion: SHA-256 of the tracking code, which only the resident holds.';
comment on column public.suggestion.sender_hash is 'Computed by public.submit_suggestion: SHA-256 of the client address the server saw, for the per-sender flood limit.';
comment on column public.suggestion.reply_due is 'Computed by public.submit_suggestion: the last day of the first reply, suggestion.reply_working_days working days after receipt (public.work_calendar).';
comment on column public.suggestion.yellow_on is 'Computed by public.submit_suggestion: the day the light turns yellow, one working day before reply_due.';
comment on column public.suggestion.first_reply_at is 'Computed by private.suggestion_changed: when the community first replied or moved the message on.';
comment on column public.suggestion.replied_at is 'Computed by private.suggestion_changed: when the reply was last written.';
comment on column public.suggestion.steps is 'Computed by private.suggestion_changed: each status with its time, as the resident reads them by code.';
comment on column public.suggestion.handled_by is 'Computed by private.suggestion_changed: who took the last step.';
comment on column public.suggestion.deliberation_id is 'The 五议 agenda item the message became (status deliberation); its foreign key comes with the deliberation feature.';

-- ---------------------------------------------------------------- indexes
create index suggestion_terr_idx on public.suggestion (terr);
create index suggestion_org_unit_idx on public.suggestion (org_unit_id);
create index suggestion_street_idx on public.suggestion (street_id);
create index suggestion_community_idx on public.suggestion (community_id, created_at);
create index suggestion_grid_idx on public.suggestion (grid_id);
create index suggestion_category_idx on public.suggestion (category_id);
create index suggestion_notice_version_idx on public.suggestion (notice_version);
create index suggestion_demand_idx on public.suggestion (demand_id);
create index suggestion_event_idx on public.suggestion (event_id);
create index suggestion_merged_into_idx on public.suggestion (merged_into_id);
create index suggestion_handled_by_idx on public.suggestion (handled_by);
create unique index suggestion_tracking_idx on public.suggestion (tracking_hash);
create index suggestion_phone_idx on public.suggestion (phone_bidx, created_at) where phone_bidx is not null;
create index suggestion_sender_idx on public.suggestion (sender_hash, created_at) where sender_hash is not null;
-- The triage board: open messages of a territory, the most pressing first.
create index suggestion_board_idx on public.suggestion (terr, reply_due, id) where status in ('received', 'accepted');

-- ---------------------------------------------------------------- helpers
-- An integer district setting (public.security_setting), or its default when unset; the
-- defaults are those of gongzhi/security_settings.py.
create function private.security_int(p_key text, p_default integer) returns integer
language sql stable security definer set search_path = ''
as $$
  select coalesce((select case when jsonb_typeof(s.value) = 'number' then s.value::integer end
                   from public.security_setting s where s.key = p_key), p_default)
$$;

-- A tracking code: 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L), about 49
-- random bits from gen_random_uuid's strong source.
create function private.new_tracking_code() returns text
language sql volatile set search_path = ''
as $$
  select string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', get_byte(b, i) % 31 + 1, 1), '' order by i)
  from (select uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) as b) x,
       generate_series(0, 9) i
$$;

-- The stored form of a tracking code as a resident types it: upper case, spaces and dashes ignored.
create function private.tracking_hash(p_code text) returns bytea
language sql immutable set search_path = ''
as $$ select sha256(convert_to(upper(regexp_replace(coalesce(p_code, ''), '[\s-]', '', 'g')), 'UTF8')) $$;

-- ---------------------------------------------------------------- the public box
-- A resident's message to community `p_community` (its code), the one way in for the public. The phone is optional and arrives sealed by the key-holding code. Refused
-- with a gongzhi: key: an unknown community or category, bad text, a notice not of this form,
-- and the flood limits (per phone a day, per sender an hour, per community an hour). Returns the
-- new row's id (for the photo store) and the tracking code, shown once to the resident. Executed
-- by gongzhi_public only (the public page through the portal).
create function public.submit_suggestion(p_community text, p_category text, p_kind text, p_body text,
                                         p_phone_enc bytea, p_phone_bidx bytea, p_phone_masked text,
                                         p_notice_version text)
returns table (id bigint, code text)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  community bigint;
  category bigint;
  sender bytea := sha256(convert_to(private.request_sender(), 'UTF8'));
  days integer := private.security_int('suggestion.reply_working_days', 3);
  new_code text;
  new_id bigint;
begin
  select o.id into community from public.org_unit o where o.code = p_community and o.kind = 'community';
  if community is null then
    raise exception 'gongzhi:suggestion.unknown_community' using errcode = 'check_violation';
  end if;
  select c.id into category from public.category c where c.code = p_category;
  if category is null then
    raise exception 'gongzhi:suggestion.unknown_category' using errcode = 'check_violation';
  end if;
  if p_kind is null or p_kind not in ('suggestion', 'complaint', 'need') then
    raise exception 'gongzhi:suggestion.unknown_kind' using errcode = 'check_violation';
  end if;
  if length(btrim(coalesce(p_body, ''))) not between 5 and 2000 then
    raise exception 'gongzhi:suggestion.body_length' using errcode = 'check_violation';
  end if;
  if private.unsafe_text(p_body) is not null then
    raise exception 'gongzhi:%', private.unsafe_text(p_body) using errcode = 'check_violation';
  end if;
  if not exists (select from public.privacy_notice n where n.version = p_notice_version and n.form = 'suggestion') then
    raise exception 'gongzhi:privacy.notice_required' using errcode = 'check_violation';
  end if;
  if not private.sealed('phone', p_phone_enc, p_phone_bidx, p_phone_masked) then
    raise exception 'gongzhi:field.error.phone' using errcode = 'check_violation';
  end if;
  -- Flood limits, each counted under its own lock so that concurrent submissions queue.
  if p_phone_bidx is not null then
    perform pg_advisory_xact_lock(7401, hashtext(encode(p_phone_bidx, 'hex')));
    if (select count(*) from public.suggestion s
        where s.phone_bidx = p_phone_bidx and s.created_at > now() - interval '1 day')
       >= private.security_int('suggestion.per_phone_day', 5) then
      raise exception 'gongzhi:suggestion.phone_too_many' using errcode = 'check_violation';
    end if;
  end if;
  perform pg_advisory_xact_lock(7402, hashtext(encode(sender, 'hex')));
  if (select count(*) from public.suggestion s
      where s.sender_hash = sender and s.created_at > now() - interval '1 hour')
     >= private.security_int('suggestion.per_sender_hour', 10) then
    raise exception 'gongzhi:suggestion.too_many' using errcode = 'check_violation';
  end if;
  perform pg_advisory_xact_lock(7403, community::integer);
  if (select count(*) from public.suggestion s
      where s.community_id = community and s.created_at > now() - interval '1 hour')
     >= private.security_int('suggestion.per_community_hour', 200) then
    raise exception 'gongzhi:suggestion.community_busy' using errcode = 'check_violation';
  end if;
  new_code := private.new_tracking_code();
  insert into public.suggestion (org_unit_id, category_id, kind, body, phone_enc, phone_bidx, phone_masked,
                                 notice_version, tracking_hash, sender_hash, reply_due, yellow_on, steps)
  values (community, category, p_kind, btrim(p_body), p_phone_enc, p_phone_bidx, p_phone_masked,
          p_notice_version, private.tracking_hash(new_code), sender,
          private.add_working_days(current_date, days), private.add_working_days(current_date, days - 1),
          jsonb_build_array(jsonb_build_object('status', 'received', 'at', now())))
  returning suggestion.id into new_id;
  return query select new_id, new_code;
end;
$$;

-- What a tracking code shows: the community, category and kind, when it was received, its status,
-- each step with its time, and the community's reply. Never the message, the phone or the sender.
create function public.suggestion_by_code(p_code text)
returns table (community text, category_zh text, category_en text, kind text, received_at timestamptz,
               status text, steps jsonb, reply text, replied_at timestamptz)
language sql stable security definer set search_path = ''
as $$
  select o.name, c.name_zh, c.name_en, s.kind, s.created_at, s.status, s.steps, s.reply, s.replied_at
  from public.suggestion s
  join public.org_unit o on o.id = s.org_unit_id
  join public.category c on c.id = s.category_id
  where s.tracking_hash = private.tracking_hash(p_code)
$$;

-- Turning a message into a demand carries the resident's sealed phone into the demand's
-- beneficiary phone, as ciphertext: the caller (staff who see the message) learns nothing of it.
-- The demand must be of the message's community and hold no phone yet.
create function private.suggestion_phone_to_demand(p_suggestion bigint, p_demand bigint) returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  if not exists (select from public.suggestion s where s.id = p_suggestion
                 and (private.staff_role() = 'district'
                      or (private.staff_role() in ('community', 'street')
                          and s.terr between private.terr_lo() and private.terr_hi()))) then
    raise exception 'gongzhi:error.forbidden' using errcode = 'insufficient_privilege';
  end if;
  update public.demand d
     set beneficiary_phone_enc = s.phone_enc, beneficiary_phone_bidx = s.phone_bidx,
         beneficiary_phone_masked = s.phone_masked
    from public.suggestion s
   where s.id = p_suggestion and d.id = p_demand and d.community_id = s.community_id
     and s.phone_enc is not null and d.beneficiary_phone_enc is null;
end;
$$;

-- ---------------------------------------------------------------- triggers
-- A triage step: the computed columns are kept; a new status must bring its link (a demand or
-- event of the message's community, a message of the same community that is not merged itself),
-- closing needs a reply; the reply's times, the first reply and the steps the resident reads are
-- recorded here.
create function private.suggestion_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.tracking_hash := old.tracking_hash;
  new.sender_hash := old.sender_hash;
  new.reply_due := old.reply_due;
  new.yellow_on := old.yellow_on;
  new.created_at := old.created_at;
  new.body := old.body;
  new.notice_version := old.notice_version;
  new.steps := old.steps;
  new.first_reply_at := old.first_reply_at;
  new.replied_at := old.replied_at;
  new.handled_by := old.handled_by;
  new.updated_at := now();
  if new.demand_id is distinct from old.demand_id and new.demand_id is not null
     and not exists (select from public.demand d where d.id = new.demand_id and d.community_id = new.community_id) then
    raise exception 'gongzhi:suggestion.other_community' using errcode = 'check_violation';
  end if;
  if new.event_id is distinct from old.event_id and new.event_id is not null
     and not exists (select from public.event e where e.id = new.event_id and e.community_id = new.community_id) then
    raise exception 'gongzhi:suggestion.other_community' using errcode = 'check_violation';
  end if;
  if new.merged_into_id is distinct from old.merged_into_id and new.merged_into_id is not null then
    if new.merged_into_id = new.id then
      raise exception 'gongzhi:suggestion.merge_itself' using errcode = 'check_violation';
    end if;
    if not exists (select from public.suggestion s where s.id = new.merged_into_id
                   and s.community_id = new.community_id and s.status <> 'merged') then
      raise exception 'gongzhi:suggestion.other_community' using errcode = 'check_violation';
    end if;
  end if;
  if new.status = 'closed' and new.status <> old.status and length(btrim(coalesce(new.reply, ''))) = 0 then
    raise exception 'gongzhi:suggestion.reply_required' using errcode = 'check_violation';
  end if;
  if new.reply is distinct from old.reply then
    new.reply := nullif(btrim(new.reply), '');
    new.replied_at := now();
  end if;
  if new.status <> old.status then
    new.steps := old.steps || jsonb_build_array(jsonb_build_object('status', new.status, 'at', now()));
  end if;
  if new.first_reply_at is null and (new.reply is not null or new.status <> 'received') then
    new.first_reply_at := now();
  end if;
  if new.status <> old.status or new.reply is distinct from old.reply then
    new.handled_by := private.uid();
  end if;
  return new;
end;
$$;

create trigger suggestion_territory before insert or update of org_unit_id on public.suggestion
  for each row execute function private.set_territory();
create trigger suggestion_territory_kept before update on public.suggestion for each row
  when ((new.org_unit_id, new.street_id, new.community_id, new.grid_id, new.terr)
        is distinct from (old.org_unit_id, old.street_id, old.community_id, old.grid_id, old.terr))
  execute function private.set_territory();
create trigger suggestion_status before insert or update of status on public.suggestion
  for each row execute function private.check_status();
create trigger suggestion_changed before update on public.suggestion
  for each row execute function private.suggestion_changed();

select private.add_audit('suggestion');

-- ---------------------------------------------------------------- personal data
insert into private.encrypted_field (table_name, column_name, kind) values ('suggestion', 'phone', 'phone');

-- Every record holding the phone of open request `p_request` (by its blind index `p_bidx`), in
-- every table of the data inventory: which table, its key, and the record as JSON.
create or replace function private.subject_records(p_request bigint, p_bidx bytea)
returns table (source text, row_key text, data jsonb)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.subject_request_for(p_request, p_bidx);
  return query
    select 'demand'::text, d.id::text, to_jsonb(d) - private.subject_hidden()
      from public.demand d where d.beneficiary_phone_bidx = p_bidx
    union all
    select 'application', a.id::text, to_jsonb(a) - private.subject_hidden()
      from public.application a where a.phone_bidx = p_bidx
    union all
    select 'volunteer', v.id::text, to_jsonb(v) - private.subject_hidden()
      from public.volunteer v where v.phone_bidx = p_bidx
    union all
    select 'unit', u.id::text, to_jsonb(u) - private.subject_hidden()
      from public.unit u where u.phone_bidx = p_bidx
    union all
    select 'resource', r.id::text, to_jsonb(r) - private.subject_hidden()
      from public.resource r where r.contact_phone_bidx = p_bidx
    union all
    select 'staff', s.user_id::text, to_jsonb(s) - private.subject_hidden()
      from public.staff s where s.phone_bidx = p_bidx
    union all
    select 'suggestion', g.id::text, to_jsonb(g) - private.subject_hidden() - array['tracking_hash', 'sender_hash']
      from public.suggestion g where g.phone_bidx = p_bidx
    order by 1, 2;
end;
$$;

-- Correct or erase (`p_erase`) the phone of open request `p_request` in every record holding it
-- (by blind index), as the privacy migration's version did, and in the suggestion box's messages.
create or replace function private.subject_rewrite(p_request bigint, p_bidx bytea, p_erase boolean,
                                                   p_enc bytea, p_new_bidx bytea, p_masked text) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  changed integer := 0;
  n integer;
  erase boolean := coalesce(p_erase, false);
  keep_enc bytea := case when erase then null else p_enc end;
  keep_bidx bytea := case when erase then null else p_new_bidx end;
  keep_masked text := case when erase then null else p_masked end;
begin
  perform private.subject_request_for(p_request, p_bidx);
  if p_enc is null or not private.sealed('phone', p_enc, p_new_bidx, p_masked) then
    raise exception 'gongzhi:subject_request.bad_phone' using errcode = 'check_violation';
  end if;
  update public.demand set beneficiary_phone_enc = keep_enc, beneficiary_phone_bidx = keep_bidx,
         beneficiary_phone_masked = keep_masked,
         beneficiary_name = case when erase then null else beneficiary_name end
   where beneficiary_phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  alter table public.application disable trigger application_check;
  update public.application set phone_enc = p_enc, phone_bidx = p_new_bidx, phone_masked = p_masked,
         name = case when erase then '已匿名' else name end,
         contact_name = case when erase then null else contact_name end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  alter table public.application enable trigger application_check;
  update public.volunteer set phone_enc = p_enc, phone_bidx = p_new_bidx, phone_masked = p_masked,
         name = case when erase then '已匿名' else name end,
         active = case when erase then false else active end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.unit set phone_enc = p_enc, phone_bidx = p_new_bidx, phone_masked = p_masked,
         contact_name = case when erase then null else contact_name end,
         active = case when erase then false else active end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.resource set contact_phone_enc = keep_enc, contact_phone_bidx = keep_bidx,
         contact_phone_masked = keep_masked
   where contact_phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.staff set phone_enc = keep_enc, phone_bidx = keep_bidx, phone_masked = keep_masked
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.suggestion set phone_enc = keep_enc, phone_bidx = keep_bidx, phone_masked = keep_masked
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  return changed;
end;
$$;

-- ---------------------------------------------------------------- row-level security
alter table public.suggestion enable row level security;

-- A community's box is its staff's and the street's above it; grid and department staff see none.
create policy "community and street staff read their suggestions" on public.suggestion
  for select to authenticated
  using ((select private.staff_role()) in ('community', 'street')
         and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "community and street staff triage their suggestions" on public.suggestion
  for update to authenticated
  using ((select private.staff_role()) in ('community', 'street')
         and terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check ((select private.staff_role()) in ('community', 'street')
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all suggestions" on public.suggestion
  for select to gongzhi_district using (true);
create policy "district staff triage all suggestions" on public.suggestion
  for update to gongzhi_district using (true) with check (true);
create policy "staff present the second factor where the district requires it" on public.suggestion
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.suggestion from anon, authenticated, gongzhi_district;
grant select (id, org_unit_id, street_id, community_id, grid_id, terr, category_id, kind, body, phone_masked,
              notice_version, status, reply, replied_at, first_reply_at, reply_due, yellow_on, demand_id,
              event_id, merged_into_id, deliberation_id, steps, handled_by, created_at, updated_at)
  on public.suggestion to authenticated, gongzhi_district;
grant update (status, reply, demand_id, event_id, merged_into_id, deliberation_id)
  on public.suggestion to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on function public.submit_suggestion(text, text, text, text, bytea, bytea, text, text),
  public.suggestion_by_code(text) from public, anon, authenticated, service_role;
-- The public page reaches them through the portal as gongzhi_public (anon holds nothing, as for
-- the other public forms): the one way in and the one way to read.
grant execute on function public.submit_suggestion(text, text, text, text, bytea, bytea, text, text),
  public.suggestion_by_code(text) to gongzhi_public;
revoke execute on all functions in schema private from public;
grant execute on function private.suggestion_phone_to_demand(bigint, bigint) to authenticated, gongzhi_district;

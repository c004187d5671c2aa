-- 随手拍 on the suggestion box (issue 18): a resident may attach photos to a message on the public
-- page, in the same transaction as the message.
--
-- * `suggestion` becomes a photo subject kind (one row in private.photo_subject and the delete and
--   move triggers, as the other kinds have): a message's photos are visible exactly to the staff
--   who see the message (community and street above it, the district), through the photo
--   policies that ask public.suggestion under the caller's row-level security.
-- * The public role gets no privilege on public.photo. Its one way to add a photo is
--   public.submit_suggestion_with_photos, which submits the message through
--   public.submit_suggestion (every check and flood limit of the box) and records the photos of
--   that new message only, under the district's limits: photos per message, bytes per photo
--   (after re-encoding) and photos per community a day (security settings
--   suggestion.photos_per_message, suggestion.photo_max_mb, suggestion.photos_per_community_day).
--   The portal puts the cleaned bytes in the photo store inside the same transaction; a refusal
--   or a failed store leaves neither message nor photo.
-- * The tracking code never shows photos (they may show faces).
-- * Per-client limits on code look-ups: a tracking code that names no message and a vote code
--   that names no ballot are each recorded in private.code_lookup_failure against the client
--   (SHA-256 of private.request_sender(), the address the portal established server-side, as
--   for the public sign-ups). After codes.failures_per_client failures within
--   codes.failure_window_minutes, public.suggestion_by_code and private.deliberation_ballot
--   refuse every look-up of that client with gongzhi:codes.too_many (请稍后再试) until the window
--   has passed. An unknown code therefore answers with no row instead of an error (the
--   failure must survive the transaction), and the portal says "not found" itself.
--   Both functions are replaced here with their whole bodies.

-- ---------------------------------------------------------------- tables
insert into private.photo_subject (kind, subject_table, staged, departments_attach) values
  ('suggestion', 'suggestion', false, false);

create table private.code_lookup_failure (
  kind text not null check (kind in ('tracking', 'vote')),
  client bytea not null check (octet_length(client) = 32),
  at timestamptz not null default now()
);
comment on table private.code_lookup_failure is 'Look-ups of unknown tracking or vote codes in the last window: SHA-256 of the client address.';

-- ---------------------------------------------------------------- indexes
create index code_lookup_failure_client_idx on private.code_lookup_failure (kind, client, at);
create index code_lookup_failure_at_idx on private.code_lookup_failure (at);
-- The per-community daily limit counts the public's photos of a community's messages.
create index photo_suggestion_day_idx on public.photo (terr, created_at) where subject_kind = 'suggestion';

-- ---------------------------------------------------------------- helpers
-- The limits the public page shows and checks first (the function below checks them again):
-- photos per message and the largest photo in bytes.
create function public.suggestion_photo_limits()
returns table (per_message integer, max_bytes bigint)
language sql stable security definer set search_path = ''
as $$
  select private.security_int('suggestion.photos_per_message', 3),
         private.security_int('suggestion.photo_max_mb', 5)::bigint * 1024 * 1024
$$;

-- A resident's message with photos, the one way the public adds a photo. `p_photos` is a JSON
-- array, one object per photo already cleaned by the portal (gongzhi.photos.images):
-- {"name": 32 hex digits, "content_type": image/jpeg|png|webp, "size_bytes", "width", "height"}.
-- The message goes through public.submit_suggestion (its checks, flood limits and the
-- community's lock, which also serialises the count below); then each photo is recorded against
-- the new message with its store keys. Refused with a gongzhi: key: too many photos, a photo too
-- large, the community's photos for the day used up, a malformed entry. Returns the message's id,
-- its tracking code and the keys the portal must store, in the order given.
create function public.submit_suggestion_with_photos(p_community text, p_category text, p_kind text, p_body text,
                                                     p_phone_enc bytea, p_phone_bidx bytea, p_phone_masked text,
                                                     p_notice_version text, p_photos jsonb)
returns table (id bigint, code text, photos jsonb)
language plpgsql volatile security definer set search_path = ''
as $$
declare
  wanted jsonb := coalesce(p_photos, '[]'::jsonb);
  new_id bigint;
  new_code text;
  community_terr bigint;
  max_bytes bigint := private.security_int('suggestion.photo_max_mb', 5)::bigint * 1024 * 1024;
  entry jsonb;
  ext text;
  k_object text;
  k_thumb text;
  stored jsonb := '[]'::jsonb;
begin
  if jsonb_typeof(wanted) <> 'array' then
    raise exception 'gongzhi:suggestion.photo_bad' using errcode = 'check_violation';
  end if;
  if jsonb_array_length(wanted) > private.security_int('suggestion.photos_per_message', 3) then
    raise exception 'gongzhi:suggestion.photos_too_many' using errcode = 'check_violation';
  end if;
  select s.id, s.code into new_id, new_code
    from public.submit_suggestion(p_community, p_category, p_kind, p_body, p_phone_enc, p_phone_bidx,
                                  p_phone_masked, p_notice_version) s;
  if jsonb_array_length(wanted) = 0 then
    return query select new_id, new_code, stored;
    return;
  end if;
  select g.terr into community_terr from public.suggestion g where g.id = new_id;
  if (select count(*) from public.photo p
      where p.subject_kind = 'suggestion' and p.terr = community_terr and p.created_by is null
        and p.created_at > now() - interval '1 day') + jsonb_array_length(wanted)
     > private.security_int('suggestion.photos_per_community_day', 200) then
    raise exception 'gongzhi:suggestion.photos_community_busy' using errcode = 'check_violation';
  end if;
  for entry in select e from jsonb_array_elements(wanted) e loop
    if jsonb_typeof(entry) is distinct from 'object' or coalesce(entry ->> 'name', '') !~ '^[0-9a-f]{32}$'
       or jsonb_typeof(entry -> 'size_bytes') is distinct from 'number' or jsonb_typeof(entry -> 'width') is distinct from 'number'
       or jsonb_typeof(entry -> 'height') is distinct from 'number' then
      raise exception 'gongzhi:suggestion.photo_bad' using errcode = 'check_violation';
    end if;
    ext := case entry ->> 'content_type' when 'image/jpeg' then 'jpg' when 'image/png' then 'png'
                                         when 'image/webp' then 'webp' end;
    if ext is null then
      raise exception 'gongzhi:photos.bad_type' using errcode = 'check_violation';
    end if;
    if (entry ->> 'size_bytes')::numeric > max_bytes then
      raise exception 'gongzhi:suggestion.photo_too_large' using errcode = 'check_violation';
    end if;
    if (entry ->> 'size_bytes')::numeric < 1
       or (entry ->> 'width')::numeric not between 1 and 20000
       or (entry ->> 'height')::numeric not between 1 and 20000 then
      raise exception 'gongzhi:suggestion.photo_bad' using errcode = 'check_violation';
    end if;
    k_object := format('suggestion/%s/%s.%s', new_id, entry ->> 'name', ext);
    k_thumb := format('suggestion/%s/%s.thumb.jpg', new_id, entry ->> 'name');
    insert into public.photo (subject_kind, subject_id, object_key, thumb_key, content_type, size_bytes, width, height)
    values ('suggestion', new_id, k_object, k_thumb, entry ->> 'content_type', (entry ->> 'size_bytes')::integer,
            (entry ->> 'width')::integer, (entry ->> 'height')::integer);
    stored := stored || jsonb_build_array(jsonb_build_object('object_key', k_object, 'thumb_key', k_thumb));
  end loop;
  return query select new_id, new_code, stored;
end;
$$;

-- The client of this request as the failure log keys it (SHA-256 of its address).
create function private.code_client() returns bytea
language sql stable set search_path = ''
as $$ select sha256(convert_to(private.request_sender(), 'UTF8')) $$;

-- Refuses (gongzhi:codes.too_many) a client that looked up too many unknown `p_kind` codes in
-- the window; its look-ups of that kind queue behind one lock so that parallel guesses count.
create function private.code_lookup_allowed(p_kind text) returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  me bytea := private.code_client();
begin
  perform pg_advisory_xact_lock(7404, hashtext(p_kind || encode(me, 'hex')));
  if (select count(*) from private.code_lookup_failure f
      where f.kind = p_kind and f.client = me
        and f.at > now() - make_interval(mins => private.security_int('codes.failure_window_minutes', 15)))
     >= private.security_int('codes.failures_per_client', 10) then
    raise exception 'gongzhi:codes.too_many' using errcode = 'check_violation';
  end if;
end;
$$;

-- Records a look-up of an unknown `p_kind` code by this client, and forgets failures older than a day.
create function private.code_lookup_failed(p_kind text) returns void
language plpgsql volatile security definer set search_path = ''
as $$
begin
  delete from private.code_lookup_failure f where f.at < now() - interval '1 day';
  insert into private.code_lookup_failure (kind, client) values (p_kind, private.code_client());
end;
$$;

-- What a tracking code shows: the community, category and kind, when it was received, its status,
-- each step with its time, and the community's reply. Never the message, the phone, the sender or
-- a photo. A code naming no message returns no row and counts against the client's limit.
create or replace function public.suggestion_by_code(p_code text)
returns table (community text, category_zh text, category_en text, kind text, received_at timestamptz,
               status text, steps jsonb, reply text, replied_at timestamptz)
language plpgsql volatile security definer set search_path = ''
as $$
begin
  perform private.code_lookup_allowed('tracking');
  return query
    select o.name, c.name_zh, c.name_en, s.kind, s.created_at, s.status, s.steps, s.reply, s.replied_at
    from public.suggestion s
    join public.org_unit o on o.id = s.org_unit_id
    join public.category c on c.id = s.category_id
    where s.tracking_hash = private.tracking_hash(p_code);
  if not found then
    perform private.code_lookup_failed('tracking');
  end if;
end;
$$;

-- The public vote (公议), the one thing the signed-out page may do: with a vote code, read the
-- item's notice; with a choice too, vote once. The code is looked up by its hash; a code that is
-- used or outside the notice period votes nothing and says why; an unknown code returns no row
-- and counts against the client's limit. Runs as the owner.
create or replace function private.deliberation_ballot(p_code text, p_choice text default null)
returns table (title text, community text, notice_text text, notice_from date, notice_until date, voted boolean)
language plpgsql security definer set search_path = ''
as $$
declare
  c public.deliberation_code;
  d public.deliberation;
  k bytea;
begin
  perform private.code_lookup_allowed('vote');
  select * into c from public.deliberation_code x
  where x.code_hash = encode(sha256(convert_to(upper(btrim(coalesce(p_code, ''))), 'UTF8')), 'hex')
  for update;
  if not found then
    perform private.code_lookup_failed('vote');
    return;
  end if;
  select * into d from public.deliberation x where x.id = c.deliberation_id;
  if d.status <> 'voting' or current_date not between d.notice_from and d.notice_until then
    raise exception 'gongzhi:deliberation.vote_closed';
  end if;
  if p_choice is not null then
    if p_choice not in ('yes', 'no', 'abstain') then
      raise exception 'gongzhi:deliberation.bad_choice';
    end if;
    if c.used then
      raise exception 'gongzhi:deliberation.code_used';
    end if;
    update public.deliberation_code set used = true where id = c.id;
    insert into private.deliberation_key (deliberation_id) values (d.id) on conflict do nothing;
    select x.key into k from private.deliberation_key x where x.deliberation_id = d.id;
    insert into public.deliberation_vote (deliberation_id, terr, choice, seal)
    values (d.id, d.terr, p_choice, sha256(k || convert_to(c.code_hash, 'UTF8')));
    c.used := true;
  end if;
  return query
    select d.title, o.name, d.notice_text, d.notice_from, d.notice_until, c.used
    from public.org_unit o where o.id = d.org_unit_id;
end;
$$;

-- ---------------------------------------------------------------- triggers
create trigger suggestion_photos_deleted after delete on public.suggestion referencing old table as gone
  for each statement execute function private.photo_subject_deleted('suggestion');
create trigger suggestion_photos_moved after update on public.suggestion
  for each row when (new.terr is distinct from old.terr) execute function private.photo_subject_moved('suggestion');

-- ---------------------------------------------------------------- grants
-- The failure log is the definer functions' alone.
revoke all on private.code_lookup_failure from public, anon, authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on function public.submit_suggestion_with_photos(text, text, text, text, bytea, bytea, text, text, jsonb),
  public.suggestion_photo_limits() from public, anon, authenticated, service_role;
grant execute on function public.submit_suggestion_with_photos(text, text, text, text, bytea, bytea, text, text, jsonb),
  public.suggestion_photo_limits() to gongzhi_public;
-- The box page reads the limits with its other public choices (communities, categories).
grant execute on function public.suggestion_photo_limits() to gongzhi_auth;
revoke execute on all functions in schema private from public;
grant execute on function private.deliberation_ballot(text, text) to gongzhi_public;

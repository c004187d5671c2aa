-- Residents' data rights on the sealed phones: the privacy work (20261205001000) was written
-- against the plain-text phone columns that the encryption at rest (20261205000600) replaced by
-- <col>_enc / <col>_bidx / <col>_masked.
--
-- * A subject request is bound to its resident's phone by the phone's blind index
--   (`phone_bidx`, HMAC-SM3 keyed outside the database) instead of an unkeyed SHA-256, which the
--   10^11 phone numbers let anyone brute-force. The key-holding code computes it; no client reads it.
--   Requests recorded before this migration have no blind index (the key is not in the database):
--   staff record them again.
-- * Searching, correcting and erasing compare blind indexes and write sealed values the
--   key-holding code computed (the database checks their shape with private.sealed). Erasing
--   empties a phone that may be empty, and writes the sealed marker (the phone 0000000, shown
--   *******) where a phone is required — the same marker the retention job writes.
-- * The notices: a public form inserts as gongzhi_public (anon writes nothing any more); that
--   insert must name its notice.

-- ---------------------------------------------------------------- the request's phone
alter table public.subject_request
  add column phone_bidx bytea check (octet_length(phone_bidx) = 32),
  drop column phone_hash;
comment on column public.subject_request.phone_bidx is 'Blind index (HMAC-SM3, keyed outside the database) of the resident''s phone: the only phone a search or change of this request accepts. Readable by no client role.';

drop function private.subject_records(bigint, text);
drop function private.subject_rewrite(bigint, text, text);
drop function private.subject_request_for(bigint, text);
drop function private.subject_phone_hash(text);

-- The open request `p_request` that the caller may handle (community staff of its territory,
-- district staff) and whose recorded phone has the blind index `p_bidx`; refused otherwise, so a
-- search, copy or change is always tied to a request staff recorded for that very phone.
create function private.subject_request_for(p_request bigint, p_bidx bytea) returns bigint
language plpgsql stable security definer set search_path = ''
as $$
declare
  role text := private.staff_role();
begin
  if not exists (
      select from public.subject_request r
      where r.id = p_request and r.status = 'open'
        and (role = 'district'
             or (role = 'community' and r.terr between private.terr_lo() and private.terr_hi()))) then
    raise exception 'gongzhi:subject_request.not_yours' using errcode = 'insufficient_privilege';
  end if;
  if p_bidx is null or not exists (select from public.subject_request r
                                   where r.id = p_request and r.phone_bidx = p_bidx) then
    raise exception 'gongzhi:subject_request.other_phone' using errcode = 'check_violation';
  end if;
  return p_request;
end;
$$;

-- Columns of a record that a copy leaves out: territory codes, hashes, ciphertexts and blind
-- indexes, the sender, who entered it. The masked phone stays (the resident knows their phone).
create or replace function private.subject_hidden() returns text[]
language sql immutable set search_path = ''
as $$ select array['street_id', 'community_id', 'grid_id', 'terr', 'code_hash', 'fingerprint', 'created_by',
                   'decided_by', 'beneficiary_name_masked', 'resource_ids',
                   'beneficiary_phone_enc', 'beneficiary_phone_bidx', 'phone_enc', 'phone_bidx',
                   'contact_phone_enc', 'contact_phone_bidx']::text[] $$;

-- Every record holding the phone of open request `p_request` (by its blind index `p_bidx`), in
-- every table of the data inventory: which table, its key, and the record as JSON.
create function private.subject_records(p_request bigint, p_bidx bytea)
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
    order by 1, 2;
end;
$$;

-- Correct or erase (`p_erase`) the phone of open request `p_request` in every record holding it
-- (by blind index). Correcting writes the sealed new phone (`p_enc`, `p_new_bidx`, `p_masked`);
-- erasing empties the phone where it may be empty and writes the given sealed marker where it is
-- required, empties the names beside it and ends the volunteer or unit registration. Decided
-- applications are changed past their guard trigger, for this call only. Returns how many
-- records changed.
create function private.subject_rewrite(p_request bigint, p_bidx bytea, p_erase boolean,
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
  return changed;
end;
$$;

-- ---------------------------------------------------------------- notices
-- A submission from the public form (through the portal as gongzhi_public; a sign-up marked
-- `via = 'public'`) must name the notice its form showed, of that form.
create or replace function private.require_notice() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  claims text := coalesce(current_setting('request.jwt.claims', true), '');
  public_request boolean;
  expected_form text := case tg_table_name when 'application' then 'application' else 'claim' end;
begin
  if tg_table_name = 'signup' then
    public_request := new.via = 'public';   -- any other sign-up by gongzhi_public is refused by signup_seat
  else
    public_request := current_setting('role', true) = 'gongzhi_public'
      or (claims <> '' and coalesce(claims::jsonb ->> 'role', 'anon') = 'anon');
  end if;
  if public_request and not exists (select from public.privacy_notice n
                                    where n.version = new.notice_version and n.form = expected_form) then
    raise exception 'gongzhi:privacy.notice_required' using errcode = 'check_violation';
  end if;
  return new;
end;
$$;

-- ---------------------------------------------------------------- grants
revoke insert (notice_version) on public.application from anon;
revoke insert (notice_version) on public.signup from anon;
grant insert (notice_version) on public.application to gongzhi_public;
grant insert (notice_version) on public.signup to gongzhi_public;
grant insert (phone_bidx) on public.subject_request to authenticated, gongzhi_district;

revoke execute on all functions in schema private from public;
grant execute on function private.subject_request_for(bigint, bytea),
  private.subject_records(bigint, bytea), private.subject_rewrite(bigint, bytea, boolean, bytea, bytea, text)
  to authenticated, gongzhi_district;

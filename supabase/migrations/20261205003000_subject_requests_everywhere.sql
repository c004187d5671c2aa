-- A resident's request (查阅、复制、更正、删除) reaches every table holding their phone: the suggestion
-- box and the people-to-look-after ledger were built side by side, and each replaced the two
-- request functions with its own table added; these hold both.

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
    select 'care_person', c.id::text, to_jsonb(c) - private.subject_hidden()
      from public.care_person c where c.phone_bidx = p_bidx
    union all
    select 'suggestion', g.id::text, to_jsonb(g) - private.subject_hidden() - array['tracking_hash', 'sender_hash']
      from public.suggestion g where g.phone_bidx = p_bidx
    order by 1, 2;
end;
$$;

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
  update public.care_person set phone_enc = keep_enc, phone_bidx = keep_bidx, phone_masked = keep_masked,
         person_name = case when erase then '已匿名' else person_name end,
         person_name_masked = case when erase then '已匿名' else person_name_masked end,
         home_address = case when erase then '' else home_address end,
         id_number_enc = case when erase then null else id_number_enc end,
         id_number_bidx = case when erase then null else id_number_bidx end,
         id_number_masked = case when erase then null else id_number_masked end,
         active = case when erase then false else active end
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  update public.suggestion set phone_enc = keep_enc, phone_bidx = keep_bidx, phone_masked = keep_masked
   where phone_bidx = p_bidx;
  get diagnostics n = row_count; changed := changed + n;
  return changed;
end;
$$;


-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.subject_records(bigint, bytea),
  private.subject_rewrite(bigint, bytea, boolean, bytea, bytea, text) to authenticated, gongzhi_district;

-- A page's beneficiary phones as ciphertext in one call, for code that holds the data key and may
-- show them in full (the owning grid, the district: the same territory rule as
-- `private.beneficiary_phone_cipher`). That function answers one demand and works out the caller's
-- territory on every call (two staff look-ups and the password check): fifty calls for a page of
-- fifty cost more than the page. This one works it out once for the whole list of ids. Demands
-- outside the caller's territory, or without a phone, are simply not in the answer.
create function private.beneficiary_phone_ciphers(p_ids bigint[]) returns table (id bigint, enc bytea)
language sql stable security definer set search_path = ''
as $$
  select d.id, d.beneficiary_phone_enc
  from (select private.personal_terr_lo() as lo, private.personal_terr_hi() as hi) t
  join public.demand d on d.terr between t.lo and t.hi
  where d.id = any (p_ids) and d.beneficiary_phone_enc is not null
$$;
revoke all on function private.beneficiary_phone_ciphers(bigint[]) from public;
grant execute on function private.beneficiary_phone_ciphers(bigint[]) to authenticated, gongzhi_district;

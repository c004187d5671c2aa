-- Every vote code that cannot vote counts against the client's look-up limit (issue 18).
--
-- Until now private.deliberation_ballot recorded a failure in private.code_lookup_failure only for
-- a code that names no ballot. A code that was already used answered the item's notice and "voted"
-- without counting, and a code of an item outside its notice period raised
-- gongzhi:deliberation.vote_closed, which rolled the request back, a failure with it: a guesser
-- could probe with such codes for free, and a code of a vote that opens tomorrow answered
-- differently from a wrong one, telling the guesser to come back.
--
-- Now, whatever the code's state, an attempt that cannot vote counts, and nothing raises after the
-- failure is recorded (the record must survive the request):
-- * unknown code, or a code of an item that is not open for voting today (before the notice
--   period, after it, or no longer under 公议): no row — the same answer, so the two cannot be
--   told apart — and one failure;
-- * a used code: one row with state 'used' and nothing of the item (no title, community or
--   notice), and one failure; the resident who voted with it knows the item, a guesser learns
--   nothing that brings a vote closer;
-- * a code that can vote: state 'open' (a look-up: the notice) or 'voted' (the vote it just cast),
--   not counted — a household voting behind one address is not held back by its own codes.
-- A choice other than yes / no / abstain is refused before the code is looked at, so a bad choice
-- probes nothing. The return type gains `state`, so the function is dropped and created again with
-- its whole body; its privileges are those of the deliberation migration (gongzhi_public only).

-- ---------------------------------------------------------------- functions
drop function private.deliberation_ballot(text, text);

-- The public vote (公议), the one thing the signed-out page may do: with a vote code, read the
-- item's notice; with a choice too, vote once. The code is looked up by its hash. Every attempt
-- with a code that cannot vote is recorded against the client (private.code_lookup_failed) and
-- answered without raising: no row for an unknown code and for an item not open for voting, a row
-- with state 'used' and nothing else for a used code. Runs as the owner.
create function private.deliberation_ballot(p_code text, p_choice text default null)
returns table (state text, title text, community text, notice_text text, notice_from date, notice_until date,
               voted boolean)
language plpgsql security definer set search_path = ''
as $$
declare
  c public.deliberation_code;
  d public.deliberation;
  k bytea;
begin
  if p_choice is not null and p_choice not in ('yes', 'no', 'abstain') then
    raise exception 'gongzhi:deliberation.bad_choice';
  end if;
  perform private.code_lookup_allowed('vote');
  select * into c from public.deliberation_code x
  where x.code_hash = encode(sha256(convert_to(upper(btrim(coalesce(p_code, ''))), 'UTF8')), 'hex')
  for update;
  if not found then
    perform private.code_lookup_failed('vote');
    return;
  end if;
  select * into d from public.deliberation x where x.id = c.deliberation_id;
  if d.status <> 'voting' or d.notice_from is null or current_date not between d.notice_from and d.notice_until then
    perform private.code_lookup_failed('vote');
    return;
  end if;
  if c.used then
    perform private.code_lookup_failed('vote');
    return query select 'used'::text, null::text, null::text, null::text, null::date, null::date, true;
    return;
  end if;
  if p_choice is not null then
    update public.deliberation_code set used = true where id = c.id;
    insert into private.deliberation_key (deliberation_id) values (d.id) on conflict do nothing;
    select x.key into k from private.deliberation_key x where x.deliberation_id = d.id;
    insert into public.deliberation_vote (deliberation_id, terr, choice, seal)
    values (d.id, d.terr, p_choice, sha256(k || convert_to(c.code_hash, 'UTF8')));
  end if;
  return query
    select case when p_choice is null then 'open' else 'voted' end, d.title, o.name, d.notice_text,
           d.notice_from, d.notice_until, p_choice is not null
    from public.org_unit o where o.id = d.org_unit_id;
end;
$$;

comment on table private.code_lookup_failure is 'Look-ups that found nothing to show in the last window: unknown tracking codes; vote codes that are unknown, used or not open for voting. SHA-256 of the client address.';

-- ---------------------------------------------------------------- function privileges
revoke all on function private.deliberation_ballot(text, text) from public, anon, authenticated;
grant execute on function private.deliberation_ballot(text, text) to gongzhi_public;

revoke execute on all functions in schema private from public;

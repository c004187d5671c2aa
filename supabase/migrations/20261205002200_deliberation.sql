-- 五议 deliberation (issue 18): a community's major affair decided in five stages —
-- 提议 (proposed by the party organisation, residents or a unit), 动议 (the community committee takes
-- it up, or declines it with a reason), 商议 (a consultation meeting: date, participants, minutes),
-- 公议 (a public notice period and a resident vote: by vote codes staff hand out, and a tally counted
-- at the meeting; quorum and result computed here), 评议 (an evaluation after implementation, with
-- residents' ratings). An approved item becomes a project in 项目清单 (deliberation.project_id).
--
-- The stage machine is public.status_transition (entity 'deliberation') with private.check_status;
-- private.deliberation_stage refuses a stage entered without what it needs and does what entering
-- it means. Every stage is a line of public.deliberation_step (written by the database alone) and,
-- like every change of the item, an entry of the audit trail.
--
-- Votes are anonymous: a vote stores its choice and a seal, nothing else — no code, no time, no
-- sequence. The seal is sha256(per-item secret key || the code's hash): one vote per code is a
-- unique constraint, and without the key (in private, read by no client) nobody can tell which code
-- cast which vote. Codes are made by the portal from a CSPRNG and stored only hashed; a code is
-- used once. Nobody reads or writes votes except through private.deliberation_ballot (the public
-- vote page, as gongzhi_public) and private.deliberation_result (the counts, for staff of the item's
-- territory). Votes and codes are not in the row audit: its timestamps would tie a code's use to a
-- vote.
--
-- Seam for the 民情意见箱 (suggestion box, built in parallel): deliberation.suggestion_id names the
-- message an item came from (the foreign key to public.suggestion is added when both are merged);
-- the triage path is to insert a deliberation with proposer_kind 'residents' and suggestion_id set,
-- as gongzhi.deliberation.commands.propose(user, form, suggestion_id=…) does.

-- ---------------------------------------------------------------- tables
alter table public.status_transition drop constraint status_transition_entity_check;
alter table public.status_transition add constraint status_transition_entity_check
  check (entity in ('demand', 'resource', 'project', 'match', 'suggestion', 'deliberation'));

insert into public.status_transition (entity, from_status, to_status) values
  ('deliberation', null, 'proposed'),
  ('deliberation', 'proposed', 'accepted'), ('deliberation', 'proposed', 'declined'),
  ('deliberation', 'accepted', 'consulted'),
  ('deliberation', 'consulted', 'voting'),
  ('deliberation', 'voting', 'approved'), ('deliberation', 'voting', 'rejected'),
  ('deliberation', 'approved', 'evaluated');

create table public.deliberation (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  proposer_kind text not null check (proposer_kind in ('party', 'residents', 'unit')),
  proposer text not null check (length(btrim(proposer)) between 1 and 100),
  suggestion_id bigint,
  status text not null default 'proposed' constraint deliberation_status_stored
    check (status in ('proposed', 'accepted', 'declined', 'consulted', 'voting', 'approved', 'rejected', 'evaluated')),
  proposed_on date not null default current_date,
  motion_on date,
  decline_reason text check (length(decline_reason) <= 1000),
  meeting_on date,
  meeting_place text check (length(meeting_place) <= 200),
  participants text check (length(participants) <= 1000),
  minutes text check (length(minutes) <= 10000),
  notice_text text check (length(notice_text) <= 5000),
  notice_from date,
  notice_until date,
  electorate integer check (electorate between 1 and 100000),
  quorum integer check (quorum >= 1),
  meeting_yes integer not null default 0 check (meeting_yes >= 0),
  meeting_no integer not null default 0 check (meeting_no >= 0),
  meeting_abstain integer not null default 0 check (meeting_abstain >= 0),
  closed_on date,
  project_id bigint unique references public.project (id) on delete set null,
  evaluated_on date,
  evaluation text check (length(evaluation) <= 5000),
  rating_satisfied integer not null default 0 check (rating_satisfied >= 0),
  rating_basic integer not null default 0 check (rating_basic >= 0),
  rating_unsatisfied integer not null default 0 check (rating_unsatisfied >= 0),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint deliberation_notice_order check (notice_until is null or notice_from is null or notice_until >= notice_from),
  constraint deliberation_quorum_within_electorate check (quorum is null or electorate is null or quorum <= electorate)
);
comment on table public.deliberation is '五议: a community''s major affair moving 提议 → 动议 → 商议 → 公议 → 评议; an approved one becomes a project.';
comment on column public.deliberation.suggestion_id is
  'The 民情意见箱 message this item came from (public.suggestion, linked when the suggestion box is merged); null when staff proposed it.';
comment on column public.deliberation.proposer is 'Who proposed it, as an organisation or a group (社区党委, 3号楼居民, 某单位): never a resident''s personal data.';
comment on column public.deliberation.closed_on is 'Computed: the day 公议 closed (private.deliberation_stage).';
comment on column public.deliberation.project_id is 'Computed: the 项目清单 project an approved item became (private.deliberation_stage).';

-- 五议 timeline: one line per stage entered, written by the database alone.
create table public.deliberation_step (
  id bigint generated always as identity primary key,
  deliberation_id bigint not null references public.deliberation (id) on delete cascade,
  terr bigint not null default 0,
  status text not null,
  at timestamptz not null default now(),
  actor uuid,
  note text not null default ''
);
comment on table public.deliberation_step is '五议 history: each stage an item entered, when and by whom; written by private.deliberation_stepped.';

-- A vote code: handed to one resident household by staff; stored only as its hash; used once.
create table public.deliberation_code (
  id bigint generated always as identity primary key,
  deliberation_id bigint not null references public.deliberation (id) on delete cascade,
  terr bigint not null default 0,
  code_hash text not null unique check (code_hash ~ '^[0-9a-f]{64}$'),
  used boolean not null default false,
  issued_on date not null default current_date
);
comment on table public.deliberation_code is '公议 vote codes: sha256 of each code staff handed out; used once (private.deliberation_ballot).';
comment on column public.deliberation_code.used is 'Computed: set when the code votes (private.deliberation_ballot).';

-- An anonymous vote: its choice and a seal; no code, no time, no order.
create table public.deliberation_vote (
  id uuid primary key default gen_random_uuid(),
  deliberation_id bigint not null references public.deliberation (id) on delete cascade,
  terr bigint not null default 0,
  choice text not null check (choice in ('yes', 'no', 'abstain')),
  seal bytea not null constraint deliberation_vote_once_per_code unique
);
comment on table public.deliberation_vote is '公议 votes, anonymous: the seal (sha256 of the item''s private key and the code''s hash) is unique, so a code votes once.';

-- The per-item secret behind the seals; read by no client.
create table private.deliberation_key (
  deliberation_id bigint primary key references public.deliberation (id) on delete cascade,
  key bytea not null default (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
);

-- ---------------------------------------------------------------- indexes
create index deliberation_terr_idx on public.deliberation (terr, id);
create index deliberation_org_unit_id_idx on public.deliberation (org_unit_id);
create index deliberation_created_by_idx on public.deliberation (created_by);
create index deliberation_suggestion_id_idx on public.deliberation (suggestion_id);
create index deliberation_step_deliberation_id_idx on public.deliberation_step (deliberation_id, at);
create index deliberation_step_terr_idx on public.deliberation_step (terr);
create index deliberation_code_deliberation_id_idx on public.deliberation_code (deliberation_id);
create index deliberation_code_terr_idx on public.deliberation_code (terr);
create index deliberation_vote_deliberation_id_idx on public.deliberation_vote (deliberation_id);
create index deliberation_vote_terr_idx on public.deliberation_vote (terr);

-- ---------------------------------------------------------------- helpers
-- The votes of item `p_id` in full — codes and the meeting's tally — and what they decide: the
-- quorum is met when at least `quorum` votes were cast (abstentions count), and the item is
-- approved when the quorum is met and more than half the votes cast are yes. Unchecked: callers
-- are the stage trigger and private.deliberation_result.
create function private.deliberation_count(p_id bigint)
returns table (yes integer, no integer, abstain integer, turnout integer, quorum_met boolean, outcome text)
language sql stable security definer set search_path = ''
as $$
  with v as (
    select d.quorum,
           d.meeting_yes + (select count(*) from public.deliberation_vote x where x.deliberation_id = d.id and x.choice = 'yes')::int as yes,
           d.meeting_no + (select count(*) from public.deliberation_vote x where x.deliberation_id = d.id and x.choice = 'no')::int as no,
           d.meeting_abstain + (select count(*) from public.deliberation_vote x where x.deliberation_id = d.id and x.choice = 'abstain')::int as abstain
    from public.deliberation d where d.id = p_id
  )
  select yes, no, abstain, yes + no + abstain,
         quorum is not null and yes + no + abstain >= quorum,
         case when quorum is not null and yes + no + abstain >= quorum and yes * 2 > yes + no + abstain
              then 'approved' else 'rejected' end
  from v
$$;

-- The count of item `p_id` for staff who may read the item (its territory, the grids of its
-- community, the district); nothing for anyone else. While the notice period runs only the turnout
-- and whether the quorum is met are shown: a live count of choices would tell staff who watch a
-- resident vote how they voted.
create function private.deliberation_result(p_id bigint)
returns table (yes integer, no integer, abstain integer, turnout integer, quorum_met boolean, outcome text)
language sql stable security definer set search_path = ''
as $$
  select case when running then null else c.yes end, case when running then null else c.no end,
         case when running then null else c.abstain end, c.turnout, c.quorum_met,
         case when running then null else c.outcome end
  from public.deliberation d
  cross join lateral (select d.status = 'voting' and current_date <= d.notice_until as running) r
  cross join lateral private.deliberation_count(d.id) c
  where d.id = p_id
    and (d.terr between private.terr_lo() and private.terr_hi() or d.terr = any (private.terr_above()))
$$;

-- Deliberations sit at a community or below (a grid, a building): a street or the district has none.
create function private.check_deliberation_place() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.org_unit o where o.id = new.org_unit_id
                 and o.kind in ('community', 'grid', 'building')) then
    raise exception 'gongzhi:deliberation.not_community';
  end if;
  return new;
end;
$$;

-- What entering each stage needs and does (the move itself is checked by private.check_status):
-- 动议 declined needs a reason; 商议 needs the meeting's date, participants and minutes; 公议 needs
-- the notice, its period, the electorate and the quorum; the result may be recorded only after the
-- notice period and must be the one the votes decide (an approved item becomes a project); 评议
-- needs the project done and the evaluation. The meeting's tally changes only during 公议.
create function private.deliberation_stage() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  counted record;
  project_status text;
begin
  if tg_op = 'INSERT' then
    new.closed_on := null;
    new.project_id := null;
    if new.meeting_yes + new.meeting_no + new.meeting_abstain > 0 then
      raise exception 'gongzhi:deliberation.tally_closed';
    end if;
    return new;
  end if;
  if (new.meeting_yes, new.meeting_no, new.meeting_abstain) is distinct from
     (old.meeting_yes, old.meeting_no, old.meeting_abstain) and old.status <> 'voting' then
    raise exception 'gongzhi:deliberation.tally_closed';
  end if;
  if (new.notice_text, new.notice_from, new.electorate, new.quorum) is distinct from
     (old.notice_text, old.notice_from, old.electorate, old.quorum) and old.status in ('voting', 'approved', 'rejected', 'evaluated') then
    raise exception 'gongzhi:deliberation.notice_fixed';
  end if;
  if new.status is distinct from old.status then
    if new.status in ('accepted', 'declined') then
      new.motion_on := coalesce(new.motion_on, current_date);
    end if;
    if new.status = 'declined' and coalesce(btrim(new.decline_reason), '') = '' then
      raise exception 'gongzhi:deliberation.reason_required';
    elsif new.status = 'consulted' and (new.meeting_on is null or coalesce(btrim(new.participants), '') = ''
                                       or coalesce(btrim(new.minutes), '') = '') then
      raise exception 'gongzhi:deliberation.meeting_required';
    elsif new.status = 'voting' and (coalesce(btrim(new.notice_text), '') = '' or new.notice_from is null
                                    or new.notice_until is null or new.electorate is null or new.quorum is null) then
      raise exception 'gongzhi:deliberation.notice_required';
    elsif new.status in ('approved', 'rejected') then
      if current_date <= new.notice_until then
        raise exception 'gongzhi:deliberation.notice_running';
      end if;
      select * into counted from private.deliberation_count(new.id);
      if counted.outcome is distinct from new.status then
        raise exception 'gongzhi:deliberation.result_mismatch';
      end if;
      new.closed_on := current_date;
      if new.status = 'approved' then
        insert into public.project (org_unit_id, kind, name, description)
        values (new.org_unit_id, 'livelihood', left(new.title, 200), left(new.description, 5000))
        returning id into new.project_id;
      end if;
    elsif new.status = 'evaluated' then
      select p.status into project_status from public.project p where p.id = new.project_id;
      if project_status is distinct from 'done' then
        raise exception 'gongzhi:deliberation.not_implemented';
      end if;
      if coalesce(btrim(new.evaluation), '') = '' then
        raise exception 'gongzhi:deliberation.evaluation_required';
      end if;
      new.evaluated_on := coalesce(new.evaluated_on, current_date);
    end if;
  elsif new.closed_on is distinct from old.closed_on or new.project_id is distinct from old.project_id then
    raise exception 'gongzhi:deliberation.computed';
  end if;
  return new;
end;
$$;

-- A line of the 五议 history for each stage entered, with what the stage recorded.
create function private.deliberation_stepped() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.deliberation_step (deliberation_id, terr, status, actor, note)
  values (new.id, new.terr, new.status, auth.uid(),
          left(case new.status
                 when 'proposed' then new.proposer
                 when 'declined' then new.decline_reason
                 when 'consulted' then concat_ws(' · ', new.meeting_on::text, new.meeting_place, new.participants)
                 when 'voting' then concat_ws(' ~ ', new.notice_from::text, new.notice_until::text)
                 when 'evaluated' then new.evaluation
                 else '' end, 1000));
  return null;
end;
$$;

-- Vote codes are handed out before or during 公议, never after it.
create function private.check_deliberation_code() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select from public.deliberation d where d.id = new.deliberation_id
                 and d.status in ('consulted', 'voting')) then
    raise exception 'gongzhi:deliberation.codes_closed';
  end if;
  new.used := false;
  return new;
end;
$$;

-- The public vote (公议), the one thing the signed-out page may do: with a vote code, read the
-- item's notice; with a choice too, vote once. The code is looked up by its hash; a code that is
-- unknown, used, or outside the notice period votes nothing and says why. Runs as the owner.
create function private.deliberation_ballot(p_code text, p_choice text default null)
returns table (title text, community text, notice_text text, notice_from date, notice_until date, voted boolean)
language plpgsql security definer set search_path = ''
as $$
declare
  c public.deliberation_code;
  d public.deliberation;
  k bytea;
begin
  select * into c from public.deliberation_code x
  where x.code_hash = encode(sha256(convert_to(upper(btrim(coalesce(p_code, ''))), 'UTF8')), 'hex')
  for update;
  if not found then
    raise exception 'gongzhi:deliberation.bad_code';
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
create trigger deliberation_territory before insert or update of org_unit_id on public.deliberation
  for each row execute function private.set_territory();
create trigger deliberation_territory_kept before update on public.deliberation
  for each row when (new.org_unit_id is distinct from old.org_unit_id or new.street_id is distinct from old.street_id
                     or new.community_id is distinct from old.community_id or new.grid_id is distinct from old.grid_id
                     or new.terr is distinct from old.terr)
  execute function private.set_territory();
create trigger deliberation_place before insert or update of org_unit_id on public.deliberation
  for each row execute function private.check_deliberation_place();
create trigger deliberation_status before insert or update of status on public.deliberation
  for each row execute function private.check_status();
-- After deliberation_status (triggers run by name): a move the machine refuses says so first.
create trigger deliberation_to_stage before insert or update on public.deliberation
  for each row execute function private.deliberation_stage();
create trigger deliberation_stepped after insert or update of status on public.deliberation
  for each row execute function private.deliberation_stepped();
create trigger deliberation_touch before update on public.deliberation
  for each row execute function private.touch();
create trigger deliberation_created_by before insert on public.deliberation
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger deliberation_created_by_kept before update on public.deliberation
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger deliberation_step_territory before insert or update of deliberation_id on public.deliberation_step
  for each row execute function private.inherit_territory('deliberation', 'deliberation_id');
create trigger deliberation_step_territory_kept before update on public.deliberation_step
  for each row when (new.terr is distinct from old.terr)
  execute function private.inherit_territory('deliberation', 'deliberation_id');
create trigger deliberation_code_territory before insert or update of deliberation_id on public.deliberation_code
  for each row execute function private.inherit_territory('deliberation', 'deliberation_id');
create trigger deliberation_code_territory_kept before update on public.deliberation_code
  for each row when (new.terr is distinct from old.terr)
  execute function private.inherit_territory('deliberation', 'deliberation_id');
create trigger deliberation_code_check before insert on public.deliberation_code
  for each row execute function private.check_deliberation_code();
create trigger deliberation_vote_territory before insert or update of deliberation_id on public.deliberation_vote
  for each row execute function private.inherit_territory('deliberation', 'deliberation_id');
create trigger deliberation_vote_territory_kept before update on public.deliberation_vote
  for each row when (new.terr is distinct from old.terr)
  execute function private.inherit_territory('deliberation', 'deliberation_id');

select private.add_audit('deliberation');

-- ---------------------------------------------------------------- row-level security
alter table public.deliberation enable row level security;
alter table public.deliberation_step enable row level security;
alter table public.deliberation_code enable row level security;
alter table public.deliberation_vote enable row level security;

-- Items: read in their territory and by the grids of their community; proposed and moved from
-- stage to stage by community staff of their territory; street and district staff read.
create policy "staff read deliberations serving their territory" on public.deliberation
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "community staff propose deliberations in their territory" on public.deliberation
  for insert to authenticated
  with check ((select private.staff_role()) = 'community'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "community staff move deliberations of their territory" on public.deliberation
  for update to authenticated
  using ((select private.staff_role()) = 'community'
         and terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check ((select private.staff_role()) = 'community'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff read all deliberations" on public.deliberation
  for select to gongzhi_district using (true);

create policy "staff read the history of deliberations they see" on public.deliberation_step
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "district staff read the history of all deliberations" on public.deliberation_step
  for select to gongzhi_district using (true);

create policy "community staff read vote codes of their territory" on public.deliberation_code
  for select to authenticated
  using ((select private.staff_role()) = 'community'
         and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "community staff issue vote codes in their territory" on public.deliberation_code
  for insert to authenticated
  with check ((select private.staff_role()) = 'community'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));

-- Votes: nobody reads or writes them directly (private.deliberation_ballot writes, and
-- private.deliberation_result counts); this policy only names that, for the catalogue.
create policy "nobody reads single votes" on public.deliberation_vote
  for select to authenticated using (false);

-- The second factor where the district requires it, as on every table in public.
create policy "staff present the second factor where the district requires it" on public.deliberation
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.deliberation_step
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.deliberation_code
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);
create policy "staff present the second factor where the district requires it" on public.deliberation_vote
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.deliberation, public.deliberation_step, public.deliberation_code, public.deliberation_vote
  from anon, authenticated, gongzhi_district;
grant select on public.deliberation, public.deliberation_step to authenticated, gongzhi_district;
grant insert (org_unit_id, title, description, proposer_kind, proposer, suggestion_id, proposed_on)
  on public.deliberation to authenticated;
grant update (title, description, status, motion_on, decline_reason, meeting_on, meeting_place, participants, minutes,
              notice_text, notice_from, notice_until, electorate, quorum, meeting_yes, meeting_no, meeting_abstain,
              evaluated_on, evaluation, rating_satisfied, rating_basic, rating_unsatisfied)
  on public.deliberation to authenticated;
grant select (id, deliberation_id, terr, used, issued_on), insert (deliberation_id, code_hash)
  on public.deliberation_code to authenticated;
-- District staff may ask (the item's detail counts codes) and, having no policy, see none.
grant select (id, deliberation_id, terr, used, issued_on) on public.deliberation_code to gongzhi_district;
revoke all on private.deliberation_key from anon, authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
revoke execute on function private.deliberation_ballot(text, text) from anon, authenticated;
grant execute on function private.deliberation_result(bigint) to authenticated, gongzhi_district;
grant usage on schema private to gongzhi_public;
grant execute on function private.deliberation_ballot(text, text) to gongzhi_public;

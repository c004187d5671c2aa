-- Volunteers (双报到), part 2: service posts and activities with sign-ups and a waitlist
-- (岗位认领 / 活动报名).
--
-- Invariants held here for every client:
--   * a post never has more confirmed sign-ups than its capacity, even under concurrent sign-ups
--     (the seat is taken by a conditional update of post.taken, which serialises on the post row);
--     a withdrawal or a larger capacity moves the waitlist up;
--   * a volunteer never holds two sign-ups for activities that overlap in time (exclusion
--     constraint on a tstzrange, btree_gist);
--   * anon reads nothing: the public page's list of open posts (public notices, no personal data)
--     is read by the portal itself, not through the public key; anon may only sign up a
--     registered volunteer, by phone and sign-up code.

create schema if not exists extensions;
create extension if not exists btree_gist with schema extensions;

-- ---------------------------------------------------------------- tables
create table public.post (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  kind text not null check (kind in ('post', 'activity')),
  title text not null check (length(btrim(title)) between 1 and 100),
  description text not null default '' check (length(description) <= 2000),
  place text check (length(place) <= 100),
  starts_at timestamptz not null,
  ends_at timestamptz,
  during tstzrange generated always as (tstzrange(starts_at, ends_at)) stored,
  capacity integer not null check (capacity between 1 and 10000),
  taken integer not null default 0 check (taken >= 0),
  skills text[] not null default '{}' check (cardinality(skills) <= 10),
  status text not null default 'open' check (status in ('open', 'closed', 'cancelled')),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint post_not_over_capacity check (taken <= capacity),
  check (ends_at is null or ends_at > starts_at),
  check (kind = 'post' or ends_at is not null)
);
comment on table public.post is '岗位 / 活动: a standing service post or a dated activity; taken counts confirmed sign-ups and is kept by triggers.';

create table public.signup (
  id bigint generated always as identity primary key,
  post_id bigint not null references public.post (id) on delete cascade,
  volunteer_id bigint references public.volunteer (id) on delete cascade,
  terr bigint not null default 0,
  status text not null default 'confirmed' check (status in ('confirmed', 'waitlisted', 'withdrawn')),
  via text not null default 'staff' check (via in ('staff', 'public')),
  during tstzrange,
  claim_phone text,
  claim_code text,
  created_by uuid references auth.users (id) on delete set null,  -- set by the trigger: anon cannot call private.uid()
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint signup_claim_cleared check (claim_phone is null and claim_code is null and volunteer_id is not null),
  constraint signup_no_overlap exclude using gist (volunteer_id with =, during with &&)
    where (status in ('confirmed', 'waitlisted') and during is not null)
);
comment on table public.signup is '认领 / 报名: a volunteer on a post; during is the activity''s time (null for standing posts). claim_* carry a public sign-up''s phone and code into the trigger and are never stored.';

-- ---------------------------------------------------------------- indexes
create index post_terr_idx on public.post (terr, starts_at);
create index post_org_unit_id_idx on public.post (org_unit_id);
create index post_created_by_idx on public.post (created_by);
create index post_status_idx on public.post (status, community_id);
create index signup_post_id_idx on public.signup (post_id, status, created_at);
create index signup_volunteer_id_idx on public.signup (volunteer_id);
create index signup_terr_idx on public.signup (terr);
create index signup_created_by_idx on public.signup (created_by);
create unique index signup_once_per_post on public.signup (post_id, volunteer_id) where status <> 'withdrawn';

-- ---------------------------------------------------------------- triggers
-- A post's counter of confirmed sign-ups is kept by the sign-up triggers alone.
create function private.guard_post() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.taken := 0;
  elsif new.taken <> old.taken and pg_trigger_depth() < 2 then
    raise exception 'gongzhi:post.taken_is_counted';
  elsif new.capacity < new.taken then
    raise exception 'gongzhi:post.capacity_below_taken';
  elsif old.status <> new.status and not (old.status, new.status) in
        (('open', 'closed'), ('open', 'cancelled'), ('closed', 'open'), ('closed', 'cancelled')) then
    raise exception 'gongzhi:status.invalid_transition';
  end if;
  return new;
end;
$$;

-- Moves the waitlist of a post up while it has free seats, oldest sign-up first.
create function private.promote_waitlist(p_post bigint) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  next_id bigint;
begin
  loop
    exit when not exists (select from public.post p where p.id = p_post and p.taken < p.capacity and p.status = 'open');
    select s.id into next_id from public.signup s
    where s.post_id = p_post and s.status = 'waitlisted' order by s.created_at, s.id limit 1 for update;
    exit when next_id is null;
    update public.signup set status = 'confirmed' where id = next_id;
  end loop;
end;
$$;

-- A larger capacity or a reopened post lets the waitlist move up; an activity's new time
-- follows into its sign-ups (where the overlap rule checks it again).
create function private.post_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.during is distinct from old.during then
    update public.signup set during = case when new.kind = 'activity' then new.during end
    where post_id = new.id and status <> 'withdrawn';
  end if;
  if new.capacity > old.capacity or (new.status = 'open' and old.status <> 'open') then
    perform private.promote_waitlist(new.id);
  end if;
  return null;
end;
$$;

-- A sign-up takes a seat or a place on the waitlist. The seat is taken by a conditional update of
-- the post row, so concurrent sign-ups queue on that row and never exceed the capacity. A public
-- sign-up names the volunteer by phone and sign-up code, checked here and never stored.
create function private.signup_seat() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  p public.post;
  vid bigint;
begin
  if tg_op = 'INSERT' then
    select * into p from public.post where id = new.post_id;
    if p.id is null or p.status <> 'open' or (p.kind = 'activity' and p.starts_at <= now()) then
      raise exception 'gongzhi:signup.closed';
    end if;
    if new.via = 'public' or current_setting('role', true) = 'anon' then
      new.via := 'public';
      select v.id into vid from public.volunteer v
      where v.phone = btrim(new.claim_phone) and v.active and v.community_id = p.community_id
        and v.code_hash = encode(sha256(convert_to(v.id::text || ':' || upper(btrim(new.claim_code)), 'UTF8')), 'hex');
      if vid is null then
        raise exception 'gongzhi:signup.bad_code';
      end if;
      new.volunteer_id := vid;
      new.created_by := null;
    elsif new.volunteer_id is null or not exists (select from public.volunteer v where v.id = new.volunteer_id and v.active) then
      raise exception 'gongzhi:signup.no_volunteer';
    else
      new.created_by := private.uid();
    end if;
    new.claim_phone := null;
    new.claim_code := null;
    new.terr := p.terr;
    new.created_at := clock_timestamp();
    new.during := case when p.kind = 'activity' then p.during end;
    perform pg_advisory_xact_lock(7310, (new.volunteer_id % 2147483647)::int);
    if exists (select from public.signup s where s.post_id = new.post_id and s.volunteer_id = new.volunteer_id
               and s.status <> 'withdrawn') then
      raise exception 'gongzhi:signup.already';
    end if;
    if new.during is not null and exists (
        select from public.signup s where s.volunteer_id = new.volunteer_id and s.status in ('confirmed', 'waitlisted')
        and s.during && new.during) then
      raise exception 'gongzhi:signup.overlap';
    end if;
    update public.post set taken = taken + 1 where id = new.post_id and taken < capacity;
    new.status := case when found then 'confirmed' else 'waitlisted' end;
    return new;
  end if;
  -- UPDATE
  if new.post_id <> old.post_id or new.volunteer_id is distinct from old.volunteer_id or new.via <> old.via then
    raise exception 'gongzhi:signup.immutable';
  end if;
  new.updated_at := now();
  if new.status = old.status then
    return new;
  end if;
  if old.status = 'withdrawn' then
    raise exception 'gongzhi:status.invalid_transition';
  end if;
  if new.status = 'confirmed' then  -- from the waitlist
    update public.post set taken = taken + 1 where id = new.post_id and taken < capacity;
    if not found then
      raise exception 'gongzhi:signup.full';
    end if;
  elsif old.status = 'confirmed' then
    update public.post set taken = taken - 1 where id = new.post_id;
  end if;
  return new;
end;
$$;

-- After a confirmed sign-up leaves, the first on the waitlist takes the seat.
create function private.signup_left() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    if old.status = 'confirmed' then
      update public.post set taken = taken - 1 where id = old.post_id;
      perform private.promote_waitlist(old.post_id);
    end if;
  elsif old.status = 'confirmed' and new.status <> 'confirmed' then
    perform private.promote_waitlist(new.post_id);
  end if;
  return null;
end;
$$;

create trigger post_territory before insert or update of org_unit_id on public.post
  for each row execute function private.set_territory();
create trigger post_place before insert or update of org_unit_id on public.post
  for each row execute function private.check_registration_place();
create trigger post_guard before insert or update on public.post
  for each row execute function private.guard_post();
create trigger post_changed after update of capacity, status, starts_at, ends_at on public.post
  for each row execute function private.post_changed();
create trigger signup_seat before insert or update on public.signup
  for each row execute function private.signup_seat();
create trigger signup_left after update of status or delete on public.signup
  for each row execute function private.signup_left();

select private.add_audit('post');
select private.add_audit('signup');

-- ---------------------------------------------------------------- row-level security
alter table public.post enable row level security;
alter table public.signup enable row level security;

-- Posts: visible inside their territory and to the grids of their community, editable inside the
-- territory.
create policy "staff read posts serving their territory" on public.post
  for select to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or terr = any ((select private.terr_above())::bigint[]));
create policy "staff add posts in their territory" on public.post
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff change posts of their territory" on public.post
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff remove posts of their territory" on public.post
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()));

-- Sign-ups follow their post; staff sign up volunteers they can see; the public page signs up
-- with a phone and a sign-up code, which the trigger checks.
create policy "staff read sign-ups of their posts" on public.signup
  for select to authenticated using (terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "staff sign up volunteers they see for their posts" on public.signup
  for insert to authenticated
  with check (terr between (select private.terr_lo()) and (select private.terr_hi())
              and exists (select from public.volunteer v where v.id = volunteer_id));
create policy "staff change sign-ups of their posts" on public.signup
  for update to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check (terr between (select private.terr_lo()) and (select private.terr_hi()));
-- The trigger treats every insert by anon as a public sign-up and checks its phone and code.
create policy "anyone signs up with a phone and a sign-up code" on public.signup
  for insert to anon with check (true);


-- District staff: the whole district, one constant policy per table and action.
create policy "district staff read all posts" on public.post
  for select to gongzhi_district using (true);
create policy "district staff add posts" on public.post
  for insert to gongzhi_district with check (true);
create policy "district staff change posts" on public.post
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove posts" on public.post
  for delete to gongzhi_district using (true);

create policy "district staff read all sign-ups" on public.signup
  for select to gongzhi_district using (true);
create policy "district staff sign up volunteers" on public.signup
  for insert to gongzhi_district with check (true);
create policy "district staff change sign-ups" on public.signup
  for update to gongzhi_district using (true) with check (true);
create policy "district staff remove sign-ups" on public.signup
  for delete to gongzhi_district using (true);

-- ---------------------------------------------------------------- grants
grant select, insert, update, delete on public.post, public.signup to gongzhi_district;
-- anon: only the public sign-up, in the columns it fills.
revoke all on public.post, public.signup from anon;
grant insert (post_id, via, claim_phone, claim_code) on public.signup to anon;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

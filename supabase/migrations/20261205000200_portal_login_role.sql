-- The portal's own login role, the authenticator pattern of PostgREST and Supabase: the portal
-- connects as `gongzhi_portal`, which inherits nothing and can only become the API roles (anon,
-- authenticated, gongzhi_district) and `gongzhi_auth`, the role of sign-in: checking a password,
-- keeping sessions across reloads, loading who a user is, and the public pages' lookups.
-- Migrations, backups and scheduled jobs keep the owner's connection; the portal never has it, so
-- a statement that escaped the API roles could reach no more than what these roles may do.

-- ---------------------------------------------------------------- roles
do $$
begin
  if not exists (select from pg_roles where rolname = 'gongzhi_auth') then
    create role gongzhi_auth nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'gongzhi_portal') then
    create role gongzhi_portal login noinherit;
  end if;
end
$$;

grant anon, authenticated, gongzhi_district, gongzhi_auth to gongzhi_portal;
comment on role gongzhi_portal is 'The portal''s connection: becomes anon, authenticated, gongzhi_district or gongzhi_auth per transaction; owns nothing, reads nothing itself.';
comment on role gongzhi_auth is 'Sign-in: password hashes and lockouts of local accounts, browser sessions, who a user is, public lookups.';

-- ---------------------------------------------------------------- helpers

-- The role a signed-in user's requests run as: district staff get gongzhi_district (whose
-- policies are constant), other staff `authenticated`. Decided from public.staff, never the client.
create function private.request_role(p_user uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select case when exists (select from public.staff s where s.user_id = p_user and s.active and s.role = 'district')
              then 'gongzhi_district' else 'authenticated' end
$$;

-- Who a user is: the staff record the portal keeps for a signed-in user (none for non-staff).
create function private.staff_identity(p_user uuid)
returns table (email text, display_name text, role text, active boolean, org_unit_id bigint,
               org_unit_name text, org_unit_kind text)
language sql stable security definer set search_path = ''
as $$
  select u.email::text, s.display_name, s.role, s.active, o.id::bigint, o.name, o.kind
  from auth.users u join public.staff s on s.user_id = u.id
  join public.org_unit o on o.id = s.org_unit_id
  where u.id = p_user
$$;

-- The communities (with their street) and categories the public pages offer: public
-- administrative facts, no personal data.
create function private.public_communities()
returns table (id bigint, street text, name text, code text)
language sql stable security definer set search_path = ''
as $$
  select c.id::bigint, s.name, c.name, c.code
  from public.org_unit c join public.org_unit s on s.id = c.parent_id
  where c.kind = 'community' order by c.terr
$$;

create function private.public_categories()
returns table (id bigint, code text, name_zh text, name_en text)
language sql stable security definer set search_path = ''
as $$
  select id::bigint, code, name_zh, name_en from public.category order by position, id
$$;

-- The open posts and upcoming activities of a community, as its public notice board lists them.
create function private.public_posts(p_community bigint, p_limit integer)
returns table (id bigint, kind text, title text, description text, place text, starts_at timestamptz,
               ends_at timestamptz, capacity integer, taken integer)
language sql stable security definer set search_path = ''
as $$
  select p.id::bigint, p.kind, p.title, p.description, p.place, p.starts_at, p.ends_at, p.capacity, p.taken
  from public.post p
  where p.community_id = p_community and p.status = 'open' and (p.kind = 'post' or p.starts_at > now())
  order by p.starts_at, p.id limit least(greatest(p_limit, 0), 200)
$$;

-- ---------------------------------------------------------------- grants
grant usage on schema private to gongzhi_auth;
grant select, insert, delete on private.staff_session, private.sign_in_failure to gongzhi_auth;
-- Local accounts exist where the compat layer made auth (the embedded default, plain PostgreSQL);
-- on Supabase, Supabase Auth signs staff in and auth is not ours to grant.
do $$
begin
  if to_regclass('auth.local_sign_in') is not null then
    grant usage on schema auth to gongzhi_auth;
    grant select (id, email, encrypted_password), update (last_sign_in_at) on auth.users to gongzhi_auth;
    grant select, insert, update, delete on auth.local_sign_in to gongzhi_auth;
  end if;
end
$$;

grant usage on schema private to gongzhi_portal;
revoke execute on all functions in schema private from public;
grant execute on function private.request_role(uuid) to gongzhi_portal;
grant execute on function private.staff_identity(uuid), private.public_communities(),
  private.public_categories(), private.public_posts(bigint, integer) to gongzhi_auth;

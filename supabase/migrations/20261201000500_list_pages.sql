-- List pages: Chinese keyword search over demands, personal data masked in the database, the
-- duplicate check used when a demand is entered, and the index a page sorted by time reads.
--
-- Search: most Chinese words have two characters, which pg_trgm cannot index; the text is split
-- into overlapping two-character pieces (private.bigrams) and indexed with a GIN over
-- to_tsvector('simple', …). Queries use the same split of the keyword and an ILIKE recheck.
--
-- Personal data: staff of a street or community may see a demand but not its beneficiary's name
-- and phone; only the grid that owns the demand and the district may. Clients running as
-- `authenticated` lose the right to read the raw columns; they read public.demand_row, whose
-- personal columns come from a security definer function that re-checks the caller, or the masked
-- copies stored beside the raw ones (generated columns of demand, see the three-lists migration).
-- The view shows the status as staff read it (private.demand_status: new with a live proposal is
-- matched).

-- ---------------------------------------------------------------- helpers (immutable)
-- The text in lower case, split into overlapping two-character pieces separated by spaces.
create function private.bigrams(t text) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select coalesce(string_agg(substr(s, i, 2), ' ' order by i), '')
  from (select lower(coalesce(t, '')) as s) x
  cross join generate_series(1, length(x.s) - 1) i
$$;

-- ---------------------------------------------------------------- indexes
create index demand_search_idx on public.demand
  using gin (to_tsvector('simple'::regconfig, private.bigrams(title || ' ' || description)));
-- likely duplicates: the same beneficiary phone recently
create index demand_phone_idx on public.demand (beneficiary_phone, created_at)
  where beneficiary_phone is not null;
-- a page of a narrow territory sorted by time of entry is read from the index alone (terr range,
-- then created_at), without visiting the rows of the whole territory
create index demand_terr_created_idx on public.demand (terr, created_at, id);

-- ---------------------------------------------------------------- helpers (caller-dependent)
-- Lower bound of the territory where the signed-in user may read personal data: the district
-- everywhere, grid staff their own grid, everyone else nowhere (null).
create function private.personal_terr_lo() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role in ('district', 'grid')
$$;

-- Upper bound of that territory.
create function private.personal_terr_hi() returns bigint
language sql stable security definer set search_path = ''
as $$
  select o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id
  where s.user_id = auth.uid() and s.active and s.role in ('district', 'grid')
$$;

-- The beneficiary's name of a demand, for a caller who may read it; null for anyone else.
create function private.beneficiary_name(p_demand_id bigint) returns text
language sql stable security definer set search_path = ''
as $$
  select d.beneficiary_name from public.demand d
  where d.id = p_demand_id
    and d.terr between private.personal_terr_lo() and private.personal_terr_hi()
$$;

-- The beneficiary's phone of a demand, for a caller who may read it; null for anyone else.
create function private.beneficiary_phone(p_demand_id bigint) returns text
language sql stable security definer set search_path = ''
as $$
  select d.beneficiary_phone from public.demand d
  where d.id = p_demand_id
    and d.terr between private.personal_terr_lo() and private.personal_terr_hi()
$$;

-- Demands of the caller's territory that look like a new one: the same beneficiary phone and
-- category in the last 30 days, or a title sharing most of its two-character pieces with one in
-- the same grid in the last 90 days. Returns ids only; the caller reads the rows under RLS.
create function private.demand_duplicates(p_org_unit_id bigint, p_category_id bigint, p_phone text,
                                          p_title text, p_exclude bigint default null)
returns table (demand_id bigint, reason text, similarity real)
language sql stable security definer set search_path = ''
as $$
  with me as (
    select private.terr_lo() as lo, private.terr_hi() as hi
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

-- ---------------------------------------------------------------- the masked view
create view public.demand_row with (security_invoker = true) as
select d.id, d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, d.category_id, d.title,
       d.description, d.urgency, private.demand_status(d.id, d.status) as status, d.quantity, d.needed_by,
       case when d.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.beneficiary_name(d.id) else d.beneficiary_name_masked end as beneficiary_name,
       case when d.terr between (select private.personal_terr_lo()) and (select private.personal_terr_hi())
            then private.beneficiary_phone(d.id) else d.beneficiary_phone_masked end as beneficiary_phone,
       d.address, d.created_by, d.created_at, d.updated_at, d.closed_at,
       d.terr between coalesce((select private.personal_terr_lo()), 1)
                  and coalesce((select private.personal_terr_hi()), 0) as personal_visible
from public.demand d;
comment on view public.demand_row is
  'Demands as staff may read them: beneficiary name and phone masked unless the caller''s grid owns the demand or the caller is district staff.';

-- ---------------------------------------------------------------- grants
-- authenticated may read every column of demand but the raw personal data; district staff run as
-- gongzhi_district and keep every column. Writing the columns stays allowed (RLS decides where).
revoke select on public.demand from anon, authenticated;
grant select (id, org_unit_id, street_id, community_id, grid_id, terr, category_id, title, description,
              urgency, status, quantity, needed_by, address, created_by, created_at, updated_at, closed_at,
              beneficiary_name_masked, beneficiary_phone_masked)
  on public.demand to authenticated;
revoke all on public.demand_row from anon;
grant select on public.demand_row to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
-- the pure function behind the search index: every role that inserts demands evaluates it (named
-- roles, not public)
grant execute on function private.bigrams(text) to anon, authenticated, service_role, gongzhi_district;
grant execute on function private.personal_terr_lo(), private.personal_terr_hi(), private.beneficiary_name(bigint),
  private.beneficiary_phone(bigint), private.demand_duplicates(bigint, bigint, text, text, bigint)
  to authenticated, gongzhi_district;

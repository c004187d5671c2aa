-- The org tree on a map: the boundary of each district, street, community and grid (a GeoJSON
-- Polygon or MultiPolygon) and the point of each building, in WGS-84 (lon/lat, CRS84).
--
-- The embedded server has no PostGIS, so a geometry is GeoJSON in jsonb with its bounding box in
-- four columns the database computes; the checks a GeoJSON import makes (valid rings, inside the
-- parent's boundary) are gongzhi.geo's, and the database keeps what it can check on its own: the
-- geometry type fits the unit's level and every coordinate lies in WGS-84's range, so projected
-- coordinates (metres) never reach the table whoever writes it.

-- ---------------------------------------------------------------- tables
create table public.org_geometry (
  org_unit_id bigint primary key references public.org_unit (id) on delete cascade,
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  geom jsonb not null,
  min_lon double precision not null default 0,
  min_lat double precision not null default 0,
  max_lon double precision not null default 0,
  max_lat double precision not null default 0,
  source text not null default '' check (length(source) <= 200),
  updated_at timestamptz not null default now()
);
comment on table public.org_geometry is 'Where a unit of the org tree lies: a boundary (GeoJSON Polygon/MultiPolygon) or, for a building, a Point; WGS-84 lon/lat.';
comment on column public.org_geometry.min_lon is 'Computed by private.org_geometry_box from geom.';
comment on column public.org_geometry.min_lat is 'Computed by private.org_geometry_box from geom.';
comment on column public.org_geometry.max_lon is 'Computed by private.org_geometry_box from geom.';
comment on column public.org_geometry.max_lat is 'Computed by private.org_geometry_box from geom.';

-- ---------------------------------------------------------------- indexes
create index org_geometry_terr_idx on public.org_geometry (terr);
create index org_geometry_street_id_idx on public.org_geometry (street_id);
create index org_geometry_community_id_idx on public.org_geometry (community_id);
create index org_geometry_grid_id_idx on public.org_geometry (grid_id);

-- ---------------------------------------------------------------- triggers
-- The bounding box of a geometry, and the refusals the database can decide alone: a building is a
-- Point and every other unit a Polygon or MultiPolygon; every position is two finite numbers in
-- WGS-84's range (longitude -180..180, latitude -90..90).
create function private.org_geometry_box() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  unit_kind text;
  path text;
  box record;
begin
  select kind into unit_kind from public.org_unit where id = new.org_unit_id;
  if jsonb_typeof(new.geom) <> 'object'
     or (unit_kind = 'building') <> (new.geom ->> 'type' = 'Point')
     or new.geom ->> 'type' not in ('Point', 'Polygon', 'MultiPolygon') then
    raise exception 'gongzhi:geo.wrong_type' using errcode = 'check_violation';
  end if;
  path := case new.geom ->> 'type' when 'Point' then 'strict $.coordinates'
                                   when 'Polygon' then 'strict $.coordinates[*][*]'
                                   else 'strict $.coordinates[*][*][*]' end;
  begin
    select bool_and(jsonb_typeof(p) = 'array' and jsonb_typeof(p -> 0) = 'number'
                    and jsonb_typeof(p -> 1) = 'number') as numeric, count(*) as n
      into box
    from jsonb_path_query(new.geom, path::jsonpath) p;
  exception when others then
    raise exception 'gongzhi:geo.invalid.bad_position' using errcode = 'check_violation';
  end;
  if box.n = 0 or not box.numeric then
    raise exception 'gongzhi:geo.invalid.bad_position' using errcode = 'check_violation';
  end if;
  select min((p ->> 0)::double precision) as min_lon, max((p ->> 0)::double precision) as max_lon,
         min((p ->> 1)::double precision) as min_lat, max((p ->> 1)::double precision) as max_lat
    into box
  from jsonb_path_query(new.geom, path::jsonpath) p;
  if box.min_lon < -180 or box.max_lon > 180 or box.min_lat < -90 or box.max_lat > 90 then
    raise exception 'gongzhi:geo.projected' using errcode = 'check_violation';
  end if;
  new.min_lon := box.min_lon;
  new.min_lat := box.min_lat;
  new.max_lon := box.max_lon;
  new.max_lat := box.max_lat;
  new.updated_at := now();
  return new;
end;
$$;

create trigger org_geometry_box before insert or update on public.org_geometry
  for each row execute function private.org_geometry_box();
create trigger org_geometry_territory before insert or update of org_unit_id on public.org_geometry
  for each row execute function private.set_territory();
create trigger org_geometry_territory_kept before update on public.org_geometry
  for each row when (new.org_unit_id is distinct from old.org_unit_id or new.street_id is distinct from old.street_id
                     or new.community_id is distinct from old.community_id or new.grid_id is distinct from old.grid_id
                     or new.terr is distinct from old.terr)
  execute function private.set_territory();
select private.add_audit('org_geometry');

-- ---------------------------------------------------------------- row-level security
-- Staff see the map of their territory and the outlines of the units above it (their community's
-- and street's boundary around their grid); the district sees all; the system administrator, who
-- keeps the org tree, keeps its geometry (三权分立: the other administrators read none of it).
alter table public.org_geometry enable row level security;

create policy "staff read the map of their territory and the units above it" on public.org_geometry
  for select to authenticated
  using ((select private.staff_role()) is not null
         and (terr between (select private.terr_lo()) and (select private.terr_hi())
              or terr = any ((select private.terr_above())::bigint[])));
create policy "district staff read the whole map" on public.org_geometry
  for select to gongzhi_district using (true);
create policy "system administrators read the map" on public.org_geometry
  for select to gongzhi_admin using ((select private.admin_capability()) = 'system');
create policy "system administrators draw units on the map" on public.org_geometry
  for insert to gongzhi_admin with check ((select private.admin_capability()) = 'system');
create policy "system administrators redraw units on the map" on public.org_geometry
  for update to gongzhi_admin using ((select private.admin_capability()) = 'system')
  with check ((select private.admin_capability()) = 'system');
create policy "system administrators remove units from the map" on public.org_geometry
  for delete to gongzhi_admin using ((select private.admin_capability()) = 'system');

create policy "staff present the second factor where the district requires it" on public.org_geometry
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.org_geometry from anon;
revoke insert, update, delete, truncate on public.org_geometry from authenticated, gongzhi_district;
grant select on public.org_geometry to authenticated, gongzhi_district;
grant select, insert (org_unit_id, geom, source), update (geom, source), delete
  on public.org_geometry to gongzhi_admin;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

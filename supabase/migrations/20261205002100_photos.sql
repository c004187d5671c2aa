-- 随手拍 Photos (issue 18): images attached to a demand, a whistle event (before / after the fix)
-- or a project milestone, as evidence.
--
-- public.photo holds one row per photo: what it is attached to (subject_kind + subject_id), the
-- stage of an event's photo, the keys of the image and its thumbnail in the photo store
-- (gongzhi.photos.storage: a folder under .gongzhi/ or a Supabase Storage bucket), size and type.
-- The bytes never enter the database.
--
-- private.photo_subject is the one list of what a photo may be attached to: a new kind (the
-- suggestion box's `suggestion`) is one row there and one delete trigger on its table. A photo
-- takes the territory of its subject row and is visible exactly to those who may see that row:
-- the read policy asks the subject's own table, under the caller's row-level security.
--
-- On a hosted Supabase project the same rules guard the Storage bucket `photos`
-- (private.install_photo_storage_policies, run below when the `storage` schema exists; the
-- embedded server has none).

-- ---------------------------------------------------------------- tables
create table private.photo_subject (
  kind text primary key check (kind ~ '^[a-z_]{1,32}$'),
  subject_table text not null unique,
  staged boolean not null default false,          -- its photos say 'before' or 'after' the fix
  departments_attach boolean not null default false  -- summoned departments (who see it) may add photos
);
comment on table private.photo_subject is 'What a photo may be attached to: kind, the table of its rows, and its rules.';

insert into private.photo_subject (kind, subject_table, staged, departments_attach) values
  ('demand', 'demand', false, false),
  ('event', 'event', true, true),
  ('milestone', 'project_milestone', false, false);

create table public.photo (
  id bigint generated always as identity primary key,
  subject_kind text not null references private.photo_subject (kind),
  subject_id bigint not null,
  stage text check (stage in ('before', 'after')),
  terr bigint not null default 0,
  object_key text not null unique check (object_key ~ '^[a-z_]+/[0-9]+/[0-9a-f]{32}\.(jpg|png|webp)$'),
  thumb_key text not null unique check (thumb_key ~ '^[a-z_]+/[0-9]+/[0-9a-f]{32}\.thumb\.jpg$'),
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
  size_bytes integer not null check (size_bytes between 1 and 104857600),
  width integer not null check (width between 1 and 20000),
  height integer not null check (height between 1 and 20000),
  caption text not null default '' check (length(caption) <= 200),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now()
);
comment on table public.photo is
  '随手拍: an image of a demand, an event (stage before/after the fix) or a milestone; the bytes live in the photo store, EXIF stripped.';
comment on column public.photo.terr is 'Computed: the territory of the subject row (private.photo_subject_row).';

-- ---------------------------------------------------------------- indexes
create index photo_subject_idx on public.photo (subject_id, subject_kind, stage);
create index photo_subject_kind_idx on public.photo (subject_kind);
create index photo_terr_idx on public.photo (terr);
create index photo_created_by_idx on public.photo (created_by);

-- ---------------------------------------------------------------- helpers
-- The table of a subject kind, or null for an unknown kind.
create function private.photo_subject_table(p_kind text) returns text
language sql stable security definer set search_path = ''
as $$ select s.subject_table from private.photo_subject s where s.kind = p_kind $$;

-- Whether summoned departments may attach photos to rows of a subject kind.
create function private.photo_departments_attach(p_kind text) returns boolean
language sql stable security definer set search_path = ''
as $$ select coalesce((select s.departments_attach from private.photo_subject s where s.kind = p_kind), false) $$;

-- Whether the caller may see the subject row: asks its table under the caller's own row-level
-- security (security invoker), so a photo is visible exactly where its row is.
create function private.photo_subject_visible(p_kind text, p_subject_id bigint) returns boolean
language plpgsql stable set search_path = ''
as $$
declare
  t text := private.photo_subject_table(p_kind);
  seen boolean;
begin
  if t is null then
    return false;
  end if;
  execute format('select exists (select from public.%I where id = $1)', t) into seen using p_subject_id;
  return seen;
end;
$$;

-- Whether the caller may attach photos to the subject row: staff whose territory holds the row,
-- and for kinds that allow it the departments that see the row (summoned to the event).
create function private.photo_may_attach(p_kind text, p_subject_id bigint) returns boolean
language plpgsql stable set search_path = ''
as $$
declare
  t text := private.photo_subject_table(p_kind);
  subject_terr bigint;
begin
  if t is null then
    return false;
  end if;
  execute format('select terr from public.%I where id = $1', t) into subject_terr using p_subject_id;
  if subject_terr is null then
    return false;   -- not there, or not visible to the caller
  end if;
  return subject_terr between private.terr_lo() and private.terr_hi()
      or (private.department_id() is not null and private.photo_departments_attach(p_kind));
end;
$$;

-- A storage path `<kind>/<subject id>/<name>` the caller may upload to or remove from.
create function private.photo_path_writable(p_name text) returns boolean
language sql stable set search_path = ''
as $$
  select case when split_part(p_name, '/', 2) ~ '^[0-9]{1,18}$'
              then private.photo_may_attach(split_part(p_name, '/', 1), split_part(p_name, '/', 2)::bigint)
              else false end
$$;

-- Before a photo is stored: its subject must exist, the stage must fit the kind, and the photo
-- takes the subject's territory (read as the owner: the policies then decide on it).
create function private.photo_subject_row() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  subject private.photo_subject;
  subject_terr bigint;
begin
  select * into subject from private.photo_subject s where s.kind = new.subject_kind;
  execute format('select terr from public.%I where id = $1', subject.subject_table)
    into subject_terr using new.subject_id;
  if subject_terr is null then
    raise exception 'gongzhi:photos.no_subject' using errcode = 'check_violation';
  end if;
  if subject.staged and new.stage is null then
    raise exception 'gongzhi:photos.stage_required' using errcode = 'check_violation';
  end if;
  if not subject.staged and new.stage is not null then
    raise exception 'gongzhi:photos.stage_not_allowed' using errcode = 'check_violation';
  end if;
  new.terr := subject_terr;
  return new;
end;
$$;

-- When subject rows go, their photo rows go with them (TG_ARGV[0] is the kind). The bytes in the
-- store stay until removed (docs/photos.md).
create function private.photo_subject_deleted() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  delete from public.photo p using gone g where p.subject_kind = tg_argv[0] and p.subject_id = g.id;
  return null;
end;
$$;

-- When a subject row moves to another territory, its photos move with it (TG_ARGV[0] is the kind).
create function private.photo_subject_moved() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update public.photo p set terr = new.terr where p.subject_kind = tg_argv[0] and p.subject_id = new.id;
  return null;
end;
$$;

-- Whether an event has a photo taken after the fix (the fake-fix flags read it): true or false
-- for an event the caller sees, null for one they do not.
create function private.has_after_photo(p_event_id bigint) returns boolean
language sql stable set search_path = ''
as $$
  select case when exists (select from public.event e where e.id = p_event_id)
              then exists (select from public.photo p
                           where p.subject_kind = 'event' and p.subject_id = p_event_id and p.stage = 'after')
         end
$$;

-- ---------------------------------------------------------------- triggers
create trigger photo_subject before insert on public.photo
  for each row execute function private.photo_subject_row();
create trigger photo_territory_kept before update on public.photo for each row
  when ((new.subject_kind, new.subject_id, new.stage, new.terr)
        is distinct from (old.subject_kind, old.subject_id, old.stage, old.terr))
  execute function private.photo_subject_row();
create trigger photo_created_by before insert on public.photo
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger photo_created_by_kept before update on public.photo
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

create trigger demand_photos_deleted after delete on public.demand referencing old table as gone
  for each statement execute function private.photo_subject_deleted('demand');
create trigger event_photos_deleted after delete on public.event referencing old table as gone
  for each statement execute function private.photo_subject_deleted('event');
create trigger project_milestone_photos_deleted after delete on public.project_milestone referencing old table as gone
  for each statement execute function private.photo_subject_deleted('milestone');

create trigger demand_photos_moved after update on public.demand
  for each row when (new.terr is distinct from old.terr) execute function private.photo_subject_moved('demand');
create trigger event_photos_moved after update on public.event
  for each row when (new.terr is distinct from old.terr) execute function private.photo_subject_moved('event');
create trigger project_milestone_photos_moved after update on public.project_milestone
  for each row when (new.terr is distinct from old.terr) execute function private.photo_subject_moved('milestone');

select private.add_audit('photo');

-- ---------------------------------------------------------------- row-level security
alter table public.photo enable row level security;

create policy "staff read photos of rows they see" on public.photo
  for select to authenticated
  using (private.photo_subject_visible(subject_kind, subject_id));
create policy "staff add photos to rows they may change" on public.photo
  for insert to authenticated
  with check (private.photo_may_attach(subject_kind, subject_id));
create policy "staff remove photos of their territory or their own" on public.photo
  for delete to authenticated
  using (terr between (select private.terr_lo()) and (select private.terr_hi())
         or created_by = (select private.uid()));

create policy "district staff read all photos" on public.photo for select to gongzhi_district using (true);
create policy "district staff add photos" on public.photo for insert to gongzhi_district with check (true);
create policy "district staff remove photos" on public.photo for delete to gongzhi_district using (true);

create policy "staff present the second factor where the district requires it" on public.photo
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- Supabase Storage
-- The bucket `photos` and its policies on storage.objects, matching the rows: an object is read
-- by those who see its photo row, uploaded and removed by those who may attach photos to the
-- subject its path names (who also read it: they see that subject and so all its photos, and a
-- removal must see the object whose row is already gone). Does nothing where there is no `storage` schema (the embedded server,
-- plain PostgreSQL); run it again after Storage is enabled on an existing project.
create function private.install_photo_storage_policies() returns boolean
language plpgsql set search_path = ''
as $$
begin
  if to_regclass('storage.objects') is null or to_regclass('storage.buckets') is null then
    return false;
  end if;
  insert into storage.buckets (id, name, public) values ('photos', 'photos', false)
    on conflict (id) do nothing;
  drop policy if exists "staff read photos of rows they see" on storage.objects;
  drop policy if exists "staff upload photos to rows they may change" on storage.objects;
  drop policy if exists "staff remove photos of rows they may change" on storage.objects;
  create policy "staff read photos of rows they see" on storage.objects
    for select to authenticated
    using (bucket_id = 'photos'
           and (exists (select from public.photo p where p.object_key = name or p.thumb_key = name)
                or private.photo_path_writable(name)));
  create policy "staff upload photos to rows they may change" on storage.objects
    for insert to authenticated
    with check (bucket_id = 'photos' and private.photo_path_writable(name));
  create policy "staff remove photos of rows they may change" on storage.objects
    for delete to authenticated
    using (bucket_id = 'photos' and private.photo_path_writable(name));
  return true;
end;
$$;

select private.install_photo_storage_policies();

-- ---------------------------------------------------------------- grants
revoke all on public.photo from anon, authenticated, gongzhi_district;
grant select, delete on public.photo to authenticated, gongzhi_district;
grant insert (subject_kind, subject_id, stage, object_key, thumb_key, content_type, size_bytes, width, height, caption)
  on public.photo to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.photo_subject_table(text), private.photo_departments_attach(text),
  private.photo_subject_visible(text, bigint),
  private.photo_may_attach(text, bigint), private.photo_path_writable(text), private.has_after_photo(bigint)
  to authenticated, gongzhi_district;

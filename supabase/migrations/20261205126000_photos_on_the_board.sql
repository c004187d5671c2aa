-- Photos on the public 晒 board: publishing a photo is a staff decision.
-- A photo can show a face or a number plate (个人信息保护法), so none reaches the board by default.
-- Street staff (for the photos of their street) and district staff (any photo) mark a photo of a
-- whistle event or of a project milestone 可公开, as the board's "before" or "after" picture; an
-- event's photo is published as the stage it was taken at, a milestone's (which carries no stage)
-- as the stage staff choose. Unmarking clears it; the next publish leaves it out. Every change is
-- in the row audit (photo_audit_update); the database stamps who marked it and when.

-- ---------------------------------------------------------------- tables
alter table public.photo
  add column public_as text check (public_as in ('before', 'after')),
  add column published_by uuid,
  add column published_at timestamptz;
comment on column public.photo.public_as is '可公开: null = staff only; before / after = shown on the public 晒 board as that stage (event and milestone photos).';
comment on column public.photo.published_by is 'Computed: who marked the photo 可公开 (private.photo_publication).';
comment on column public.photo.published_at is 'Computed: when the photo was marked 可公开 (private.photo_publication).';

-- ---------------------------------------------------------------- indexes
create index photo_public_idx on public.photo (subject_kind, subject_id) where public_as is not null;

-- ---------------------------------------------------------------- functions
-- Checks a photo marked 可公开 (only event and milestone photos; an event's photo only as its own
-- stage) and stamps who marked it and when; unmarking clears both stamps.
create function private.photo_publication() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if new.public_as is null then
    new.published_by := null;
    new.published_at := null;
    return new;
  end if;
  if new.subject_kind not in ('event', 'milestone') then
    raise exception 'gongzhi:photos.publish_kind' using errcode = 'check_violation';
  end if;
  if new.stage is not null and new.stage <> new.public_as then
    raise exception 'gongzhi:photos.publish_stage' using errcode = 'check_violation';
  end if;
  if new.public_as is distinct from old.public_as then
    new.published_by := private.uid();
    new.published_at := now();
  else
    new.published_by := old.published_by;
    new.published_at := old.published_at;
  end if;
  return new;
end;
$$;

-- ---------------------------------------------------------------- triggers
create trigger photo_publication before update on public.photo
  for each row when (new.public_as is distinct from old.public_as
                     or new.published_by is distinct from old.published_by
                     or new.published_at is distinct from old.published_at)
  execute function private.photo_publication();

-- ---------------------------------------------------------------- row-level security
create policy "street staff mark photos of their street public" on public.photo
  for update to authenticated
  using ((select private.staff_role()) = 'street'
         and terr between (select private.terr_lo()) and (select private.terr_hi()))
  with check ((select private.staff_role()) = 'street'
              and terr between (select private.terr_lo()) and (select private.terr_hi()));
create policy "district staff mark any photo public" on public.photo
  for update to gongzhi_district using (true) with check (true);

-- ---------------------------------------------------------------- grants
grant update (public_as) on public.photo to authenticated, gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

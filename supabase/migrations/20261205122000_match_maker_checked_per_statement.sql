-- The 对接会's commit, round three (issue 21): the maker of new matches is checked once per
-- statement, not once per row; a new match's audit image is built from its columns by name; and
-- booking capacity no longer images every resource it touches for an audit that writes nothing.
--
-- `match.created_by` referenced `auth.users` through a foreign key, which PostgreSQL checks row by
-- row: the 对接会 writes ~80,000 matches in one statement, all by the same member of staff, and paid
-- one key lookup and one key-share lock call per row for that one account (0.26–0.42 s of a
-- 5.5–8 s commit, `EXPLAIN ANALYZE`, docs/performance.md). The same rule is now kept by triggers that
-- look at each statement's distinct makers, with the foreign key's semantics in full:
--   * an inserted or updated match names an account that exists, or no one (`match_makers_exist_*`);
--   * the account is locked `for key share` until the writing transaction ends, as the key's check
--     locks it, so a concurrent delete of the account waits, and a write racing a delete that
--     committed first is refused;
--   * deleting an account sets its matches' maker to null (`on delete set null`,
--     `auth.users` trigger `users_match_makers_gone`);
--   * an account's id referenced by a match cannot change (`no action` on update,
--     `users_match_maker_id_kept`), and `auth.users` cannot be truncated while matches name a maker
--     (`users_match_makers_truncated`; the key refused a plain truncate and emptied `match` too
--     under `cascade`).
-- The refusal is the foreign key's own error (SQLSTATE 23503, constraint `match_created_by_fkey`),
-- so callers see what they saw before. `tests/matching/test_match_maker.py` holds each of these.
--
-- The audit of inserted matches: `private.audit_rows()` builds each image as `to_jsonb(row)` less
-- the omitted keys, which converts the match's `reasons` (and `updated_at`) only to drop them again;
-- `private.audit_match_inserted()` converts a row of the kept columns instead, half the time per
-- image (75,000 images: 1.04 → 0.54 s median, alternated on the same rows). The image is the same
-- jsonb (`tests/matching/test_match_audit.py` compares it with the generic one, so a column added
-- to `match` and not here fails). Updates and deletes of matches keep `private.audit_rows()`.
--
-- The audit of updated resources: the commit books capacity on ~12,000 resources (`allocated`, and
-- `updated_at` by the touch trigger), which the audit omits, so no audit row results, yet
-- `private.audit_rows()` built both images of every row to find that out (24,000 wide rows with
-- their sealed contact columns). `private.audit_resource_updated()` images only the rows whose
-- audited columns changed, then writes exactly what `audit_rows()` would (the same images, the same
-- inequality). Booking 12,000 resources: 1.07 → 0.90 s median (6 runs alternated); the audit
-- trigger's own time 0.75–0.87 → 0.20–0.50 s. `tests/matching/test_match_audit.py` checks that
-- every audited column of `resource` is compared.

-- ---------------------------------------------------------------- tables
alter table public.match drop constraint match_created_by_fkey;

comment on column public.match.created_by is
  'Who proposed the match: an auth.users id or null. Kept by triggers, not a foreign key '
  '(one check per statement): match_makers_exist_insert/_update, users_match_makers_gone, users_match_maker_id_kept, users_match_makers_truncated.';

-- ---------------------------------------------------------------- functions
-- The makers a statement wrote (on update, only the ones it changed) exist, and stay until the
-- transaction ends: locked first (a racing delete is waited for, then seen), then looked up.
create function private.match_makers_exist() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  makers uuid[];
begin
  if tg_op = 'INSERT' then
    makers := array(select distinct n.created_by from new_rows n where n.created_by is not null);
  else
    makers := array(select distinct n.created_by from new_rows n join old_rows o on o.id = n.id
                    where n.created_by is not null and n.created_by is distinct from o.created_by);
  end if;
  if cardinality(makers) = 0 then
    return null;
  end if;
  perform from auth.users u where u.id = any (makers) order by u.id for key share;
  if exists (select from unnest(makers) m(id) where not exists (select from auth.users u where u.id = m.id)) then
    raise exception 'insert or update on table "match" violates foreign key constraint "match_created_by_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'match_created_by_fkey', table = 'match',
            schema = 'public';
  end if;
  return null;
end;
$$;

-- `on delete set null`: the matches of deleted accounts keep no maker.
create function private.match_makers_gone() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update public.match m set created_by = null where m.created_by in (select o.id from old_rows o);
  return null;
end;
$$;

-- `on update no action`: an account that made matches keeps its id.
create function private.match_maker_id_kept() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if exists (select from public.match m where m.created_by = old.id) then
    raise exception 'update or delete on table "users" violates foreign key constraint "match_created_by_fkey" on table "match"'
      using errcode = 'foreign_key_violation', constraint = 'match_created_by_fkey', table = 'match',
            schema = 'public';
  end if;
  return new;
end;
$$;

-- A new match's audit row: the image `private.audit_rows()` would write (the row less
-- `private.audit_omitted_keys()`: `reasons`, `updated_at`), built from the kept columns.
create function private.audit_match_inserted() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.audit_log (actor, table_name, row_id, action, terr, old_row, new_row)
  select auth.uid(), 'match', x.id::text, 'insert', x.terr, null, to_jsonb(x)
  from (select n.id, n.demand_id, n.resource_id, n.org_unit_id, n.street_id, n.community_id, n.grid_id, n.terr,
               n.resource_terr, n.quantity, n.score, n.status, n.rating, n.created_by, n.created_at
        from new_rows n) x;
  return null;
end;
$$;

-- An updated resource's audit row, as `private.audit_rows()` writes it, for the rows whose audited
-- columns (all but `private.audit_omitted_keys()`) changed; a booking changes none of them.
create function private.audit_resource_updated() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  actor uuid := auth.uid();
begin
  insert into public.audit_log (actor, table_name, row_id, action, terr, old_row, new_row)
  select actor, 'resource', x.id::text, 'update', coalesce(x.terr, 0), x.old_image, x.new_image
  from (select n.id, n.terr, to_jsonb(o) - private.audit_omitted_keys() as old_image,
               to_jsonb(n) - private.audit_omitted_keys() as new_image
        from new_rows n join old_rows o on o.id = n.id
        where (n.org_unit_id, n.street_id, n.community_id, n.grid_id, n.terr, n.kind, n.category_id, n.name,
               n.description, n.provider, n.provider_kind, n.capacity, n.available_from, n.available_to, n.status,
               n.created_by, n.created_at)
              is distinct from
              (o.org_unit_id, o.street_id, o.community_id, o.grid_id, o.terr, o.kind, o.category_id, o.name,
               o.description, o.provider, o.provider_kind, o.capacity, o.available_from, o.available_to, o.status,
               o.created_by, o.created_at)) x
  where x.old_image <> x.new_image;
  return null;
end;
$$;

-- A truncate of the accounts would leave makers behind: refused while any match names one.
create function private.match_makers_truncated() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if exists (select from public.match m where m.created_by is not null) then
    raise exception 'cannot truncate a table referenced in a foreign key constraint'
      using errcode = 'feature_not_supported', constraint = 'match_created_by_fkey', table = 'match',
            schema = 'public';
  end if;
  return null;
end;
$$;

-- ---------------------------------------------------------------- triggers
drop trigger match_audit_insert on public.match;
drop trigger resource_audit_update on public.resource;
create trigger match_audit_insert after insert on public.match
  referencing new table as new_rows for each statement execute function private.audit_match_inserted();
create trigger resource_audit_update after update on public.resource
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.audit_resource_updated();
create trigger match_makers_exist_insert after insert on public.match
  referencing new table as new_rows for each statement execute function private.match_makers_exist();
create trigger match_makers_exist_update after update on public.match
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.match_makers_exist();
create trigger users_match_makers_gone after delete on auth.users
  referencing old table as old_rows for each statement execute function private.match_makers_gone();
create trigger users_match_maker_id_kept before update of id on auth.users
  for each row when (new.id is distinct from old.id) execute function private.match_maker_id_kept();
create trigger users_match_makers_truncated before truncate on auth.users
  for each statement execute function private.match_makers_truncated();

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;

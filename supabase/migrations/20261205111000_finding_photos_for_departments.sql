-- Departments see a finding's photos on the event it became.
-- A finding reported up as a whistle event keeps its photos (subject_kind 'finding'); the
-- departments summoned to that event may read those photo rows and nothing else of the finding.
-- The rule follows the event's own: a department reads them while the event's `departments`
-- holds it, exactly as "departments read the events they are summoned to" decides for the event;
-- taken off the event, it reads neither the event nor the photos.

-- ---------------------------------------------------------------- functions

-- Whether the finding `p_finding_id` was reported up as an event the signed-in department is
-- summoned to. Reads the finding and the event as the owner and answers only yes or no.
create function private.finding_summoned_to_me(p_finding_id bigint) returns boolean
  language sql stable security definer set search_path = ''
as $$
  select exists (select from public.finding f join public.event e on e.id = f.event_id
                 where f.id = p_finding_id
                   and e.departments @> array[private.department_id()])
$$;

-- The ids of the findings reported up as the event `p_event_id`, when the signed-in department is
-- summoned to it (empty otherwise): ids only, never the findings' text, so that the event page can
-- ask public.photo for their photos, which the policy below lets the department read.
create function private.summoned_event_findings(p_event_id bigint) returns bigint[]
  language sql stable security definer set search_path = ''
as $$
  select coalesce(array_agg(f.id order by f.id), '{}')
  from public.finding f join public.event e on e.id = f.event_id
  where e.id = p_event_id and e.departments @> array[private.department_id()]
$$;

-- ---------------------------------------------------------------- row-level security
create policy "departments read photos of the findings their events came from" on public.photo
  for select to authenticated
  using ((select private.department_id()) is not null
         and subject_kind = 'finding'
         and private.finding_summoned_to_me(subject_id));

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.finding_summoned_to_me(bigint), private.summoned_event_findings(bigint)
  to authenticated, gongzhi_district;

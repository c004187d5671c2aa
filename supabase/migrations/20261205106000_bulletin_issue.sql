-- 月通报签发: the district issues (签发) each month's bulletin of the district and of each street.
-- A row records which bulletin (the unit it covers), the month, who issued it and when; the
-- district's home counts the bulletins of last month still to issue (gongzhi.todo).

-- ---------------------------------------------------------------- tables
create table public.bulletin_issue (
  id bigint generated always as identity primary key,
  org_unit_id bigint not null references public.org_unit (id),
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  terr bigint not null default 0,
  period date not null check (period = date_trunc('month', period)::date),
  created_by uuid default private.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint bulletin_issue_once unique (org_unit_id, period)
);
comment on table public.bulletin_issue is '月通报签发: the monthly bulletin of org_unit_id (the district or a street) for the month starting on period, issued by created_by at created_at. Issued once; the district writes, the street and its communities read.';
comment on column public.bulletin_issue.period is 'The first day of the bulletin''s month.';

-- ---------------------------------------------------------------- indexes
create index bulletin_issue_terr_idx on public.bulletin_issue (terr);
create index bulletin_issue_period_idx on public.bulletin_issue (period);
create index bulletin_issue_created_by_idx on public.bulletin_issue (created_by);

-- ---------------------------------------------------------------- triggers
-- A bulletin covers the district or a street, and is issued once its month has ended (China time).
create function private.guard_bulletin_issue() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if (select o.kind from public.org_unit o where o.id = new.org_unit_id) not in ('district', 'street') then
    raise exception 'gongzhi:bulletin.issue.scope';
  end if;
  if new.period >= date_trunc('month', now() at time zone 'Asia/Shanghai')::date then
    raise exception 'gongzhi:bulletin.issue.not_ended';
  end if;
  return new;
end;
$$;

create trigger bulletin_issue_0_guard before insert or update of org_unit_id, period on public.bulletin_issue
  for each row execute function private.guard_bulletin_issue();
create trigger bulletin_issue_1_territory before insert or update of org_unit_id on public.bulletin_issue
  for each row execute function private.set_territory();
create trigger bulletin_issue_territory_kept before update on public.bulletin_issue
  for each row when (new.org_unit_id is distinct from old.org_unit_id or new.street_id is distinct from old.street_id
                     or new.community_id is distinct from old.community_id or new.grid_id is distinct from old.grid_id
                     or new.terr is distinct from old.terr)
  execute function private.set_territory();
create trigger bulletin_issue_created_by before insert on public.bulletin_issue
  for each row when (new.created_by is distinct from auth.uid()) execute function private.stamp_created_by();
create trigger bulletin_issue_created_by_kept before update on public.bulletin_issue
  for each row when (new.created_by is distinct from old.created_by) execute function private.stamp_created_by();

select private.add_audit('bulletin_issue');

-- ---------------------------------------------------------------- row-level security
alter table public.bulletin_issue enable row level security;

-- Street and community staff read the issues of the bulletins that cover them: their street's and
-- the district's (a street's own row lies in its range, the rows above in terr_above()).
create policy "street and community staff read bulletin issues covering them" on public.bulletin_issue
  for select to authenticated
  using ((select private.staff_role()) in ('street', 'community')
         and (terr between (select private.terr_lo()) and (select private.terr_hi())
              or terr = any ((select private.terr_above())::bigint[])));

-- District staff: read and issue every bulletin; an issue is final (no update, no delete).
create policy "district staff read all bulletin issues" on public.bulletin_issue
  for select to gongzhi_district using (true);
create policy "district staff issue bulletins" on public.bulletin_issue
  for insert to gongzhi_district with check (true);

-- The second factor, where the district requires it.
create policy "staff present the second factor where the district requires it" on public.bulletin_issue
  as restrictive for all to authenticated, gongzhi_district, gongzhi_admin
  using ((select private.aal_ok())::int <> 0);

-- ---------------------------------------------------------------- grants
revoke all on public.bulletin_issue from anon, authenticated, gongzhi_district;
grant select on public.bulletin_issue to authenticated;
grant select, insert on public.bulletin_issue to gongzhi_district;

-- ---------------------------------------------------------------- function privileges
revoke execute on all functions in schema private from public;
grant execute on function private.staff_role() to authenticated, gongzhi_district;

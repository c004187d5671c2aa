-- A service record may be dated today in Beijing (issue 20's emergency check-outs, found at 00:24
-- Beijing time).
--
-- `private.check_service_log()` refused a record dated after `current_date`, the server's date (UTC
-- on the embedded server and on Supabase). From midnight to 08:00 in Beijing that is yesterday, so
-- a shift checked out after midnight — or an emergency ended then, which checks everyone out — was
-- refused with 「服务日期不能晚于今天」 for a record dated today. The bound is now Beijing's date, the
-- day `private.check_callup` gives a check-out's record and the portal's forms give a record.
-- (Whole body: replaces 20261201001300's.)
create or replace function private.check_service_log() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    if old.verified_at is not null then
      raise exception 'gongzhi:service_log.verified';
    end if;
    return old;
  end if;
  if not exists (select from public.volunteer v where v.id = new.volunteer_id) then
    raise exception 'gongzhi:service_log.no_volunteer';
  end if;
  if tg_op = 'UPDATE' and old.verified_at is not null
     and (new.hours <> old.hours or new.served_on <> old.served_on or new.volunteer_id <> old.volunteer_id
          or new.post_id is distinct from old.post_id) then
    raise exception 'gongzhi:service_log.verified';
  end if;
  if new.served_on > (now() at time zone 'Asia/Shanghai')::date then   -- today in Beijing
    raise exception 'gongzhi:service_log.future';
  end if;
  if new.post_id is not null and (tg_op = 'INSERT' or new.post_id is distinct from old.post_id) and not exists (
      select from public.signup s where s.post_id = new.post_id and s.volunteer_id = new.volunteer_id
      and s.status = 'confirmed') then
    raise exception 'gongzhi:service_log.not_signed_up';
  end if;
  if new.verified_at is not null and (tg_op = 'INSERT' or old.verified_at is null) then
    new.verified_at := now();
    new.verified_by := private.uid();
  elsif new.verified_at is null then
    new.verified_by := null;
  end if;
  return new;
end;
$$;

revoke execute on all functions in schema private from public;

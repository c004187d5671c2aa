-- The suggestion box and 五议 meet (both built in parallel, each with a seam for the other): a
-- message of the 民情意见箱 that raises a community's major affair becomes a 五议 agenda item,
-- proposed by residents, and each names the other.

alter table public.suggestion add constraint suggestion_deliberation_id_fkey
  foreign key (deliberation_id) references public.deliberation (id);
alter table public.deliberation add constraint deliberation_suggestion_id_fkey
  foreign key (suggestion_id) references public.suggestion (id);

create index suggestion_deliberation_id_idx on public.suggestion (deliberation_id);

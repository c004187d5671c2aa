-- The 对接会 reads its open demands from one index (issue 21).
--
-- A batch starts from the territory's open demands, most urgent and soonest needed first
-- (gongzhi/matching/batch.py, `_DEMANDS`): at 1M demands, 195,806 of them new, that read visited
-- 53,000 heap pages through a bitmap of `demand_new_seen_idx` (0.37 s warm, 0.6 s when the pages
-- were not cached). The index already holds every new demand with its territory code, date and id
-- for the home page; carrying the urgency, category and quantity too makes the batch's read an
-- index-only scan (0.16 s warm, most of it the sort). No new index: the same one, wider.
drop index public.demand_new_seen_idx;
create index demand_new_seen_idx on public.demand (terr, needed_by)
  include (created_at, id, urgency, category_id, quantity) where status = 'new';

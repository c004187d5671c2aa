-- List pages: a page of a narrow territory sorted by time of entry is read from the index alone
-- (terr range, then created_at), without visiting the rows of the whole territory.

-- ---------------------------------------------------------------- indexes
create index demand_terr_created_idx on public.demand (terr, created_at, id);

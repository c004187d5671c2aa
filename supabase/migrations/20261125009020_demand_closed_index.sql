-- Median time to close on the dashboard reads the demands closed in a period: an index on the
-- closing time of done demands keeps that a range scan.
create index demand_done_closed_at_idx on public.demand (closed_at) where status = 'done';

-- Median time to close on the dashboard reads the demands closed in a period: an index on the
-- closing time of closed demands, carrying created_at and terr. It names no status, so that a
-- status change of an open demand (new → matched …) stays a HOT update, which no index sees.
create index demand_closed_at_idx on public.demand (closed_at) include (created_at, terr)
  where closed_at is not null;

-- The keyword search's bigram index over demands is read by nothing: every list runs under
-- row-level security, where `@@` (not leakproof) may not become an index condition, so keyword
-- search filters by ILIKE over the caller's rows (gongzhi/lists/queries.py). Yet every insert,
-- and every update that cannot stay on its page (a status change, the retention job emptying a
-- beneficiary's phone, the 对接会 moving matched demands), paid for it: the title's and the
-- description's two-character pieces computed and written into the GIN index. `private.bigrams`
-- stays: duplicate detection compares titles by their pieces.
drop index if exists public.demand_search_idx;

-- Keyword search at the cost of a page (issue 21). Under row-level security a keyword filter
-- (ILIKE, `@@`, `@>`: none is leakproof) can neither use an index nor tell the planner how common
-- the word is, and the policy's territory range has bounds the planner cannot see (it guesses
-- 0.5 % of the table): so every search read the caller's whole territory and sorted it, and a
-- word found nowhere cost as much as one found everywhere. `private.demand_search` finds the
-- newest matches the caller may read, by the cheapest of three ways, with the planner's statistics
-- the policies hide: a common word by walking `created_at` from the newest (it stops after a few
-- hundred rows), a rare one through an index of the two-character pieces of the text, a narrow
-- territory by reading it. The list page then reads those ids under row-level security.

-- ---------------------------------------------------------------- functions (used by the index)

-- The two-character pieces of `t`, lower-cased, as a GIN index of arrays keeps them: every piece of
-- a keyword is a piece of any text containing it (ILIKE compares lower-cased text), so `@>` finds a
-- superset of the ILIKE matches and never misses one. Built from two passes of pairs (from the
-- first character, then from the second) so that no SQL loop runs per character: about a third of
-- the cost of `private.bigrams` per row. chr(1) separates the pairs; a text holding chr(1) only gets
-- extra one-character elements, and a keyword holding it is not looked up by pieces.
create function private.search_pieces(t text) returns text[]
language sql immutable parallel safe set search_path = ''
as $$
  select case when pg_catalog.length(s) < 2 then '{}'::text[] else pg_catalog.string_to_array(pg_catalog.rtrim(
    pg_catalog.regexp_replace(pg_catalog.left(s, pg_catalog.length(s) / 2 * 2), '(..)', E'\\1\x01', 'g')
    || pg_catalog.regexp_replace(pg_catalog.substr(s, 2, (pg_catalog.length(s) - 1) / 2 * 2), '(..)', E'\\1\x01', 'g'),
    E'\x01'), E'\x01') end
  from (select pg_catalog.lower(coalesce(t, '')) as s) x
$$;

-- ---------------------------------------------------------------- indexes

-- The pieces of a demand's title and description. Only `private.demand_search` reads it (it runs
-- without row-level security, which would keep `@>` from the index). A status change leaves it
-- untouched (title and description do not change), so such updates stay HOT where the page has room.
create index demand_pieces_idx on public.demand
  using gin (private.search_pieces(title || ' ' || description));

-- ---------------------------------------------------------------- functions

-- The planner's estimate of the rows `query` returns (EXPLAIN, nothing executed). Runs as the owner,
-- so statistics hidden from policies count.
create function private.estimated_rows(query text) returns double precision
language plpgsql volatile set search_path = ''
as $$
declare
  plan json;
begin
  execute 'explain (format json) ' || query into plan;
  return greatest((plan -> 0 -> 'Plan' ->> 'Plan Rows')::double precision, 1);
end;
$$;

-- How many demands hold every piece of a keyword, bounded by the planner's estimate for its rarest
-- piece (of the first sixteen distinct ones), not its product of the pieces' frequencies: the
-- pieces of a word are far from independent (陪同 and 就医 come together). One EXPLAIN per piece.
create function private.search_rows(p_pieces text[]) returns double precision
language sql volatile set search_path = ''
as $$
  select min(private.estimated_rows(pg_catalog.format(
           'select 1 from public.demand d where private.search_pieces(d.title || '' '' || d.description) @> %L::text[]',
           array[p])))
  from (select distinct p from unnest(p_pieces) p limit 16) x
$$;

-- The ids of `p_limit` demands whose title or description contains `p_keyword` (ILIKE, `%`, `_` and
-- `\` taken literally) among those the caller may read: with `p_newest_first` the newest (created_at,
-- then id, descending) in that order, else any (what a capped count needs); all of them when fewer
-- match. "May read" is exactly the select policies on public.demand: district staff
-- (gongzhi_district) every demand, other staff (authenticated) their territory (`terr` between
-- private.terr_lo() and private.terr_hi(); no row for department staff or an account that must
-- change its password), everyone with the second factor where the district requires it
-- (private.aal_ok()); any other role (anon, the administrators' gongzhi_admin, the public forms)
-- nothing. `tests/lists/test_keyword_search.py` holds it equal to ILIKE under row-level security for
-- every role.
--
-- The way is chosen from estimates of N demands, T in the caller's territory (the planner's) and M
-- holding the keyword's pieces (private.search_rows; a keyword of one character has no piece and
-- counts as common, a tenth), in rows read (an index entry a twentieth of a row): through the index,
-- the entries of the pieces and of the territory (M + T) and the matches in the territory, M · T/N
-- (in any order at most p_limit of them), or without the territory's entries M rows (in any order
-- until p_limit fall in the territory); newest first, walking created_at from the newest
-- p_limit · N/M · N/T rows, or the territory's T (then sorted); in any order, the territory until
-- p_limit match, p_limit · N/M rows but at most T. The planner settings of each way keep the planner
-- on it (it under-rates how common a word is); they are put back after the query.
create function private.demand_search(p_keyword text, p_limit integer, p_newest_first boolean)
returns setof bigint
language plpgsql volatile security definer set search_path = ''
as $$
declare
  runs_as text := nullif(pg_catalog.current_setting('role', true), 'none');
  text_of constant text := '(d.title || '' '' || d.description)';
  pieces text[] := case when pg_catalog.strpos(p_keyword, chr(1)) = 0 then private.search_pieces(p_keyword) else '{}' end;
  pattern text := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
                    p_keyword, '\', '\\'), '%', '\%'), '_', '\_') || '%';
  territory text := '';
  n double precision;
  t double precision;
  m double precision;
  by_index double precision;
  by_reading double precision;
  way text;
  settings text[];
  saved text[];
begin
  if runs_as is null or coalesce(p_keyword, '') = '' or coalesce(p_limit, 0) < 1 or p_newest_first is null
     or not private.aal_ok() then
    return;
  end if;
  if pg_catalog.pg_has_role(runs_as, 'gongzhi_district', 'USAGE') then
    territory := '';
  elsif pg_catalog.pg_has_role(runs_as, 'authenticated', 'USAGE') then
    if private.terr_lo() is null or private.terr_hi() is null then
      return;
    end if;
    territory := pg_catalog.format(' and d.terr between %s and %s', private.terr_lo(), private.terr_hi());
  else
    return;
  end if;

  n := private.estimated_rows('select 1 from public.demand d');
  t := case when territory = '' then n
            else least(n, private.estimated_rows('select 1 from public.demand d where true' || territory)) end;
  m := case when cardinality(pieces) = 0 then n / 10 else private.search_rows(pieces) end;
  by_index := case when cardinality(pieces) = 0 then 'infinity'
                   when p_newest_first then least(m * t / n + (m + t) / 20, m + m / 20)
                   else least(least(p_limit, m * t / n) + (m + t) / 20, least(m, p_limit * n / t) + m / 20) end;
  if p_newest_first then
    by_reading := least(t, p_limit * (n / m) * (n / t));
    way := case when by_index <= by_reading then 'index'
                when t <= p_limit * (n / m) * (n / t) then 'territory' else 'walk' end;
  else
    by_reading := least(t, p_limit * (n / m));
    way := case when by_index <= by_reading then 'index' else 'scan' end;
  end if;
  -- No parallel workers: a search reads a few thousand rows at most, less than starting them costs.
  settings := array['max_parallel_workers_per_gather', '0'] ||
              case way when 'walk' then array['enable_sort', 'off', 'enable_bitmapscan', 'off']
                       when 'scan' then array['enable_bitmapscan', 'off']
                       else array['enable_indexscan', 'off'] end;
  raise debug 'demand_search: % (N %, T %, M %)', way, n, t, m;

  for i in 1 .. cardinality(settings) by 2 loop
    saved := saved || array[settings[i], pg_catalog.current_setting(settings[i])];
    perform pg_catalog.set_config(settings[i], settings[i + 1], true);
  end loop;
  return query execute pg_catalog.format(
    'select d.id from public.demand d where %s ilike %L%s%s%s limit %s',
    text_of, pattern, territory,
    case when way = 'index' then pg_catalog.format(' and private.search_pieces(%s) @> %L::text[]', text_of, pieces)
         else '' end,
    case when p_newest_first then ' order by d.created_at desc, d.id desc' else '' end,
    p_limit);
  for i in 1 .. cardinality(saved) by 2 loop
    perform pg_catalog.set_config(saved[i], saved[i + 1], true);
  end loop;
end;
$$;

-- The statistics of the new index's expression, which the choice above reads.
analyze public.demand;

-- ---------------------------------------------------------------- function privileges

revoke execute on all functions in schema private from public;
grant execute on function private.demand_search(text, integer, boolean) to authenticated, gongzhi_district, gongzhi_admin;
-- Every role that writes a demand computes the index's expression (as private.bigrams was granted).
grant execute on function private.search_pieces(text)
  to anon, authenticated, service_role, gongzhi_district, gongzhi_admin, gongzhi_public;

"""`bench deliberation`: the signed-out 公议 vote and the 五议 page's reads, with many codes and items.

Seeds, in a database of its own, ITEMS agenda items in 丽水社区 and one item under 公议 with CODES
vote codes (as the owner, through the real triggers). `vote_ms`: one vote through
gongzhi.deliberation.ballot.vote (a transaction as gongzhi_public: the code's lookup, the
single-use mark, the seal and the insert), each with a fresh code; `public_baseline_ms`: an empty
transaction as the same role, same run; `vote_ratio` the two. `page_ms` / `detail_ms`: one page of
the list and one item's detail (history, count over all votes, codes) as the community account;
`user_baseline_ms`: an empty transaction as that user (the set-up every portal read pays);
`owner_baseline_ms`: the same list query as the owner, without policies; `page_ratio`: page_ms
against the two together, i.e. what row-level security adds to the query.
"""
from __future__ import annotations

import itertools

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "deliberation"
ITEMS = 2_000
CODES = 20_000
DATABASE = "gongzhi_bench_deliberation"


def _seed(url: str) -> int:
    """The item under 公议 (made once; later runs reuse it)."""
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute("select id from public.deliberation where title = 'bench 公议'").fetchone()
        if found:
            return found[0]
        with conn.transaction():
            conn.execute("""insert into public.deliberation (org_unit_id, title, proposer_kind, proposer)
                            select o.id, '议题 ' || n, 'residents', '居民代表' from public.org_unit o,
                                   generate_series(1, %s) n where o.name = '丽水社区'""", (ITEMS,))
            item = conn.execute("""insert into public.deliberation (org_unit_id, title, proposer_kind, proposer)
                                   select id, 'bench 公议', 'party', '社区党委' from public.org_unit
                                   where name = '丽水社区' returning id""").fetchone()[0]
            conn.execute("update public.deliberation set status = 'accepted' where id = %s", (item,))
            conn.execute("update public.deliberation set status = 'consulted', meeting_on = current_date,"
                         " participants = '代表', minutes = '纪要' where id = %s", (item,))
            conn.execute("""insert into public.deliberation_code (deliberation_id, code_hash)
                            select %s, encode(sha256(convert_to('BENCH' || n, 'UTF8')), 'hex')
                            from generate_series(1, %s) n""", (item, CODES))
            conn.execute("update public.deliberation set status = 'voting', notice_text = '公示', notice_from = current_date,"
                         " notice_until = current_date + 30, electorate = 100000, quorum = 100 where id = %s", (item,))
        conn.execute("vacuum analyze public.deliberation, public.deliberation_code")
        return item


def run(demands: int = 2_000, keep: bool = True) -> dict:
    from gongzhi import db
    from gongzhi.auth import load_identity
    from gongzhi.deliberation import ballot, queries

    url = bench_url(demands=min(demands, 2_000), keep=keep, database=DATABASE)
    item = _seed(url)
    with psycopg.connect(url) as conn:
        used = conn.execute("select count(*) from public.deliberation_code where deliberation_id = %s and used",
                            (item,)).fetchone()[0]
    fresh = (f"BENCH{n}" for n in itertools.count(used + 1))
    figures: dict[str, float] = {"items": ITEMS, "codes": CODES}
    with pointing_at(url):
        def empty_public() -> None:
            with db.as_public() as conn:
                conn.execute("select 1")
        figures["public_baseline_ms"] = timed_ms(empty_public, repeat=21)
        figures["vote_ms"] = timed_ms(lambda: ballot.vote(next(fresh), "yes"), repeat=21)
        figures["vote_ratio"] = round(figures["vote_ms"] / figures["public_baseline_ms"], 2)
        user = load_identity(user_ids(url)["community"])

        def empty_user() -> None:
            with user.session() as conn:
                conn.execute("select 1")
        figures["user_baseline_ms"] = timed_ms(empty_user, repeat=21)
        figures["page_ms"] = timed_ms(lambda: queries.page(user, None, 1), repeat=21)
        figures["detail_ms"] = timed_ms(lambda: queries.get(user, item), repeat=21)
    with psycopg.connect(url, autocommit=True) as conn:
        figures["owner_baseline_ms"] = timed_ms(lambda: conn.execute(
            """select d.id, d.title, d.status, o.name, count(*) over () from public.deliberation d
               join public.org_unit o on o.id = d.org_unit_id order by d.proposed_on desc, d.id desc limit 20""").fetchall(),
            repeat=21)
        figures["votes"] = conn.execute("select count(*) from public.deliberation_vote where deliberation_id = %s",
                                        (item,)).fetchone()[0]
    figures["page_ratio"] = round(figures["page_ms"] / (figures["user_baseline_ms"] + figures["owner_baseline_ms"]), 2)
    return figures

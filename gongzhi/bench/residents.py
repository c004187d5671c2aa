"""`bench residents`: the suggestion box at the size of a busy community — 10,000 messages in the
demo community account's own community (丽水社区), 1,000 in each other one.

`submit_ms` is one resident's message through the portal as the public role
(gongzhi.suggest.commands.submit: sealing the phone, public.submit_suggestion with its checks and
the three flood limits, a new tracking code), each from a new sender and phone so that no limit
refuses it; its baseline is a plain insert of the same row as the owner. `triage_board_ms` is the
first page of the triage board with its count (gongzhi.suggest.queries.board) as the community's
demo account; its baseline is the same SQL as the owner with the territory written in. The
messages live in a database of their own (demands are not what these figures depend on).
"""
from __future__ import annotations

import itertools
import time

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "residents"
DATABASE = "gongzhi_bench_residents"
OWN_COMMUNITY = 10_000
OTHER_COMMUNITIES = 1_000

SEED = """
insert into public.suggestion (org_unit_id, category_id, kind, body, notice_version, tracking_hash, created_at,
                               reply_due, yellow_on, status, reply, first_reply_at, steps)
select %(community)s, c.ids[1 + g %% cardinality(c.ids)], (array['suggestion', 'complaint', 'need'])[1 + g %% 3],
       '第' || g || '条留言：楼道堆物、路灯不亮、垃圾清运不及时，希望社区尽快处理。', 'suggestion_v1',
       sha256(convert_to(gen_random_uuid()::text, 'UTF8')), at, at::date + 5, at::date + 4,
       case when g %% 4 = 0 then 'closed' when g %% 4 = 1 then 'accepted' else 'received' end,
       case when g %% 4 in (0, 1) then '已答复' end, case when g %% 4 in (0, 1) then at + interval '1 day' end,
       jsonb_build_array(jsonb_build_object('status', 'received', 'at', at))
from generate_series(1, %(n)s) g
cross join (select array_agg(id order by id) as ids from public.category) c
cross join lateral (select now() - make_interval(days => 2 + g %% 90, mins => g %% 600) as at) t
"""
OWNER_BOARD = """
    with page as (
      select s.id, s.created_at, s.org_unit_id, s.category_id, s.kind, s.body, s.phone_masked, s.status, s.reply,
             s.reply_due, s.first_reply_at, s.demand_id, s.event_id, s.merged_into_id, s.deliberation_id,
             case when s.first_reply_at is not null then 'closed' when s.reply_due < current_date then 'red'
                  when s.yellow_on <= current_date then 'yellow' else 'green' end as light
      from public.suggestion s
      where s.status in ('received', 'accepted') and s.terr between %(lo)s and %(hi)s
      order by s.reply_due, s.id limit 50)
    select s.*, o.name as community, c.name_zh, c.name_en
    from page s join public.org_unit o on o.id = s.org_unit_id join public.category c on c.id = s.category_id
    order by s.reply_due, s.id
"""


def _top_up(url: str) -> None:
    with psycopg.connect(url) as conn:
        # Rows in every status at once, past the status machine and the audit (the owner's bulk load).
        conn.execute("alter table public.suggestion disable trigger suggestion_audit_insert")
        conn.execute("alter table public.suggestion disable trigger suggestion_status")
        for community, target in conn.execute(
                "select o.id, case when o.name = '丽水社区' then %s else %s end from public.org_unit o"
                " where o.kind = 'community' order by o.terr", (OWN_COMMUNITY, OTHER_COMMUNITIES)).fetchall():
            have = conn.execute("select count(*) from public.suggestion where community_id = %s", (community,)).fetchone()[0]
            if have < target:
                conn.execute(SEED, {"community": community, "n": target - have})
        conn.execute("alter table public.suggestion enable trigger suggestion_audit_insert")
        conn.execute("alter table public.suggestion enable trigger suggestion_status")
        conn.commit()
        conn.autocommit = True
        conn.execute("vacuum analyze public.suggestion")


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.suggest import commands, queries

    url = bench_url(demands=0, resources=0, keep=keep, database=DATABASE)
    started = time.perf_counter()
    _top_up(url)
    figures: dict[str, float] = {"seed_s": round(time.perf_counter() - started, 1)}
    users = user_ids(url)
    with pointing_at(url):
        community = load_identity(users["community"])
        with psycopg.connect(url, autocommit=True) as conn:
            lo, hi, code, unit = conn.execute(
                "select o.terr, o.terr_hi, o.code, o.id from public.staff s join public.org_unit o"
                " on o.id = s.org_unit_id where s.user_id = %s", (users["community"],)).fetchone()
            figures["community_messages"] = conn.execute(
                "select count(*) from public.suggestion where community_id = %s", (unit,)).fetchone()[0]
            figures["messages"] = conn.execute("select count(*) from public.suggestion").fetchone()[0]
            category = conn.execute("select code, id from public.category order by id limit 1").fetchone()
            counter = itertools.count(1)

            def submit() -> None:
                n = next(counter)
                commands.submit(code, category[0], "need", "3号楼东侧路灯坏了一个多星期，晚上看不清路。",
                                f"139{n:08d}", True, f"198.18.{n // 250}.{n % 250}")

            def owner_insert() -> None:
                with conn.transaction():
                    conn.execute("insert into public.suggestion (org_unit_id, category_id, kind, body, notice_version,"
                                 " tracking_hash) values (%s, %s, 'need', '3号楼东侧路灯坏了一个多星期，晚上看不清路。',"
                                 " 'suggestion_v1', sha256(convert_to(gen_random_uuid()::text, 'UTF8')))",
                                 (unit, category[1]))

            def owner_board() -> None:
                with conn.transaction():
                    conn.execute(OWNER_BOARD, {"lo": lo, "hi": hi}).fetchall()
                    conn.execute("select count(*) from public.suggestion s where s.status in ('received', 'accepted')"
                                 " and s.terr between %s and %s", (lo, hi)).fetchone()

            submit_ms, insert_ms = timed_ms(submit), timed_ms(owner_insert)
            board_ms, owner_ms = timed_ms(lambda: queries.board(community)), timed_ms(owner_board)
            conn.execute("delete from public.suggestion where created_at > now() - interval '1 hour'")
    figures.update(submit_ms=submit_ms, submit_owner_insert_ms=insert_ms,
                   submit_ratio=round(submit_ms / insert_ms, 2) if insert_ms else 0.0,
                   triage_board_ms=board_ms, triage_board_owner_ms=owner_ms,
                   triage_board_ratio=round(board_ms / owner_ms, 2) if owner_ms else 0.0)
    return figures

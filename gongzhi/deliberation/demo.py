"""五议 demo items: a handful of a community's major affairs at every stage, in the demo district.

Called by `gongzhi.demo.load_demo` inside its transaction, as the table owner. Items move through
the same triggers as the portal's moves (stage checks, history, project on approval); code votes go
through private.deliberation_ballot, as the public page's do. DEMO_CODES are vote codes of the item
under 公议 that the demo leaves unused, to try the public vote page with.
"""
from __future__ import annotations

import psycopg

from gongzhi.deliberation.commands import code_hash

DEMO_CODES = ("LSDT2026A3K7", "LSDT2026B8M4", "LSDT2026C5N9")

# (place, title, description, proposer kind, proposer, how far it goes)
ITEMS = [
    ("丽水社区", "小区停车改造", "丽水小区车位不足，消防通道常被占用。拟将小区东侧闲置绿地改造为 36 个生态停车位，"
     "重新划线并安装道闸，费用由社区共建资金和业主共同承担。", "residents", "丽水小区业主代表", "approved"),
    ("丽水社区第一网格", "3栋老旧住宅加装电梯", "丽水社区3栋建于1994年，7层无电梯，住户中60岁以上老人占四成。"
     "拟在北侧加装一部电梯，按楼层分摊费用，申请既有住宅加装电梯补贴。", "residents", "3栋居民", "voting"),
    ("丽水社区", "垃圾分类亭选址", "小区现有垃圾桶分散、异味大。拟新建两处垃圾分类投放亭，候选位置为2栋北侧空地和小区西门。",
     "party", "丽水社区党委", "consulted"),
    ("丽水社区", "社区广场舞时间与音量公约", "晚间广场舞音量影响临街住户休息，建议商定活动时段和音量上限。",
     "residents", "临街5栋、6栋住户", "proposed"),
    ("丽水社区", "小区内设临时摊点", "有居民建议在小区内允许早市摊点经营。", "residents", "部分居民",
     "declined"),
    ("江滩社区", "健身步道改造", "沿江健身步道破损积水，拟铺设塑胶步道并增设照明和休息座椅。", "unit",
     "区城管执法局（包联单位）", "evaluated"),
    ("新华里社区", "电动自行车集中充电棚", "楼道内充电存在火灾隐患，拟在小区南门建设集中充电棚，安装智能充电桩 40 个。",
     "party", "新华里社区党委", "accepted"),
]
ORDER = ("proposed", "accepted", "consulted", "voting", "approved", "evaluated")


def _set(conn, item: int, sql: str, params: tuple = ()) -> None:
    conn.execute(f"update public.deliberation set {sql} where id = %s", (*params, item))


def _codes(conn, item: int, codes) -> None:
    with conn.cursor() as cur:
        cur.executemany("insert into public.deliberation_code (deliberation_id, code_hash) values (%s, %s)",
                        [(item, code_hash(c)) for c in codes])


def _vote(conn, item: int, codes: list[str], choices: list[str]) -> None:
    _codes(conn, item, codes)
    for code, choice in zip(codes, choices):
        conn.execute("select from private.deliberation_ballot(%s, %s)", (code, choice))


def _walk(conn, item: int, target: str, n: int) -> None:
    if target == "declined":
        _set(conn, item, "status = 'declined', motion_on = current_date - 20,"
                         " decline_reason = '小区道路狭窄，摊点影响消防通道和居民通行，且不符合市容管理规定；建议引导居民前往附近农贸市场。'")
        return
    reached = ORDER.index(target)
    if reached >= 1:
        _set(conn, item, "status = 'accepted', motion_on = current_date - 60 + %s", (n,))
    if reached >= 2:
        _set(conn, item, "status = 'consulted', meeting_on = current_date - 45 + %s, meeting_place = '社区党群服务中心二楼会议室',"
                         " participants = '社区党委书记、居委会委员、业主代表 9 人、物业公司、包联单位代表',"
                         " minutes = '会议听取了提议说明，逐条讨论了方案、费用分摊和施工影响。多数代表同意按方案进入公议，"
                         "并要求公示期内张贴效果图、在业主群同步发布。'", (n,))
    if reached >= 3:
        past = target != "voting"
        _set(conn, item, "status = 'voting', notice_from = current_date - %s, notice_until = current_date + 7,"
                         " electorate = %s, quorum = %s, notice_text = %s",
             (30 if past else 2, 42 if target == "voting" else 120, 22 if target == "voting" else 61,
              "现将方案公示如下：方案内容、费用预算和施工周期见社区公告栏。公示期内请持社区发放的表决码投票，"
              "也可在居民议事会上现场表决。有效表决达到法定人数、且同意票过半数的，方案通过。"))
        if target == "voting":
            _vote(conn, item, [f"LS3D{n:02d}X{k:06d}" for k in range(11)],
                  ["yes"] * 8 + ["no"] * 2 + ["abstain"])
            _codes(conn, item, DEMO_CODES)
            return
        _vote(conn, item, [f"DM{n:02d}Y{k:07d}" for k in range(24)], ["yes"] * 19 + ["no"] * 3 + ["abstain"] * 2)
        _set(conn, item, "meeting_yes = 38, meeting_no = 6, meeting_abstain = 3, notice_until = current_date - 3")
        _set(conn, item, "status = 'approved'")
    if reached >= 5:
        project = conn.execute("select project_id from public.deliberation where id = %s", (item,)).fetchone()[0]
        conn.execute("update public.project set status = 'in_progress', progress = 60 where id = %s", (project,))
        conn.execute("update public.project set status = 'done', progress = 100 where id = %s", (project,))
        _set(conn, item, "status = 'evaluated', evaluated_on = current_date - 1, rating_satisfied = 54,"
                         " rating_basic = 9, rating_unsatisfied = 2, evaluation = '步道已按方案完工并通过验收，"
                         "夜间照明改善明显；居民建议增加垃圾桶，已转物业落实。'")


def load(conn: psycopg.Connection) -> None:
    """The demo items, each walked to its stage."""
    for n, (place, title, description, kind, proposer, target) in enumerate(ITEMS):
        item = conn.execute(
            "insert into public.deliberation (org_unit_id, title, description, proposer_kind, proposer, proposed_on)"
            " select id, %s, %s, %s, %s, current_date - 70 + %s from public.org_unit where name = %s returning id",
            (title, description, kind, proposer, n, place)).fetchone()[0]
        _walk(conn, item, target, n)

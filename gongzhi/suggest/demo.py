"""Demo messages of the suggestion box: a handful per community in everyday Chinese, received over
the last three weeks and triaged along every path (awaiting reply, accepted, closed with a reply,
merged into a demand of the community). Called by `gongzhi.demo.load_demo` in its transaction, as
the owner; rows go through the table's triggers like the portal's. The first message of 丽水社区
has the published tracking code DEMO_CODE, so the public page can be tried at once."""
from __future__ import annotations

import random

from gongzhi.personal.crypto import seal

DEMO_CODE = "JYX3KP8RTW"
PER_COMMUNITY = 6

# (category code, kind, message)
MESSAGES = [
    ("repair", "need", "3号楼东侧路灯坏了一个多星期，晚上老人出门倒垃圾看不清路，希望尽快修好。"),
    ("environment", "complaint", "小区南门外的垃圾桶每天上午才清运，夏天味道很大，能否改成早晚各一次？"),
    ("elderly", "suggestion", "建议社区食堂增加送餐上门服务，楼里好几位独居老人腿脚不便。"),
    ("safety", "complaint", "5号楼楼道里堆了很多纸箱和旧家具，还有电动车在楼道充电，存在消防隐患。"),
    ("culture", "suggestion", "希望周末在活动中心开设少儿书法班，孩子们放假没地方去。"),
    ("repair", "complaint", "12栋2单元的电梯这个月已经停了三次，每次都要等好几天才修。"),
    ("childcare", "need", "双职工家庭放学后接孩子困难，能否组织志愿者开办四点半课堂？"),
    ("environment", "suggestion", "小区绿化带里的狗粪很多，建议设置宠物便便箱并加强文明养犬宣传。"),
    ("health", "need", "希望社区卫生服务站能定期上门为卧床老人量血压、测血糖。"),
    ("legal", "need", "家里老房子拆迁补偿有纠纷，想咨询律师，不知道社区有没有免费法律咨询。"),
    ("employment", "need", "我失业半年了，想了解社区有没有技能培训和招聘信息。"),
    ("safety", "suggestion", "菜市场路口没有红绿灯，上下学时间车多人多，建议增设斑马线和减速带。"),
]
REPLIES = {
    "accepted": "您的留言已收到，社区已安排网格员现场查看，三个工作日内给您答复。",
    "closed": "经核实，问题已于本周处理完毕。感谢您的监督，如仍有问题请再次留言。",
    "merged": "该问题已有居民反映，社区已纳入需求清单统一办理。",
}
# What each message of a community becomes, in order: a mix of every path and light.
PATHS = ["received", "received", "accepted", "closed", "merged", "received"]


def load(conn) -> int:
    """Insert the demo messages; returns how many."""
    rng = random.Random(2026)
    communities = conn.execute("select id from public.org_unit where kind = 'community' order by terr").fetchall()
    categories = {r[0]: r[1] for r in conn.execute("select code, id from public.category").fetchall()}
    notice = "suggestion_v1"
    n = 0
    for index, (community,) in enumerate(communities):
        for i in range(PER_COMMUNITY):
            category, kind, body = MESSAGES[(index * PER_COMMUNITY + i) % len(MESSAGES)]
            days_ago = rng.randint(0, 12)
            phone = seal("phone", f"139{rng.randint(10000000, 99999999)}") if rng.random() < 0.5 else None
            code = DEMO_CODE if index == 0 and i == 0 else None
            row = conn.execute(
                """insert into public.suggestion (org_unit_id, category_id, kind, body, phone_enc, phone_bidx, phone_masked,
                                                  notice_version, tracking_hash, created_at, reply_due, yellow_on, steps)
                   select %(unit)s, %(category)s, %(kind)s, %(body)s, %(enc)s, %(bidx)s, %(masked)s, %(notice)s,
                          private.tracking_hash(coalesce(%(code)s, private.new_tracking_code())), at,
                          private.add_working_days(at::date, 3), private.add_working_days(at::date, 2),
                          jsonb_build_array(jsonb_build_object('status', 'received', 'at', at))
                   from (select now() - make_interval(days => %(days)s, hours => %(hours)s) as at) x
                   returning id""",
                {"unit": community, "category": categories[category], "kind": kind, "body": body,
                 "enc": phone.enc if phone else None, "bidx": phone.bidx if phone else None,
                 "masked": phone.masked if phone else None, "notice": notice, "code": code,
                 "days": days_ago, "hours": rng.randint(0, 10)}).fetchone()
            _triage(conn, row[0] if not isinstance(row, dict) else row["id"], community, PATHS[i])
            n += 1
    return n


def _triage(conn, suggestion_id: int, community: int, path: str) -> None:
    if path == "received":
        return
    if path == "merged":
        demand = conn.execute("select id from public.demand where community_id = %s order by id limit 1",
                              (community,)).fetchone()
        if demand is None:
            return
        conn.execute("update public.suggestion set status = 'merged', demand_id = %s, reply = %s where id = %s",
                     (demand[0] if not isinstance(demand, dict) else demand["id"], REPLIES["merged"], suggestion_id))
        return
    conn.execute("update public.suggestion set status = %s, reply = %s where id = %s",
                 (path, REPLIES[path], suggestion_id))

"""The demo district's 书记项目 and 包联: a claim per street and a few communities at every step of
报·审·督·晒, the district's departments and units to pair, and each community's profile."""
from __future__ import annotations

import datetime as dt

import psycopg

# name, functions (category codes), strength, capacity, where it sits
UNITS = [
    ("区民政局", ("elderly", "counselling"), 86, 2, "长江路街道"),
    ("区住房和城乡建设局", ("repair", "safety"), 120, 2, "新华街道"),
    ("区司法局", ("legal", "counselling"), 64, 2, "文昌街道"),
    ("区人力资源和社会保障局", ("employment",), 75, 2, "东湖街道"),
    ("区卫生健康委员会", ("health", "elderly"), 140, 2, "长江路街道"),
    ("区教育局", ("childcare", "culture"), 98, 2, "文昌阁社区"),
    ("区城市管理局", ("environment", "safety"), 210, 2, "新华里社区"),
    ("区应急管理局", ("safety",), 52, 1, "东湖社区"),
    ("区文化和旅游局", ("culture",), 45, 1, "书院社区"),
    ("国网滨江供电公司", ("repair", "safety"), 160, 2, "江滩社区"),
    ("滨江区人民医院", ("health",), 320, 2, "花园社区"),
    ("区税务局", ("employment", "legal"), 70, 1, "建设社区"),
]
# A claim: unit, secretary, project name, goal, targets, budget (yuan), status reached
CLAIMS = [
    ("长江路街道", "李秀英", "老旧小区加装电梯攻坚", "年内完成辖区老旧小区电梯加装协调",
     "加装电梯12部\n惠及居民600户", 3_600_000, "approved"),
    ("新华街道", "周国平", "“15分钟便民生活圈”建设", "打造社区嵌入式便民服务网点",
     "新建便民网点8个\n群众满意度90%以上", 1_200_000, "submitted"),
    ("丽水社区", "张伟", "“一老一小”幸福食堂", "为辖区高龄独居老人和双职工家庭提供助餐服务",
     "每日供餐200份\n覆盖高龄老人150人", 280_000, "published"),
    ("江滩社区", "赵敏", "江滩背街小巷整治", "整治背街小巷环境与停车秩序",
     "整治小巷6条\n新增停车位80个", 450_000, "returned"),
    ("花园社区", "孙丽", "社区矛盾纠纷“一站式”调处", "建立人民调解与心理疏导联动机制",
     "调处纠纷100件\n调解成功率95%", 60_000, "claimed"),
]


def load(conn: psycopg.Connection) -> None:
    """Units, profiles and claims of the demo district, written as the owner (triggers still run)."""
    unit = dict(conn.execute("select name, id from public.org_unit where kind in ('street', 'community')").fetchall())
    with conn.cursor() as cur:
        cur.executemany("""insert into public.baolian_unit (name, functions, strength, capacity, located_at)
                           values (%s, %s, %s, %s, %s)""",
                        [(n, list(f), s, c, unit[at]) for n, f, s, c, at in UNITS])
    conn.execute("""insert into public.community_profile (community_id, population, old_estates)
                    select id, 6000 + (terr / 1000 % 7) * 1500, (terr / 1000 % 4) from public.org_unit
                    where kind = 'community'""")
    today = dt.date.today()
    for at, secretary, name, goal, targets, budget, status in CLAIMS:
        project = conn.execute("""insert into public.project (org_unit_id, kind, name, description, budget, spent,
                                                              start_date, end_date, status)
                                  values (%s, 'secretary', %s, %s, %s, %s, %s, %s, 'planning') returning id""",
                               (unit[at], name, goal, budget, budget // 3 if status in ("approved", "published") else 0,
                                today - dt.timedelta(days=90), today + dt.timedelta(days=200))).fetchone()[0]
        claim = conn.execute("""insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets,
                                                                     deadline, report_every_days)
                                values (%s, %s, %s, %s, %s, %s, 30) returning id""",
                             (project, unit[at], secretary, goal, targets, today + dt.timedelta(days=200))).fetchone()[0]
        path = {"claimed": [], "submitted": ["submitted"], "returned": ["submitted", "returned"],
                "approved": ["submitted", "approved"], "published": ["submitted", "approved", "published"]}[status]
        for step in path:
            conn.execute("""update public.secretary_project set status = %s,
                              review_note = case %s when 'returned' then '目标不够具体,请补充可量化指标和资金来源'
                                                    when 'approved' then '同意,按季度报告进展' else review_note end,
                              reviewed_at = case when %s in ('approved', 'returned') then now() - interval '60 days'
                                                 else reviewed_at end,
                              result = case %s when 'published' then '幸福食堂开业运行,日均供餐210份' else result end,
                              problems_solved = case %s when 'published' then 36 else problems_solved end,
                              people_reached = case %s when 'published' then 420 else people_reached end,
                              published_on = case %s when 'published' then current_date - 3 else published_on end
                            where id = %s""", (step, step, step, step, step, step, step, claim))
        if status in ("approved", "published"):
            conn.execute("""insert into public.secretary_update (secretary_project_id, kind, body, progress)
                            values (%s, 'report', '已完成前期摸排和居民意见征集', 30),
                                   (%s, 'note', '请加快进度,注意听取居民意见', null)""", (claim, claim))
        if status == "approved":   # its monthly report is overdue: a red light on the list
            conn.execute("update public.secretary_update set created_at = now() - interval '45 days'"
                         " where secretary_project_id = %s", (claim,))

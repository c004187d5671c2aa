"""Words the demo district is made of: realistic Chinese names of places, people, needs and offers.

Pure data, read by gongzhi.demo; nothing here touches the database.
"""

DISTRICT = ("滨江区", "330100")

# street → its communities
STREETS = {
    "长江路街道": ["丽水社区", "江滩社区", "花园社区", "民主社区"],
    "新华街道": ["新华里社区", "建设社区", "青年社区", "菱角湖社区"],
    "文昌街道": ["文昌阁社区", "书院社区", "桂花园社区", "状元坊社区"],
    "东湖街道": ["东湖社区", "梨园社区", "水果湖社区", "翠柳社区"],
}
GRIDS_PER_COMMUNITY = 5
BUILDINGS_PER_GRID = 3
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格"]

# code, Chinese name, English name
CATEGORIES = [
    ("elderly", "助老服务", "Elderly care"),
    ("repair", "维修维护", "Repairs"),
    ("legal", "法律援助", "Legal aid"),
    ("employment", "就业帮扶", "Employment"),
    ("health", "医疗健康", "Health"),
    ("childcare", "教育托管", "Childcare and tutoring"),
    ("environment", "环境整治", "Environment"),
    ("counselling", "心理疏导", "Counselling"),
    ("culture", "文体活动", "Culture and sports"),
    ("safety", "安全隐患", "Safety hazards"),
]

# category code → (title, description) of demands residents raise
DEMAND_TEMPLATES = {
    "elderly": [
        ("独居老人需要上门助餐", "老人八十多岁独自居住，行动不便，希望每天中午有人送餐上门。"),
        ("高龄老人希望定期陪同就医", "子女在外地工作，老人每月需到医院复查，希望有志愿者陪同。"),
        ("失能老人家庭申请喘息服务", "家属长期照护压力大，希望每周有半天专业护理员替班。"),
        ("老人需要智能手机使用指导", "老人不会用手机挂号和扫码，希望社区组织教学。"),
    ],
    "repair": [
        ("楼道声控灯损坏需维修", "单元楼道三至五层声控灯不亮，老人夜间上下楼不安全。"),
        ("下水管道堵塞返水", "一楼厨房下水返水，影响多户居民正常生活。"),
        ("屋顶防水层老化漏雨", "顶楼住户反映雨天天花板渗水，墙面发霉。"),
        ("单元门禁损坏无法关闭", "单元门禁锁坏了一周，陌生人随意进出。"),
        ("老旧小区电动车充电桩不足", "居民在楼道私拉电线充电，存在火灾隐患，希望加装充电桩。"),
    ],
    "legal": [
        ("邻里噪音纠纷需要调解", "楼上住户夜间噪音大，多次沟通无果，希望调解。"),
        ("农民工讨薪需要法律咨询", "在装修公司务工被拖欠三个月工资，需要法律援助。"),
        ("遗产继承问题咨询", "老人去世后子女对房产继承有分歧，希望律师解答。"),
    ],
    "employment": [
        ("失业人员求职登记", "居民近期失业，有驾驶证，希望推荐就近工作岗位。"),
        ("残疾人寻求灵活就业", "肢体残疾，会电脑操作，希望找居家办公的工作。"),
        ("高校毕业生就业指导", "应届毕业生尚未就业，希望得到简历和面试指导。"),
    ],
    "health": [
        ("慢性病老人需要定期测血压", "高血压老人行动不便，希望家庭医生每周上门测量。"),
        ("孕产妇需要健康随访", "新手妈妈产后恢复，希望社区卫生服务中心上门随访。"),
        ("居民希望开展义诊活动", "小区老年人多，希望组织一次义诊和健康讲座。"),
    ],
    "childcare": [
        ("双职工家庭孩子课后托管", "父母下班晚，小学生放学后无人看护，希望有四点半课堂。"),
        ("困境儿童需要学业辅导", "孩子父母离异随祖父母生活，数学成绩落后，希望有志愿者辅导。"),
        ("暑期青少年活动需求", "暑假孩子在家玩手机，希望社区组织夏令营活动。"),
    ],
    "environment": [
        ("垃圾分类投放点异味严重", "垃圾房清运不及时，夏天异味大，蚊蝇多。"),
        ("小区绿化带杂草丛生", "绿化带长期无人修剪，滋生蚊虫。"),
        ("楼道堆放杂物需清理", "多户居民在楼道堆放旧家具，堵塞消防通道。"),
    ],
    "counselling": [
        ("独居老人情绪低落需要陪伴", "老伴去世后老人不愿出门，家属担心其心理状况。"),
        ("青少年厌学需要心理疏导", "初中生近期拒绝上学，家长希望有心理咨询师介入。"),
    ],
    "culture": [
        ("老年人希望开设书法班", "小区书法爱好者多，希望社区提供活动室和老师。"),
        ("广场舞场地需要协调", "晚间广场舞音响扰民，希望协调合适的场地和时间。"),
    ],
    "safety": [
        ("小区消防通道被占用", "私家车长期停放在消防通道上，出现险情无法通行。"),
        ("楼道飞线充电存在隐患", "有住户从窗户拉线给电动车充电。"),
        ("路口缺少减速带", "小区出口紧邻学校，车辆速度快，存在安全隐患。"),
    ],
}

# category code → (kind, name, provider, provider_kind) of what units and volunteers offer
RESOURCE_TEMPLATES = {
    "elderly": [("service", "社区长者食堂助餐服务", "滨江区长者食堂", "organisation"),
                ("manpower", "助老志愿服务队", "区青年志愿者协会", "organisation")],
    "repair": [("skill", "水电维修便民服务", "滨江物业服务有限公司", "unit"),
               ("equipment", "维修工具借用", "长江路街道综合服务站", "community"),
               ("skill", "在职党员电工技能服务", "国网滨江供电公司", "unit")],
    "legal": [("skill", "律师公益法律咨询", "明德律师事务所", "unit"),
              ("service", "人民调解服务", "区司法局", "department")],
    "employment": [("service", "就业岗位推荐", "区人力资源和社会保障局", "department"),
                   ("funds", "创业帮扶资金", "区总工会", "unit")],
    "health": [("service", "家庭医生签约上门服务", "社区卫生服务中心", "unit"),
               ("skill", "义诊志愿服务", "滨江区人民医院", "unit")],
    "childcare": [("venue", "四点半课堂活动室", "实验小学", "unit"),
                  ("manpower", "大学生学业辅导志愿者", "江城大学团委", "organisation")],
    "environment": [("manpower", "环境清洁志愿服务", "区城管局", "department"),
                    ("equipment", "垃圾分类宣传物资", "区环卫所", "department")],
    "counselling": [("skill", "心理咨询服务", "阳光心理咨询中心", "organisation")],
    "culture": [("venue", "党群服务中心多功能厅", "社区党群服务中心", "community"),
                ("skill", "书法绘画教学", "区文化馆", "unit")],
    "safety": [("service", "消防安全检查", "滨江区消防救援大队", "department"),
               ("funds", "安全隐患整改专项资金", "区应急管理局", "department")],
}

# (kind, name, description)
PROJECT_TEMPLATES = [
    ("joint", "老旧小区加装电梯共建项目", "联合住建部门和驻区单位，为多层住宅加装电梯。"),
    ("secretary", "红色物业书记项目", "社区书记牵头，推动物业服务与党建融合。"),
    ("livelihood", "长者食堂建设民生实事", "新建社区长者食堂，解决老人吃饭难。"),
    ("joint", "四点半课堂共建项目", "驻区学校和高校志愿者共建课后托管。"),
    ("livelihood", "电动车集中充电棚建设", "新增集中充电设施，消除飞线充电隐患。"),
    ("secretary", "楼栋长能力提升书记项目", "培训楼栋长，提升网格精细化管理水平。"),
    ("joint", "邻里守望平安共建", "联合派出所和物业开展平安巡逻。"),
    ("livelihood", "背街小巷环境整治", "整治背街小巷环境卫生和乱停乱放。"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_NAMES = ["建国", "秀英", "桂兰", "志强", "丽娟", "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳",
               "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "玉兰", "海燕", "文华", "红梅",
               "国华", "淑珍", "德明", "春梅", "晓东", "子涵", "浩然", "雨桐"]

MILESTONES = ["立项调研", "方案公示", "组织实施", "验收评估"]

# the demo accounts listed in the README: email, role, where, name
DEMO_PASSWORD = "gongzhi2026"
DEMO_ACCOUNTS = [
    ("qu@demo.gongzhi.cn", "district", None, "王建国"),
    ("jiedao@demo.gongzhi.cn", "street", "长江路街道", "李秀英"),
    ("shequ@demo.gongzhi.cn", "community", "丽水社区", "张伟"),
    ("wangge@demo.gongzhi.cn", "grid", "丽水社区第一网格", "刘洋"),
    ("bumen@demo.gongzhi.cn", "department", None, "陈刚"),
]
# The demo district's three administrators (三权分立): district-level accounts, one capability each.
DEMO_ADMINS = [
    ("xitong@demo.gongzhi.cn", "system", "吴浩然"),
    ("anquan@demo.gongzhi.cn", "security", "郑晓燕"),
    ("shenji@demo.gongzhi.cn", "audit", "冯志强"),
]

"""Word pools for the demo generator: Chinese and English people, companies, places and phrases.

Everything here is plain data plus a few pure helpers. Names are built from small pools by
arithmetic on an index (no per-row random calls), so a million rows cost little.
"""

from __future__ import annotations

# (character, pinyin) — common family names, roughly in order of frequency
SURNAMES = tuple((s, p) for s, p in (pair.split(":") for pair in (
    "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun "
    "马:ma 朱:zhu 胡:hu 郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang "
    "许:xu 韩:han 冯:feng 邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan "
    "于:yu 蒋:jiang 蔡:cai 余:yu 杜:du 叶:ye 程:cheng 苏:su 魏:wei 吕:lv 丁:ding 任:ren 沈:shen "
    "姚:yao 卢:lu 姜:jiang 崔:cui 钟:zhong 谭:tan 陆:lu 汪:wang 范:fan 金:jin"
).split()))

GIVEN_NAMES = tuple((s, p) for s, p in (pair.split(":") for pair in (
    "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan 杰:jie "
    "娟:juan 涛:tao 明:ming 超:chao 秀英:xiuying 霞:xia 平:ping 刚:gang 桂英:guiying 建华:jianhua "
    "建国:jianguo 志强:zhiqiang 晓东:xiaodong 海燕:haiyan 丹:dan 萍:ping 鹏:peng 华:hua 红:hong "
    "玲:ling 宇:yu 浩:hao 凯:kai 婷:ting 雪:xue 琳:lin 欣怡:xinyi 子轩:zixuan 梓涵:zihan 浩然:haoran "
    "雨桐:yutong 思远:siyuan 晨:chen 佳怡:jiayi 文博:wenbo 嘉豪:jiahao 俊杰:junjie 宏:hong 斌:bin "
    "辉:hui 瑶:yao 倩:qian 颖:ying 鑫:xin 博:bo 亮:liang 峰:feng 晓燕:xiaoyan 国庆:guoqing "
    "立新:lixin 春梅:chunmei 海涛:haitao 文静:wenjing 家豪:jiahao 一鸣:yiming"
).split()))

EN_FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Susan Richard "
    "Jessica Thomas Sarah Daniel Karen Matthew Emily Anthony Laura Mark Emma Paul Olivia Steven "
    "Sophie Andrew Grace Kevin Chloe Brian Hannah George Lucy Peter Anna Oliver Claire"
).split()
EN_LAST = (
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
    "Jackson White Harris Clark Lewis Walker Hall Allen Young King Wright Scott Green Baker Adams "
    "Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart"
).split()

# (province, city, city in pinyin, telephone area code, weight)
PLACES = (
    ("广东", "广州", "Guangzhou", "020", 8), ("广东", "深圳", "Shenzhen", "0755", 9),
    ("广东", "东莞", "Dongguan", "0769", 4), ("广东", "佛山", "Foshan", "0757", 4),
    ("浙江", "杭州", "Hangzhou", "0571", 8), ("浙江", "宁波", "Ningbo", "0574", 4),
    ("浙江", "温州", "Wenzhou", "0577", 3), ("江苏", "南京", "Nanjing", "025", 6),
    ("江苏", "苏州", "Suzhou", "0512", 7), ("江苏", "无锡", "Wuxi", "0510", 4),
    ("上海", "上海", "Shanghai", "021", 12), ("北京", "北京", "Beijing", "010", 11),
    ("天津", "天津", "Tianjin", "022", 4), ("山东", "济南", "Jinan", "0531", 3),
    ("山东", "青岛", "Qingdao", "0532", 4), ("四川", "成都", "Chengdu", "028", 6),
    ("湖北", "武汉", "Wuhan", "027", 5), ("福建", "厦门", "Xiamen", "0592", 3),
    ("福建", "福州", "Fuzhou", "0591", 3), ("河南", "郑州", "Zhengzhou", "0371", 4),
    ("湖南", "长沙", "Changsha", "0731", 4), ("陕西", "西安", "Xi'an", "029", 4),
    ("重庆", "重庆", "Chongqing", "023", 5), ("安徽", "合肥", "Hefei", "0551", 3),
    ("辽宁", "沈阳", "Shenyang", "024", 2), ("辽宁", "大连", "Dalian", "0411", 3),
    ("河北", "石家庄", "Shijiazhuang", "0311", 2), ("云南", "昆明", "Kunming", "0871", 2),
)
PLACE_WEIGHTS = tuple(p[4] for p in PLACES)
ROADS = ("人民路", "中山路", "解放路", "建设路", "科技路", "长江路", "黄河路", "新华路", "和平路",
         "滨江大道", "世纪大道", "学院路", "工业大道", "创业路", "高新大道")
EN_ROADS = ("Century Avenue", "Nanjing Road", "Huaihai Road", "Science Park Road", "Binjiang Avenue")

# Two-character trade names: first × second character gives 900 brands, each with its pinyin.
BRAND_FIRST = tuple(pair.split(":") for pair in (
    "宏:hong 华:hua 长:chang 东:dong 鼎:ding 恒:heng 金:jin 天:tian 瑞:rui 远:yuan 新:xin 博:bo "
    "中:zhong 汇:hui 正:zheng 永:yong 海:hai 众:zhong 鑫:xin 凯:kai 盛:sheng 银:yin 星:xing 九:jiu "
    "润:run 安:an 德:de 嘉:jia 同:tong 启:qi"
).split())
BRAND_SECOND = tuple(pair.split(":") for pair in (
    "达:da 信:xin 城:cheng 方:fang 昌:chang 通:tong 桥:qiao 成:cheng 丰:feng 大:da 锐:rui 航:hang "
    "联:lian 泰:tai 纳:na 诚:cheng 源:yuan 越:yue 世:shi 河:he 辰:chen 州:zhou 泽:ze 禾:he 创:chuang "
    "明:ming 辉:hui 邦:bang 品:pin 智:zhi"
).split())
EN_BRANDS = (
    "Apex Bluewave Crestline Evergreen Northstar Summit Pinnacle Silverline Harbor Redwood Granite "
    "Horizon Lighthouse Maple Oakridge Pioneer Quantum Riverside Sterling Trident Unity Vertex "
    "Westfield Zenith Atlas Beacon Cobalt Delta Ember Falcon Keystone Meridian Orion Polaris Sequoia"
).split()
ZH_SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司")
EN_SUFFIXES = ("Co., Ltd.", "Ltd.", "Inc.", "Group", "LLC", "GmbH")

# industry code -> (Chinese trade words, English trade words)
TRADES = {
    "manufacturing": (("机械", "制造", "精密", "汽车部件", "新材料"),
                      ("Machinery", "Manufacturing", "Precision", "Auto Parts")),
    "it": (("科技", "软件", "信息技术", "网络", "数据"), ("Technologies", "Software", "Systems", "Data")),
    "retail": (("商贸", "百货", "食品", "服饰", "电子商务"), ("Retail", "Foods", "Apparel", "Trading")),
    "finance": (("投资", "金融服务", "融资租赁"), ("Capital", "Financial", "Investments")),
    "education": (("教育", "培训", "文化传播"), ("Education", "Learning", "Academy")),
    "healthcare": (("医药", "医疗器械", "健康管理"), ("Pharma", "Medical", "Health")),
    "construction": (("建设", "建筑工程", "置业", "装饰工程"), ("Construction", "Properties", "Builders")),
    "logistics": (("物流", "供应链", "国际货运"), ("Logistics", "Supply Chain", "Freight")),
    "energy": (("能源", "新能源", "电力", "环保"), ("Energy", "Power", "Solar", "Cleantech")),
    "government": (("市政服务中心", "公共资源交易中心", "信息中心"), ("Public Services",)),
    "other": (("实业", "发展", "咨询"), ("Holdings", "Consulting", "Enterprises")),
}
INDUSTRY_WEIGHTS = {"manufacturing": 22, "it": 18, "retail": 12, "finance": 6, "education": 6,
                    "healthcare": 7, "construction": 8, "logistics": 7, "energy": 5,
                    "government": 3, "other": 6}

TITLES_ZH = ("总经理", "副总经理", "采购经理", "采购主管", "技术总监", "IT经理", "财务总监", "行政主管",
             "市场经理", "项目经理", "运营总监", "董事长", "工程师", "总经理助理", "信息部主任")
TITLES_EN = ("CEO", "CTO", "CFO", "Purchasing Manager", "IT Director", "Operations Manager",
             "Project Manager", "Marketing Director", "Office Manager", "Engineer", "Head of Procurement")
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "aliyun.com", "gmail.com",
                "outlook.com")
MOBILE_PREFIXES = tuple(f"13{d}" for d in range(10)) + tuple(
    f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)) + tuple(f"18{d}" for d in range(10))

PRODUCTS_ZH = ("ERP系统实施", "CRM系统采购", "年度维保合同", "云服务器采购", "数据中台项目", "办公设备采购",
               "安防监控系统", "生产线改造", "员工培训服务", "软件许可续费", "网络设备升级", "仓储物流方案",
               "咨询服务", "定制开发", "智能门禁系统")
PRODUCTS_EN = ("ERP rollout", "Annual support renewal", "Cloud migration", "Data platform",
               "Office equipment", "Security system upgrade", "Training package", "License renewal",
               "Network upgrade", "Consulting engagement", "Custom development")

# activity type -> (Chinese subjects, English subjects)
SUBJECTS = {
    "call": (("电话回访", "电话沟通需求", "确认报价细节", "跟进付款进度", "邀约参加产品演示"),
             ("Follow-up call", "Call to confirm requirements", "Discuss the quote", "Payment follow-up")),
    "visit": (("上门拜访", "现场调研", "客户现场演示", "拜访决策人"), ("On-site visit", "Site survey")),
    "meeting": (("方案评审会", "商务谈判会议", "项目启动会", "线上产品演示"),
                ("Proposal review", "Negotiation meeting", "Kick-off meeting", "Online demo")),
    "email": (("发送报价单", "发送产品资料", "发送合同草案", "发送会议纪要"),
              ("Send the quote", "Send the brochure", "Send the draft contract")),
    "task": (("准备解决方案", "整理需求文档", "申请特价审批", "更新客户资料", "准备投标文件"),
             ("Prepare the proposal", "Write up requirements", "Request discount approval")),
}
ACTIVITY_TYPE_WEIGHTS = {"call": 40, "task": 20, "visit": 15, "meeting": 10, "email": 15}

OUTCOMES = ("客户有意向，下周再联系", "已发送报价，等待反馈", "客户预算待审批", "约定下周上门演示",
            "需要技术同事配合答疑", "客户暂无需求，三个月后回访", "决策人出差，改期沟通",
            "Interested, call back next week", "Quote sent, waiting for feedback",
            "Budget approval pending")
NOTES = ("客户希望下周再联系", "对价格比较敏感，需要申请折扣", "决策链：采购经理→总经理", "竞争对手已报价，价格低约10%",
         "客户关注售后响应时间", "年底前有预算，需要尽快推进", "已加微信，方便随时沟通", "客户对演示效果满意",
         "需要提供三家同行案例", "付款方式倾向分三期",
         "Prefers e-mail over phone calls", "Decision expected after the board meeting",
         "Asked for two customer references", "Competitor quoted about 10% lower")
LEAD_DESCRIPTIONS = ("展会上留下名片，对产品感兴趣", "官网留言咨询价格", "老客户推荐，希望尽快演示",
                     "搜索推广进线，询问试用", "电话咨询实施周期", "微信公众号留言",
                     "Met at the trade show, wants a demo", "Asked for pricing on the website")
ACCOUNT_DESCRIPTIONS = ("行业内头部企业，年采购额较大", "老客户，合作三年以上", "有多个分支机构，需要统一采购",
                        "Regional leader, several branch offices")

# (name, colour) — free labels put on leads and accounts
TAGS = (("重点客户", "#e74c3c"), ("VIP", "#8e44ad"), ("老客户", "#27ae60"), ("招投标", "#f39c12"),
        ("渠道合作", "#2980b9"), ("价格敏感", "#d35400"), ("需上门", "#16a085"), ("决策人已接触", "#34495e"),
        ("Key account", "#c0392b"), ("Follow up", "#2c3e50"), ("Partner", "#1abc9c"),
        ("Government", "#7f8c8d"))


def person(k: int, english: bool) -> tuple[str, str]:
    """Name and an e-mail local part for person number `k` (family name first in Chinese)."""
    if english:
        first, last = EN_FIRST[k % len(EN_FIRST)], EN_LAST[(k // len(EN_FIRST)) % len(EN_LAST)]
        return f"{first} {last}", f"{first}.{last}".lower()
    family, given = SURNAMES[k % len(SURNAMES)], GIVEN_NAMES[(k // len(SURNAMES)) % len(GIVEN_NAMES)]
    return family[0] + given[0], family[1] + given[1]


def company(k: int, industry: str, city: int, english: bool) -> tuple[str, str]:
    """Company name and web domain for company number `k` in `industry`, based in PLACES[city]."""
    zh_trades, en_trades = TRADES[industry]
    if english:
        brand = EN_BRANDS[k % len(EN_BRANDS)]
        trade = en_trades[(k // len(EN_BRANDS)) % len(en_trades)]
        suffix = EN_SUFFIXES[(k // 7) % len(EN_SUFFIXES)]
        return f"{brand} {trade} ({PLACES[city][2]}) {suffix}", f"{brand}{trade.split()[0]}.com".lower()
    first = BRAND_FIRST[k % len(BRAND_FIRST)]
    second = BRAND_SECOND[(k // len(BRAND_FIRST)) % len(BRAND_SECOND)]
    trade = zh_trades[(k // 900) % len(zh_trades)]
    suffix = ZH_SUFFIXES[(k // 11) % len(ZH_SUFFIXES)]
    return f"{PLACES[city][1]}{first[0]}{second[0]}{trade}{suffix}", f"{first[1]}{second[1]}.com.cn"


def mobile(k: int, salt: int) -> str:
    """An 11-digit mainland mobile number, distinct for distinct k below 10**8 (same salt)."""
    # 48271 is coprime with 10**8, so k -> k*48271 mod 10**8 is a permutation: no duplicates.
    digits = (k * 48271 + salt) % 100_000_000
    return f"{MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]}{digits:08d}"

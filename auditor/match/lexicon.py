"""Word lists the matcher reads titles with: abbreviations, document-type cues, news cues, issuers.

Data, not logic: each table says what a title word is evidence of. Matching code never hard-codes words.
"""

from __future__ import annotations

import re

# Common abbreviations → the full form the catalog uses. Applied to titles *and* catalog labels, so a
# keyword written with the abbreviation (低保名单) and a title written in full still meet.
ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), full) for p, full in (
    (r"城乡低保|低保", "最低生活保障"),
    (r"特困供养|特困人员救助供养|特困(?!人员)", "特困人员救助供养"),
    (r"临救", "临时救助"),
    (r"公租房", "公共租赁住房"),
    (r"危改|农村危房改造", "危房改造"),
    (r"社保卡", "社会保障卡"),
    (r"城乡居保", "城乡居民养老保险"),
    (r"环评", "环境影响评价"),
    (r"(?<!居民)身份证", "居民身份证"),
    (r"保障房", "保障性住房"),
    (r"惠农补贴", "涉农补贴"),
    (r"三公经费", "三公经费"),
))

# Document-type cue words in a title, by the catalog's `doc_types` vocabulary.
DOC_CUES: dict[str, tuple[str, ...]] = {
    "预算": ("预算",),
    "决算": ("决算",),
    "办事指南": ("办事指南", "服务指南", "指南", "须知", "办理流程", "申请条件", "申领"),
    "处罚决定": ("处罚决定", "行政处罚", "处罚信息", "罚款"),
    "强制决定": ("强制",),
    "名单": ("名单", "名册", "对象"),
    "名录": ("名录", "名单", "名册"),
    "公示": ("公示",),
    "公告": ("公告", "通告"),
    "通知": ("通知",),
    "政策文件": ("办法", "实施意见", "实施方案", "规定", "细则", "政策", "条例", "印发", "制度"),
    "政策解读": ("解读", "图解", "答记者问"),
    "征求意见": ("征求意见", "意见稿", "草案"),
    "计划": ("计划",),
    "规划": ("规划",),
    "报告": ("报告",),
    "标准": ("标准",),
    "许可决定": ("许可",),
    "审批结果": ("审批", "批复", "核准", "备案"),
    "检查结果": ("检查", "抽检", "抽查"),
    "资金": ("资金", "拨付", "下达"),
    "补贴": ("补贴", "补助", "津贴"),
    "统计数据": ("统计",),
    "通报": ("通报",),
    "会议": ("会议",),
    "招生": ("招生", "入学", "录取"),
    "清单": ("清单",),
}
# Cues that name what kind of document the item *is*: an entry whose own types include some of these but
# none the title shows is contradicted (a 决算 title is not a 预算 row, a 办事指南 is not a 名单).
EXCLUSIVE = ("预算", "决算", "办事指南", "处罚决定", "名单")

# Words of news and activity reports; an entry whose own labels contain the word is exempt (重要会议 rows
# are meetings, 职业培训 rows are training).
NEWS_CUES = ("召开", "会议", "调研", "培训", "观摩", "学习", "督导", "动员", "宣传活动", "慰问", "走访", "座谈",
             "推进会", "开展", "举办", "部署", "赴")

# Who issued the item, read from the start of the title.
TOWN_ISSUER = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}[区县])?[\u4e00-\u9fff]{2,4}(?:街道办事处|街道|镇人民政府|乡人民政府|镇|乡)"
                         r"(?!村|镇|居|规划|土地|国土|建设)")
COUNTY_ISSUER = re.compile(r"^(?:转发)?(?:[\u4e00-\u9fff]{2,3}[区县]|[区县])(?:人民政府|政府|[\u4e00-\u9fff]{1,10}?"
                           r"(?:局|委员会|中心|办公室|分局|管理处|办))")
OWN_DATA_TYPES = ("预算", "决算")  # rows whose item belongs to its issuer: another level's copy is not this unit's

# Column words that say what a column is for.
NEWS_COLUMN = ("动态", "要闻", "新闻", "资讯", "图片")
NOTICE_COLUMN = ("通知公告", "公示公告", "公告")

# Words that place a title in one domain. A title naming another domain's word and none of the entry's own
# domain is evidence against the entry (救灾重大决策草案 is not the 安全生产 row 重大决策草案). An entry whose
# own labels contain the word is exempt (就业's 社会保险补贴 names 社会保险).
DOMAIN_WORDS: dict[str, tuple[str, ...]] = {
    "安全生产": ("安全生产", "安委会", "生产安全"),
    "救灾": ("救灾", "防灾减灾", "自然灾害", "受灾", "灾后"),
    "社会救助": ("社会救助", "最低生活保障", "特困人员", "临时救助"),
    "养老服务": ("养老服务", "养老机构", "高龄津贴", "老年人补贴", "养老院"),
    "就业": ("就业", "创业", "失业登记"),
    "社会保险": ("社会保险", "养老保险", "工伤保险", "失业保险", "社会保障卡"),
    "扶贫": ("扶贫", "脱贫", "贫困"),
    "涉农补贴": ("涉农", "耕地地力", "农机购置"),
    "保障性住房": ("保障性住房", "公共租赁住房", "租赁补贴"),
    "农村危房改造": ("危房改造", "危房"),
    "农村集体土地征收": ("征地", "征收土地", "集体土地"),
    "国有土地上房屋征收与补偿": ("房屋征收",),
    "卫生健康": ("卫生健康", "医疗机构", "计划生育", "家庭医生"),
    "食品药品监管": ("食品", "药品", "医疗器械"),
    "城乡规划": ("国土空间", "城乡规划"),
    "重大建设项目": ("建设项目", "投资项目"),
    "公共资源交易": ("政府采购", "招标", "出让", "产权交易"),
    "财政预决算": ("部门预算", "部门决算", "三公经费", "政府预算", "政府决算"),
    "义务教育": ("教育", "学校", "招生", "学生"),
}

"""Chinese labels for codes stored in the database, kept in one place so HTML and exports agree."""

from __future__ import annotations

DIMENSION_ORDER = ("completeness", "timeliness", "channels", "site_health")
DOMAIN_DIMENSIONS = ("completeness", "timeliness", "channels")  # site health has no domain

DIMENSIONS = {
    "completeness": "完整性",
    "timeliness": "及时性",
    "channels": "渠道覆盖",
    "site_health": "网站健康",
    "conformity": "目录规范性",
    "periodic": "定期公开",
    "persistence": "长期公开",
}

RULES = {
    "missing": "未公开",
    "unverified": "无法核实",
    "late": "逾期",
    "undated": "未注明发布日期",
    "no_anchor": "无成文日期",
    "not_assessable": "时限无法从页面核实",
    "channel_gap": "渠道缺失",
    "channel_unverified": "渠道无法核实",
    "channel_offline": "线下渠道待佐证",
    "site_unreachable": "站点无法访问",
    "site_blocked": "抓取被拒绝（无法核实）",
    "home_stale": "首页未更新",
    "stale_column": "栏目未更新",
    "blank_column": "空白栏目",
    "dead_link": "链接失效",
    "missing_attachment": "附件无法下载",
    "offline_only": "仅线下公开待佐证",
    "offline_evidence": "线下公开已佐证",
    "catalog_conformity": "单位目录不符合标准目录",
    "period_missed": "周期内未公开",
    "periodic_overdue": "定期更新逾期",
    "annual_missed": "年度信息未公开",
    "annual_late": "年度信息逾期",
    "after_period_missed": "期满后未按时公开",
    "withdrawn": "信息已撤下",
    "persistence_unverified": "长期公开无法核实",
    "stale_columns_veto": "多个栏目不更新（单项否决）",
    "long_stale_veto": "栏目长期不更新（单项否决）",
    "blank_columns_veto": "多个空白栏目（单项否决）",
}

STATUSES = {"defect": "问题", "unverified": "无法核实", "info": "提示"}
LIFECYCLE = {"new": "新增", "persisting": "持续"}
DECISIONS = {
    "accept": "自动采纳",
    "review": "待复核",
    "reject": "未采纳",
    "confirmed": "人工确认",
    "rejected": "人工否决",
}
HEALTH = {"ok": "正常", "failed": "抓取失败", "blocked": "被拦截", "partial": "部分失败", None: "未抓取"}
COLUMN_KINDS = {"catalog": "目录栏目", "news": "动态要闻", "notice": "通知公告", "other": "其他", "feed": "新媒体"}

# 区级 before 乡级: the order the district's own reports use; unknown levels follow alphabetically.
LEVEL_ORDER = ("区级", "县级", "乡级")
LEVELS = {"区级": "区级部门", "县级": "县级部门", "乡级": "乡镇（街道）"}


def label(table: dict, code: object) -> str:
    """The Chinese label, or the code itself so an unknown code is still visible."""
    return table.get(code, "" if code is None else str(code))


def level_key(level: str) -> tuple[int, str]:
    return (LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER), level)

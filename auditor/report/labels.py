"""Chinese labels for codes stored in the database, kept in one place so HTML and exports agree."""

from __future__ import annotations

from auditor.checks.registry import CHECK_LABELS, RULE_LABELS
from auditor.vocabulary import Decision

DIMENSION_ORDER = ("completeness", "timeliness", "channels", "site_health")
DOMAIN_DIMENSIONS = ("completeness", "timeliness", "channels")  # site health has no domain

# The dimensions, then every check type (its label comes with its class in auditor/checks/; a check named
# after its dimension declares the same label).
DIMENSIONS = {
    "completeness": "完整性",
    "timeliness": "及时性",
    "channels": "渠道覆盖",
    "site_health": "网站健康",
} | CHECK_LABELS

# finding.rule -> label, from the rules each check class declares
RULES = dict(RULE_LABELS)

STATUSES = {"defect": "问题", "unverified": "无法核实", "info": "提示"}
LIFECYCLE = {"new": "新增", "persisting": "持续"}
DECISIONS = {
    Decision.ACCEPT: "自动采纳",
    Decision.REVIEW: "待复核",
    Decision.REJECT: "未采纳",
    Decision.CONFIRMED: "人工确认",
    Decision.REJECTED: "人工否决",
}
ASSESSMENT = {"assessed": "已评估", "partial": "部分评估", "unassessed": "未评估", "not_applicable": "不适用"}
UNIT_ASSESSMENT = {"assessed": "已评估", "partial": "部分评估", "unassessed": "未完整评估"}
COVERAGE = {"complete": "完整", "partial": "部分", "failed": "失败", None: "未抓取"}
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

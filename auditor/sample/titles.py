"""Realistic titles for generated items: catalog items the way units really name them, and news."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.catalog.models import CatalogEntry

NEWS_SUBJECTS_TOPICS = ["文明城市创建", "营商环境优化", "防汛防台", "垃圾分类", "乡村振兴", "数字化改革", "基层治理",
                        "招商引资", "河长制", "森林防火", "平安建设", "未来社区建设", "共同富裕示范", "优化政务服务"]
NEWS_PATTERNS = ["{u}召开{t}工作推进会", "{u}开展{t}专题调研", "{u}举办{t}业务培训班", "{u}部署{t}重点任务",
                 "{u}组织{t}现场观摩活动", "{u}党组理论学习中心组专题学习{t}", "区领导赴{u}督导{t}工作",
                 "{u}召开{t}动员大会", "{u}深入推进{t}", "{u}开展{t}主题宣传活动"]
NOTICE_PATTERNS = ["关于做好{t}有关工作的通知", "关于开展{t}专项检查的通知", "关于{t}工作安排的公告",
                   "{u}关于{t}事项的通告", "关于征集{t}意见建议的公告"]


def unique(seen: set[str], title: str) -> str:
    """Make a title unique by appending an issue number, the way sites number repeated notices."""
    base, n = title, 1
    while title in seen:
        n += 1
        title = f"{base}（{n}）"
    seen.add(title)
    return title


def _label(entry: CatalogEntry, ambiguous: bool, rng: random.Random) -> str:
    level2 = entry.level2.strip()
    if ambiguous:
        return f"{entry.level1}{level2}"
    aliases = [k for k in entry.keywords if len(k) >= 4]
    if aliases and rng.random() < 0.35:
        return rng.choice(aliases)
    return level2


def entry_title(rng: random.Random, short: str, name: str, entry: CatalogEntry, written: date,
                ambiguous: bool) -> str:
    """A title the unit could have given an item of this entry."""
    label = _label(entry, ambiguous, rng)
    y, m = written.year, written.month
    if entry.period == "annual":
        return rng.choice([f"{name}{y}年{label}公开", f"{short}{y}年{label}", f"{y}年{label}（{short}）"])
    cues = label + entry.level1
    if any(k in cues for k in ("名单", "审核", "审批", "结果", "公示", "对象")):
        patterns = [f"关于{y}年{m}月{label}的公示", f"{short}{y}年第{rng.randint(1, 4)}季度{label}",
                    f"{label}公示（{y}年{m}月）"]
    elif "指南" in cues:
        patterns = [f"{label}（{y}年版）", f"{short}{label}", f"{y}年{label}"]
    elif any(k in cues for k in ("政策", "文件", "法规", "规章", "制度")):
        patterns = [f"{label}汇编（{y}年第{rng.randint(1, 6)}期）", f"{short}转发{y}年{label}",
                    f"{y}年{label}目录"]
    else:
        patterns = [f"{short}{y}年{label}信息公开", f"{y}年{m}月{label}", f"关于{label}的公告（{y}年第{rng.randint(1, 9)}号）"]
    return rng.choice(patterns)


def news_title(rng: random.Random, short: str, kind: str, d: date) -> str:
    topic = rng.choice(NEWS_SUBJECTS_TOPICS)
    patterns = NOTICE_PATTERNS if kind == "notice" else NEWS_PATTERNS
    return rng.choice(patterns).format(u=short, t=topic)

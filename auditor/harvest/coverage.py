"""Coverage of one column in one crawl: did we read it whole? complete | partial | failed.

The only evidence that a column was read whole is what the list says of itself (共N条, Total record N,
page counts) set against what was harvested, plus the list pages that could not be fetched or were
not followed. An entry may be called "missing" only when every column that should hold it is
complete; anything less makes it unverified. When in doubt this says partial, never complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CoverageStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True)
class Coverage:
    coverage: CoverageStatus
    reason: str | None
    share_seen: float | None  # entries seen / declared total, when the list declares one


def _unique(reasons: list[str], limit: int = 2) -> str:
    shown = list(dict.fromkeys(reasons))
    more = f" 等{len(reasons)}处" if len(reasons) > limit else ""
    return "；".join(shown[:limit]) + more


def judge_coverage(*, read_first: bool, pages_read: int, pages_failed: int, pages_skipped: int, entries: int,
                   listed: int, declared_total: int | None, declared_pages: int | None,
                   declared_evidence: str = "", not_read: list[str] | None = None,
                   error: str | None = None) -> Coverage:
    """The coverage verdict and its reason (shown to evaluators and unit staff, in Chinese)."""
    share = min(1.0, entries / declared_total) if declared_total else None
    if declared_total == 0:
        share = 1.0 if entries == 0 else None
    if not read_first:
        return Coverage(CoverageStatus.FAILED, f"栏目首页未能读取：{error or '未知原因'}", 0.0 if declared_total else None)
    reasons: list[str] = []
    if pages_failed:
        reasons.append(f"{pages_failed}个列表页抓取失败")
    if pages_skipped:
        reasons.append(f"{pages_skipped}个列表页未读取（{_unique(not_read or [])}）")
    seen = max(entries, listed)
    if declared_total is not None and seen < declared_total:
        reasons.append(f"列表声明共{declared_total}条，读到{entries}条（{share:.0%}）")
    elif declared_total is None and declared_pages and pages_read < declared_pages:
        reasons.append(f"列表声明共{declared_pages}页，读到{pages_read}页")
    if reasons:
        return Coverage(CoverageStatus.PARTIAL, "；".join(reasons), share)
    if declared_total is not None or declared_pages:
        basis = f"列表声明{declared_evidence or (str(declared_total) + '条')}，已全部读取"
    else:
        basis = f"列表未声明总数；已读取全部{pages_read}个分页链接"
    return Coverage(CoverageStatus.COMPLETE, basis, share)

"""Fair scores: on which dimensions each unit could be assessed, and who is ranked against whom.

A unit's overall score is a weighted mean of the dimensions it could be scored on, so two units are
comparable only when they were assessed on the same dimensions. A 县政府办 that holds no catalog domain,
or a unit whose every obligation is unverified (its columns were not crawled completely), would
otherwise rank first on site health alone. Here:

* each dimension is `assessed`, `partial` (some of its things unverified), `unassessed` (it applies but
  nothing could be judged) or `not_applicable` (nothing to judge), with the reason in Chinese;
* a unit whose completeness is `unassessed`, or that has less than `ranking.min_assessed_share` of its
  obligations verified, is 未完整评估: not ranked, graded `ranking.unassessed_grade` unless a veto fails
  it (a veto is a real defect, seen);
* a unit with another content dimension `unassessed` (e.g. no item with a 成文日期), or judged on less
  than `ranking.min_assessed_share` of its things, is ranked after the units assessed in full (tier 1);
* ranks run 1..n within a level over tier 0, then tier 1.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from auditor.checks.audit_context import AuditContext
from auditor.checks.base import CheckResult
from auditor.scheme import DIMENSIONS
from auditor.vocabulary import Assessment, FindingStatus

CONTENT_DIMENSIONS = ("completeness", "timeliness", "channels")
# unverified by design (the catalog asks for an offline channel only): not a gap in the audit's view
BY_DESIGN = frozenset({"offline_only"})
TIER_LABELS = {0: "已评估", 1: "部分评估（排在已评估单位之后）", None: "未完整评估（不排名）"}


@dataclass
class DimStatus:
    status: Assessment
    checked: int = 0
    unverified: int = 0
    reason: str = ""

    @property
    def share(self) -> float | None:
        total = self.checked + self.unverified
        return round(self.checked / total, 4) if total else None


@dataclass
class UnitAssessment:
    assessment: Assessment  # assessed | partial | unassessed (never not_applicable)
    tier: int | None  # 0 ranked first, 1 ranked after, None not ranked
    reasons: list[str] = field(default_factory=list)
    dims: dict[str, DimStatus] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"assessment": self.assessment, "assessment_reasons": self.reasons,
                "rank_group": TIER_LABELS[self.tier], "rank_tier": self.tier,
                "dim_status": {d: asdict(s) | {"share": s.share} for d, s in self.dims.items()}}


# id(result) -> (a weak reference to it, its findings count then, unit -> rule -> count)
_UNVERIFIED: dict[int, tuple[weakref.ref, int, dict[str, dict[str, int]]]] = {}


def _unverified(res: CheckResult | None, unit_id: str) -> dict[str, int]:
    """Unverified findings of one unit by rule; the findings are grouped by unit once per result (a scan
    per unit made the assessment grow with the square of the units)."""
    if res is None:
        return {}
    cached = _UNVERIFIED.get(id(res))
    if cached is None or cached[0]() is not res or cached[1] != len(res.findings):
        by_unit: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for f in res.findings:
            if f.status == FindingStatus.UNVERIFIED and f.rule not in BY_DESIGN and f.unit_id is not None:
                by_unit[f.unit_id][f.rule] += 1
        if len(_UNVERIFIED) > 32:
            _UNVERIFIED.clear()
        cached = _UNVERIFIED[id(res)] = (weakref.ref(res), len(res.findings), by_unit)
    return dict(cached[2].get(unit_id, {}))


def _completeness(ctx: AuditContext, res: CheckResult | None, unit_id: str) -> DimStatus:
    checked = sum(res.basis.get(unit_id, {}).values()) if res else 0
    unv = sum(_unverified(res, unit_id).values())
    obligations = [e for e in ctx.entries.get(unit_id, []) if e.id not in ctx.not_applicable.get(unit_id, set())]
    if res is None:
        return DimStatus(Assessment.NOT_APPLICABLE, reason="本方案不评估完整性")
    if not obligations:
        return DimStatus(Assessment.UNASSESSED, reason="无标准目录事项（未承担目录领域），完整性无法评估")
    if checked == 0:
        if unv:
            return DimStatus(Assessment.UNASSESSED, 0, unv, f"{unv}项目录事项均无法核实（承载栏目未完整抓取）")
        return DimStatus(Assessment.UNASSESSED, reason="目录事项均仅要求线下公开，无法在线评估")
    if unv:
        return DimStatus(Assessment.PARTIAL, checked, unv, f"{unv}项目录事项无法核实（已核实{checked}/{checked + unv}项）")
    return DimStatus(Assessment.ASSESSED, checked)


def _other(dim: str, res: CheckResult | None, unit_id: str, value: float | None) -> DimStatus:
    if res is None:
        return DimStatus(Assessment.NOT_APPLICABLE, reason="本方案不评估该维度")
    checked = sum(res.basis.get(unit_id, {}).values())
    by_rule = _unverified(res, unit_id)
    unv = sum(by_rule.values())
    if dim == "site_health":
        if value is None:
            return DimStatus(Assessment.NOT_APPLICABLE, reason="未负责网站")
        return DimStatus(Assessment.ASSESSED, checked, unv)
    what = "无法评估{n}项" + ("（无成文日期等时限起算日期）" if by_rule.get("no_anchor") else "（无法核实）")
    if checked == 0:
        if unv:
            return DimStatus(Assessment.UNASSESSED, 0, unv, what.format(n=unv))
        return DimStatus(Assessment.NOT_APPLICABLE, reason="无需评估的事项")
    if unv:
        return DimStatus(Assessment.PARTIAL, checked, unv, what.format(n=unv) + f"，已评估{checked}项")
    return DimStatus(Assessment.ASSESSED, checked)


def assess_unit(ctx: AuditContext, dims: dict[str, CheckResult], unit_id: str,
                values: dict[str, float | None]) -> UnitAssessment:
    """The unit's status per dimension and its ranking tier."""
    status = {"completeness": _completeness(ctx, dims.get("completeness"), unit_id)}
    for dim in DIMENSIONS:
        if dim != "completeness":
            status[dim] = _other(dim, dims.get(dim), unit_id, values.get(dim))
    comp = status["completeness"]
    reasons = [f"{_LABEL[d]}：{s.reason}" for d, s in status.items() if s.status in (Assessment.UNASSESSED, Assessment.PARTIAL)]
    low_share = comp.share is not None and comp.share < ctx.scheme.ranking.min_assessed_share
    if comp.status == Assessment.UNASSESSED or low_share:
        if comp.status != Assessment.UNASSESSED:
            reasons.append(f"已核实的目录事项不足{ctx.scheme.ranking.min_assessed_share:.0%}")
        return UnitAssessment(Assessment.UNASSESSED, None, reasons, status)
    share = ctx.scheme.ranking.min_assessed_share
    thin = [d for d in CONTENT_DIMENSIONS if d != "completeness" and status[d].status == Assessment.PARTIAL
            and status[d].share is not None and status[d].share < share]
    if thin:
        reasons.append(f"{'、'.join(_LABEL[d] for d in thin)}可评估的事项不足{share:.0%}")
    if thin or any(status[d].status == Assessment.UNASSESSED for d in CONTENT_DIMENSIONS):
        return UnitAssessment(Assessment.PARTIAL, 1, reasons, status)
    partial = any(s.status == Assessment.PARTIAL for s in status.values())
    return UnitAssessment(Assessment.PARTIAL if partial else Assessment.ASSESSED, 0, reasons, status)


_LABEL = {"completeness": "完整性", "timeliness": "及时性", "channels": "渠道覆盖", "site_health": "网站健康"}


def ranks(units: list[tuple[str, str, float | None, int | None]]) -> dict[str, int]:
    """(unit id, level, overall, tier) → rank within the level: tier 0 first, then tier 1; others none."""
    by_level: dict[str, list[tuple[int, float, str]]] = defaultdict(list)
    for uid, level, overall, tier in units:
        if overall is not None and tier is not None:
            by_level[level].append((tier, round(overall, 2), uid))
    out: dict[str, int] = {}
    for rows in by_level.values():
        rows.sort(key=lambda t: (t[0], -t[1], t[2]))
        for i, (_, _, uid) in enumerate(rows, 1):
            out[uid] = i
    return out

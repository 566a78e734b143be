"""Findings → scores, under the scheme's scoring method. Every point lost is charged to a finding:
`Aggregate.points` maps each draft to what it costs its unit's overall score (the drafts are not changed).

weighted (default scheme)
    completeness / timeliness / channels: 100 × (1 − defects / things checked); site health:
    100 − Σ site_health_points (scaled down to 100 when more); overall: weighted mean of the
    dimensions that could be scored. A veto rule fails the grade, not the score.
    Invariant: overall = 100 − Σ finding.points.

deductions (国办 structure)
    veto: any defect of a veto rule → score `veto_score`, grade 不合格, no further scoring (the veto
    findings carry the points that takes away). Otherwise each indicator (one per dimension)
    deducts its rule points per defect, capped at its max_points; base = 100 − Σ deductions;
    base < fail_below → 不合格; base > bonus_above → bonus items (clean of the listed rules) up to
    bonus_cap; final = base + bonus. Invariant: final = 100 − Σ finding.points + bonus.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from auditor.checks.audit_context import AuditContext
from auditor.checks.base import CheckResult, FindingDraft
from auditor.scheme import DIMENSIONS, DeductionScoring, WeightedScoring
from auditor.scoring.assessment import UnitAssessment, assess_unit
from auditor.vocabulary import FindingStatus


@dataclass
class UnitScore:
    unit_id: str
    level: str
    overall: float | None
    grade: str
    dims: dict[str, float | None]
    details: dict[str, Any] = field(default_factory=dict)
    dim_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    assessment: UnitAssessment | None = None


@dataclass
class Aggregate:
    units: dict[str, UnitScore]
    domains: dict[tuple[str, str, str], float]  # (unit, domain, dimension) -> score
    # draft -> what it costs its unit's overall score; drafts left out cost nothing
    points: dict[FindingDraft, float] = field(default_factory=dict)

    def points_of(self, f: FindingDraft) -> float:
        return self.points.get(f, 0.0)


def _defects_by_unit(res: CheckResult) -> dict[str, list[FindingDraft]]:
    out: dict[str, list[FindingDraft]] = defaultdict(list)
    for f in res.findings:
        if f.status == FindingStatus.DEFECT and f.unit_id:
            out[f.unit_id].append(f)
    return out


def _domain_scores(ctx: AuditContext, dims: dict[str, CheckResult]) -> dict[tuple[str, str, str], float]:
    out: dict[tuple[str, str, str], float] = {}
    for dim, res in dims.items():
        if dim == "site_health":
            continue
        defects = _defects_by_unit(res)
        for unit in ctx.units:
            for domain, k in res.basis.get(unit.id, {}).items():
                if not domain:
                    continue
                lost = sum(1 for f in defects.get(unit.id, []) if f.domain == domain)
                out[(unit.id, domain, dim)] = max(0.0, 100.0 * (1 - lost / k)) if k else 100.0
    return out


def _vetoes(ctx: AuditContext, mine: list[FindingDraft]) -> list[FindingDraft]:
    veto = ctx.scheme.veto_rules
    return [f for f in mine if f.rule in veto]


def aggregate(ctx: AuditContext, dims: dict[str, CheckResult]) -> Aggregate:
    scoring = ctx.scheme.scoring
    points: dict[FindingDraft, float] = {}
    if isinstance(scoring, WeightedScoring):
        units = _weighted(ctx, dims, scoring, points)
    else:
        units = _deductions(ctx, dims, scoring, points)
    for us in units.values():
        _assess(ctx, dims, us)
    return Aggregate(units=units, domains=_domain_scores(ctx, dims), points=points)


def _assess(ctx: AuditContext, dims: dict[str, CheckResult], us: UnitScore) -> None:
    """Fair scores (auditor/scoring/assessment.py): a unit whose completeness could not be assessed is
    never graded on its other dimensions alone; a veto still fails it."""
    a = assess_unit(ctx, dims, us.unit_id, us.dims)
    us.assessment = a
    us.details |= a.to_json()
    for dim, st in a.dims.items():
        if dim in us.dim_details or st.status != "not_applicable":
            us.dim_details.setdefault(dim, {}).update(status=st.status, status_reason=st.reason,
                                                      unverified=st.unverified)
    if a.tier is None and us.overall is not None and not us.details.get("veto"):
        us.grade = ctx.scheme.ranking.unassessed_grade


def _weighted(ctx: AuditContext, dims: dict[str, CheckResult], sc: WeightedScoring,
              points: dict[FindingDraft, float]) -> dict[str, UnitScore]:
    """Unit scores; each defect's cost to the overall score goes into `points`."""
    out: dict[str, UnitScore] = {}
    defects = {dim: _defects_by_unit(res) for dim, res in dims.items()}
    dim_points: dict[FindingDraft, float] = {}  # what a defect costs its dimension (0-100 scale)
    for unit in ctx.units:
        values: dict[str, float | None] = {}
        for dim in DIMENSIONS:
            res = dims.get(dim)
            mine = defects.get(dim, {}).get(unit.id, [])
            if res is None:
                values[dim] = None
                continue
            if dim == "site_health":
                for f in mine:
                    dim_points[f] = sc.site_health_points.get(f.rule, 0.0)
                total = sum(dim_points[f] for f in mine)
                if total > 100:
                    for f in mine:
                        dim_points[f] *= 100 / total
                owns_site = any(s.owner_unit_id == unit.id for s in ctx.sites.values())
                values[dim] = max(0.0, 100 - total) if (owns_site or mine) else None
                continue
            n = sum(res.basis.get(unit.id, {}).values())
            if n == 0:
                values[dim] = None
                continue
            for f in mine:
                dim_points[f] = 100.0 / n
            values[dim] = max(0.0, 100.0 * (1 - len(mine) / n))
        avail = {d: sc.weights.get(d, 0) for d, v in values.items() if v is not None and sc.weights.get(d, 0) > 0}
        total_w = sum(avail.values())
        overall = (sum(values[d] * w for d, w in avail.items()) / total_w) if total_w else None
        for dim in DIMENSIONS:
            for f in defects.get(dim, {}).get(unit.id, []):
                points[f] = dim_points.get(f, 0.0) * avail.get(dim, 0) / total_w if total_w else 0.0
        vetoes = _vetoes(ctx, [f for d in DIMENSIONS for f in defects.get(d, {}).get(unit.id, [])])
        grade = sc.veto_grade if vetoes and overall is not None else ctx.scheme.grade(overall)
        out[unit.id] = UnitScore(
            unit_id=unit.id, level=unit.level, overall=overall, grade=grade, dims=values,
            details={"method": "weighted", "veto": sorted({f.key for f in vetoes})},
            dim_details={d: {"weight": sc.weights.get(d, 0),
                             "checked": sum(dims[d].basis.get(unit.id, {}).values()) if d in dims else 0}
                         for d in DIMENSIONS})
    return out


def _deductions(ctx: AuditContext, dims: dict[str, CheckResult], sc: DeductionScoring,
                points: dict[FindingDraft, float]) -> dict[str, UnitScore]:
    """Unit scores; each defect's deduction (or its share of a veto) goes into `points`."""
    out: dict[str, UnitScore] = {}
    defects = {dim: _defects_by_unit(res) for dim, res in dims.items()}
    for unit in ctx.units:
        mine_all = [f for d in DIMENSIONS for f in defects.get(d, {}).get(unit.id, [])]
        checked = {d: sum(dims[d].basis.get(unit.id, {}).values()) if d in dims else 0 for d in DIMENSIONS}
        owns_site = any(s.owner_unit_id == unit.id for s in ctx.sites.values())
        scorable = any(checked.values()) or owns_site or bool(mine_all)
        lost: dict[str, float] = {}
        dim_details: dict[str, dict[str, Any]] = {}
        values: dict[str, float | None] = {}
        for dim in DIMENSIONS:
            ind = sc.indicators.get(dim)
            mine = defects.get(dim, {}).get(unit.id, [])
            if ind is None:
                values[dim] = None
                continue
            for f in mine:
                points[f] = ind.deductions.get(f.rule, 0.0)
            raw = sum(points[f] for f in mine)
            if raw > ind.max_points:
                for f in mine:
                    points[f] *= ind.max_points / raw
            lost[dim] = min(raw, ind.max_points)
            has_basis = checked[dim] > 0 or (dim == "site_health" and owns_site) or bool(mine)
            values[dim] = 100.0 * (1 - lost[dim] / ind.max_points) if has_basis else None
            dim_details[dim] = {"weight": ind.max_points, "max_points": ind.max_points, "label": ind.label,
                                "checked": checked[dim],
                                "lost": round(lost[dim], 4), "raw_deductions": round(raw, 4),
                                "capped": raw > ind.max_points}
        base = 100.0 - sum(lost.values())
        vetoes = _vetoes(ctx, mine_all)
        bonus_items: list[dict[str, Any]] = []
        bonus = 0.0
        if not scorable:
            overall, grade, verdict = None, ctx.scheme.grade(None), "unscored"
        elif vetoes:
            # 单项否决: no further scoring. The veto findings carry what the veto takes away, so
            # the score still equals 100 − Σ points.
            for f in mine_all:
                if f not in vetoes:
                    points[f] = 0.0
            for f in vetoes:
                points[f] = (100.0 - sc.veto_score) / len(vetoes)
            overall, grade, verdict = sc.veto_score, "不合格", "veto"
        else:
            if base > sc.bonus_above:
                rules_hit = {f.rule for f in mine_all}
                for item in sc.bonus:
                    if checked[item.dimension] >= item.min_checked and not (rules_hit & set(item.clean_of)):
                        granted = min(item.points, sc.bonus_cap - bonus)
                        if granted <= 0:
                            break
                        bonus += granted
                        bonus_items.append({"id": item.id, "label": item.label, "points": granted})
            overall = base + bonus
            if base < sc.fail_below:
                grade, verdict = "不合格", "fail"
            else:
                grade, verdict = ctx.scheme.grade(overall), "pass"
        out[unit.id] = UnitScore(
            unit_id=unit.id, level=unit.level, overall=overall, grade=grade, dims=values,
            details={"method": "deductions", "verdict": verdict, "deduction_score": round(base, 4),
                     "bonus": round(bonus, 4), "bonus_items": bonus_items,
                     "veto": sorted({f.key for f in vetoes}), "checked": checked},
            dim_details=dim_details)
    return out

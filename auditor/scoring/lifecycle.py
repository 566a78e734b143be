"""History between audit runs of the same scheme: lifecycle, resolved findings, score deltas.

Lifecycle: a finding whose key was in the previous run is `persisting`, otherwise `new`; a
previous finding whose key is gone is stored in resolved_findings with why it went away.

A unit's score delta is explained by reasons, each with the signed points it accounts for:

* new defects: `newly_late` (late / undated / overdue items), `new_obligation` (a period or
  annual deadline that passed, an entry that became applicable), `crawl_recovered` (the entry was
  unverified last time, the crawl could judge it now), `reviewer_decision` (a decision since the
  previous run turned it into a defect), `new_defect` (anything else);
* gone defects: `fixed`, `reviewer_decision`, `crawl_failure` (now unverified: not a fix),
  `no_longer_applicable`;
* `rescaled`: what is left — the same defects weigh differently because more or fewer things were
  checked, caps, bonus and veto changes. Σ reasons = delta.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.checks.audit_context import AuditContext
from auditor.checks.base import FindingDraft
from auditor.store.models import AuditRun, Finding, ReviewDecision, Score
from auditor.store.models_scoring import ResolvedFinding, ScoreDelta
from auditor.vocabulary import LATE_RULES, FindingStatus

OBLIGATION_RULES = {"period_missed", "annual_missed", "after_period_missed"}


def previous_run(session: Session, run: AuditRun) -> AuditRun | None:
    return session.scalar(select(AuditRun).where(AuditRun.status == "complete", AuditRun.id < run.id,
                                                 AuditRun.scheme == run.scheme).order_by(AuditRun.id.desc()))


def _decisions_since(session: Session, since: datetime | None) -> dict[tuple[str, str | None], list[ReviewDecision]]:
    q = select(ReviewDecision)
    if since is not None:
        q = q.where(ReviewDecision.created_at >= since)
    out: dict[tuple[str, str | None], list[ReviewDecision]] = defaultdict(list)
    for d in session.scalars(q.order_by(ReviewDecision.id)):
        out[(d.unit_id, d.entry_id)].append(d)
    return out


def _applicable(ctx: AuditContext) -> set[tuple[str, str]]:
    return {(u.id, e.id) for u in ctx.units for e in ctx.entries.get(u.id, [])}


class _Reasons:
    """Why each unit's score moved since the previous run: points and counts per reason, with up to 50 keys."""

    def __init__(self) -> None:
        self.by_unit: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def explain(self, unit_id: str | None, reason: str, points: float, key: str) -> None:
        if not unit_id:
            return
        r = self.by_unit[unit_id].setdefault(reason, {"reason": reason, "points": 0.0, "count": 0, "keys": []})
        r["points"] += points
        r["count"] += 1
        if len(r["keys"]) < 50:
            r["keys"].append(key)


@dataclass
class _Comparison:
    """The previous run's findings beside this run's drafts, and what is known about the pairs in between."""
    prev: AuditRun
    by_key: dict[str, Finding]
    current: dict[str, FindingDraft]
    unverified_now: set[tuple[str | None, str | None]]
    unverified_before: set[tuple[str | None, str | None]]
    judged_before: set[tuple[str | None, str | None]]
    decisions: dict[tuple[str, str | None], list[ReviewDecision]]
    applicable: set[tuple[str, str]]


def record_history(session: Session, ctx: AuditContext, run: AuditRun, drafts: list[FindingDraft],
                   overall: dict[str, float | None], points: Mapping[FindingDraft, float]) -> dict[str, Any]:
    """Each draft's lifecycle, resolved findings and score deltas (stored); returns summary facts.
    `points`: what each draft costs its unit's overall score (auditor.scoring.aggregate)."""
    prev = previous_run(session, run)
    prev_findings = list(session.scalars(select(Finding).where(Finding.audit_run_id == prev.id))) if prev else []
    by_key = {f.key: f for f in prev_findings}
    lifecycle = {f.key: "persisting" if f.key in by_key else "new" for f in drafts}
    reasons = _Reasons()
    resolved = 0
    if prev is not None:
        cmp = _Comparison(
            prev=prev, by_key=by_key, current={f.key: f for f in drafts},
            unverified_now={(f.unit_id, f.entry_id) for f in drafts if f.status == FindingStatus.UNVERIFIED},
            unverified_before={(f.unit_id, f.entry_id) for f in prev_findings if f.status == FindingStatus.UNVERIFIED},
            judged_before={(f.unit_id, f.entry_id) for f in prev_findings},
            decisions=_decisions_since(session, prev.started_at), applicable=_applicable(ctx))
        resolved = _store_resolved(session, run, cmp, reasons)
        _explain_new_defects(drafts, points, cmp, reasons)
        _explain_changed_status(drafts, points, cmp, reasons)
    _store_deltas(session, ctx, run, prev, overall, reasons)
    return {"previous_run": prev.id if prev else None, "lifecycle": lifecycle, "resolved": resolved}


def _store_resolved(session: Session, run: AuditRun, cmp: _Comparison, reasons: _Reasons) -> int:
    """A ResolvedFinding for every previous finding gone from this run, with why it went; returns how many."""
    resolved = 0
    for key, old in sorted(cmp.by_key.items()):
        if key in cmp.current:
            continue
        ue = (old.unit_id, old.entry_id)
        if old.entry_id and old.unit_id and ue not in cmp.applicable:
            reason = "no_longer_applicable"
        elif old.entry_id and ue in cmp.unverified_now:
            reason = "crawl_failure"
        elif cmp.decisions.get(ue):
            reason = "reviewer_decision"
        else:
            reason = "fixed"
        session.add(ResolvedFinding(
            audit_run_id=run.id, previous_run_id=cmp.prev.id, previous_finding_id=old.id, key=key,
            unit_id=old.unit_id, site_id=old.site_id, entry_id=old.entry_id, domain=old.domain,
            check=old.check, rule=old.rule, status=old.status, title=old.title, points=old.points,
            reason=reason, evidence={"previous_evidence": old.evidence,
                                     "decisions": [d.id for d in cmp.decisions.get(ue, [])]}))
        resolved += 1
        if old.status == FindingStatus.DEFECT:
            reasons.explain(old.unit_id, reason, +old.points, key)
    return resolved


def _explain_new_defects(drafts: list[FindingDraft], points: Mapping[FindingDraft, float], cmp: _Comparison,
                         reasons: _Reasons) -> None:
    """Why each defect absent from the previous run appeared."""
    for f in drafts:
        if f.status != FindingStatus.DEFECT or f.key in cmp.by_key:
            continue
        ue = (f.unit_id, f.entry_id)
        if f.entry_id and ue in cmp.unverified_before:
            reason = "crawl_recovered"
        elif cmp.decisions.get(ue):
            reason = "reviewer_decision"
        elif f.rule in LATE_RULES:
            reason = "newly_late"
        elif f.rule in OBLIGATION_RULES or (f.rule == "missing" and ue not in cmp.judged_before):
            reason = "new_obligation"
        else:
            reason = "new_defect"
        reasons.explain(f.unit_id, reason, -points.get(f, 0.0), f.key)


def _explain_changed_status(drafts: list[FindingDraft], points: Mapping[FindingDraft, float], cmp: _Comparison,
                            reasons: _Reasons) -> None:
    """Persisting findings whose cost changed: a defect that was unverified or info, or the reverse."""
    for f in drafts:
        old = cmp.by_key.get(f.key)
        if f.status == FindingStatus.DEFECT and old is not None and old.status != FindingStatus.DEFECT:
            reasons.explain(f.unit_id, "crawl_recovered" if old.status == FindingStatus.UNVERIFIED else "new_defect",
                            -points.get(f, 0.0), f.key)
        elif f.status != FindingStatus.DEFECT and old is not None and old.status == FindingStatus.DEFECT:
            reasons.explain(f.unit_id, "crawl_failure" if f.status == FindingStatus.UNVERIFIED else "fixed", +old.points, f.key)


def _store_deltas(session: Session, ctx: AuditContext, run: AuditRun, prev: AuditRun | None,
                  overall: dict[str, float | None], reasons: _Reasons) -> None:
    """One ScoreDelta per unit: the overall score beside the previous one, explained by reason; what the
    reasons do not add up to (rescaled weights, a changed scheme) is shown as "rescaled"."""
    prev_scores: dict[str, float | None] = {}
    if prev is not None:
        for s in session.scalars(select(Score).where(Score.audit_run_id == prev.id, Score.dimension.is_(None),
                                                     Score.domain.is_(None))):
            prev_scores[s.unit_id] = s.score if (s.details or {}).get("scored", True) and s.score >= 0 else None
    for unit in ctx.units:
        now = overall.get(unit.id)
        now = round(now, 2) if now is not None else None
        before = prev_scores.get(unit.id)
        delta = round(now - before, 4) if now is not None and before is not None else None
        rows = [dict(r, points=round(r["points"], 4)) for _, r in sorted(reasons.by_unit.get(unit.id, {}).items())]
        if delta is not None:
            rest = round(delta - sum(r["points"] for r in rows), 4)
            if abs(rest) >= 0.005:
                rows.append({"reason": "rescaled", "points": rest, "count": 0, "keys": []})
        session.add(ScoreDelta(audit_run_id=run.id, previous_run_id=prev.id if prev else None, unit_id=unit.id,
                               score=round(now, 4) if now is not None else None,
                               previous_score=before, delta=delta, reasons=rows))


def resolved_findings(session: Session, audit_run_id: int) -> list[ResolvedFinding]:
    return list(session.scalars(select(ResolvedFinding).where(ResolvedFinding.audit_run_id == audit_run_id)
                                .order_by(ResolvedFinding.unit_id, ResolvedFinding.key)))


def score_deltas(session: Session, audit_run_id: int) -> list[ScoreDelta]:
    return list(session.scalars(select(ScoreDelta).where(ScoreDelta.audit_run_id == audit_run_id)
                                .order_by(ScoreDelta.unit_id)))

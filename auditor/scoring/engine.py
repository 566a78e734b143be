"""The audit run: match, check, score — deterministic for a given store, catalog, scheme and as_of.

Scores are built from findings only: a dimension starts at 100 and each defect deducts its share
(1 / number of things checked), so every point lost traces to a finding. Units are ranked only
against units of the same level.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

import auditor
from auditor.catalog.models import Catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.match.matcher import Thresholds
from auditor.match.run import run_matching
from auditor.scoring.checks import CheckResult
from auditor.scoring.checks.channels import check_channels
from auditor.scoring.checks.completeness import check_completeness
from auditor.scoring.checks.site_health import check_site_health
from auditor.scoring.checks.timeliness import check_timeliness
from auditor.scoring.context import AuditContext, FindingDraft, build_context
from auditor.scoring.rules import DIMENSIONS, Scheme
from auditor.store.models import AuditRun, CatalogEntryRow, CrawlRun, Finding, Score

CHECKS = {
    "completeness": check_completeness,
    "timeliness": check_timeliness,
    "channels": check_channels,
    "site_health": check_site_health,
}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def recent_crawl_runs(session: Session, n: int) -> list[int]:
    rows = session.scalars(select(CrawlRun.id).where(CrawlRun.status == "complete")
                           .order_by(CrawlRun.id.desc()).limit(n))
    return list(rows)


def _snapshot_catalog(session: Session, catalog: Catalog) -> None:
    for e in catalog.entries:
        row = session.get(CatalogEntryRow, e.id) or CatalogEntryRow(id=e.id)
        row.catalog_version, row.domain, row.level1, row.level2 = catalog.version, e.domain, e.level1, e.level2
        row.time_limit, row.mode, row.levels = e.time_limit, e.mode, list(e.levels)
        row.data = {"content": e.content, "basis": e.basis, "channels_text": e.channels_text, "source": e.source}
        session.add(row)


def _dimension_scores(ctx: AuditContext, results: dict[str, CheckResult]) -> tuple[dict, dict]:
    """(unit, dimension) → score and (unit, domain, dimension) → score; sets each finding's dim_points."""
    unit_dim: dict[tuple[str, str], float | None] = {}
    dom_dim: dict[tuple[str, str, str], float] = {}
    points = ctx.scheme.site_health_points
    for dim, res in results.items():
        defects: dict[str, list[FindingDraft]] = defaultdict(list)
        for f in res.findings:
            if f.status == "defect" and f.unit_id:
                defects[f.unit_id].append(f)
        for unit in ctx.units:
            mine = defects.get(unit.id, [])
            if dim == "site_health":
                for f in mine:
                    f.dim_points = points.get(f.rule, 0.0)
                total = sum(f.dim_points for f in mine)
                if total > 100:
                    for f in mine:
                        f.dim_points *= 100 / total
                owns_site = any(s.owner_unit_id == unit.id for s in ctx.sites.values())
                unit_dim[(unit.id, dim)] = max(0.0, 100 - total) if (owns_site or mine) else None
                continue
            basis = res.basis.get(unit.id, {})
            n = sum(basis.values())
            if n == 0:
                unit_dim[(unit.id, dim)] = None
                continue
            for f in mine:
                f.dim_points = 100.0 / n
            unit_dim[(unit.id, dim)] = 100.0 * (1 - len(mine) / n)
            for domain, k in basis.items():
                lost = sum(1 for f in mine if f.domain == domain)
                dom_dim[(unit.id, domain, dim)] = 100.0 * (1 - lost / k) if k else 100.0
    return unit_dim, dom_dim


def run_audit(session: Session, catalog: Catalog, scheme: Scheme, cal: WorkingCalendar, as_of: date,
              crawl_run_ids: list[int] | None = None) -> int:
    """Run match + checks + scoring as one audit run; returns its id. Committed only when complete."""
    if crawl_run_ids is None:
        crawl_run_ids = recent_crawl_runs(session, scheme.checks.completeness.healthy_runs)
    run = AuditRun(started_at=_now(), status="running", as_of=as_of, scheme=scheme.name,
                   crawl_run_id=crawl_run_ids[0] if crawl_run_ids else None, catalog_version=catalog.version,
                   rules_version=f"{scheme.name}@{scheme.version}", code_version=auditor.__version__, summary={})
    session.add(run)
    session.commit()
    try:
        _snapshot_catalog(session, catalog)
        run_matching(session, catalog, run.id, Thresholds(scheme.matching.accept, scheme.matching.review))
        session.flush()
        ctx = build_context(session, catalog, scheme, cal, as_of, run.id, crawl_run_ids)
        results = {dim: CHECKS[dim](ctx) for dim in DIMENSIONS}
        unit_dim, dom_dim = _dimension_scores(ctx, results)
        _store(session, ctx, run, results, unit_dim, dom_dim)
        run.status = "complete"
        run.finished_at = _now()
        session.commit()
    except BaseException:
        session.rollback()
        failed = session.get(AuditRun, run.id)
        if failed is not None:
            failed.status = "failed"
            failed.finished_at = _now()
            session.commit()
        raise
    return run.id


def _previous_keys(session: Session, run: AuditRun) -> set[str]:
    prev = session.scalar(select(AuditRun).where(AuditRun.status == "complete", AuditRun.id < run.id,
                                                 AuditRun.scheme == run.scheme).order_by(AuditRun.id.desc()))
    if prev is None:
        return set()
    return set(session.scalars(select(Finding.key).where(Finding.audit_run_id == prev.id)))


def _store(session: Session, ctx: AuditContext, run: AuditRun, results: dict[str, CheckResult],
           unit_dim: dict, dom_dim: dict) -> None:
    weights = ctx.scheme.weights
    previous = _previous_keys(session, run)
    overall: dict[str, float | None] = {}
    for unit in ctx.units:
        dims = {d: unit_dim.get((unit.id, d)) for d in DIMENSIONS}
        avail = {d: weights.get(d, 0) for d, v in dims.items() if v is not None and weights.get(d, 0) > 0}
        total_w = sum(avail.values())
        overall[unit.id] = (sum(dims[d] * w for d, w in avail.items()) / total_w) if total_w else None
        for dim, res in results.items():
            for f in res.findings:
                if f.unit_id == unit.id:
                    f.points = f.dim_points * avail.get(dim, 0) / total_w if total_w else 0.0
        for d, value in dims.items():
            if value is not None:
                session.add(Score(audit_run_id=run.id, unit_id=unit.id, dimension=d, score=round(value, 2),
                                  details={"weight": weights.get(d, 0)}))
        for (uid, domain, d), value in dom_dim.items():
            if uid == unit.id:
                session.add(Score(audit_run_id=run.id, unit_id=unit.id, domain=domain, dimension=d,
                                  score=round(value, 2)))
    # ranks within the same level only
    by_level: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for unit in ctx.units:
        if overall[unit.id] is not None:
            by_level[unit.level].append((overall[unit.id], unit.id))
    ranks: dict[str, int] = {}
    for level, rows in by_level.items():
        rows.sort(key=lambda t: (-t[0], t[1]))
        for i, (_, uid) in enumerate(rows, 1):
            ranks[uid] = i
    for unit in ctx.units:
        value = overall[unit.id]
        session.add(Score(audit_run_id=run.id, unit_id=unit.id, score=round(value, 2) if value is not None else -1,
                          rank=ranks.get(unit.id),
                          details={"grade": ctx.scheme.grade(value), "level": unit.level,
                                   "scored": value is not None}))
    counts: dict[str, int] = defaultdict(int)
    for res in results.values():
        for f in res.findings:
            counts[f"{f.rule}:{f.status}"] += 1
            session.add(Finding(
                audit_run_id=run.id, unit_id=f.unit_id, site_id=f.site_id, entry_id=f.entry_id, domain=f.domain,
                check=f.check, rule=f.rule, status=f.status, severity=f.severity, title=f.title,
                evidence=f.evidence, days_late=f.days_late, channels_missing=f.channels_missing, fix=f.fix,
                points=round(f.points, 4), key=f.key,
                lifecycle="persisting" if f.key in previous else "new"))
    current = {f.key for res in results.values() for f in res.findings}
    run.summary = {"findings": dict(counts), "resolved": sorted(previous - current)[:500],
                   "crawl_runs": [r.id for r in ctx.crawl_runs]}

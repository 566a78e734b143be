"""The audit run: match, check, score — deterministic for a given store, catalog, scheme and as_of.

Checks come from a fixed vocabulary (one class per check type in auditor/checks/); the
scheme's rule set says which run and with what parameters. Findings of the checks are grouped by
dimension and turned into scores by the scheme's scoring method (auditor/scoring/aggregate.py), so
every point lost traces to a finding. Units are ranked only against units of the same level.
History (lifecycle, resolved findings, score deltas) and upcoming obligations are stored with the run.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

import auditor
from auditor.catalog.models import Catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.catalog.yardstick import Yardstick
from auditor.checks.base import CheckResult
from auditor.checks.registry import CHECK_CLASSES
from auditor.errors import AuditorError
from auditor.match.matcher import Thresholds
from auditor.match.matching import build_yardsticks, run_matching
from auditor.scheme import CHECK_DIMENSION, DIMENSIONS, Scheme
from auditor.scoring.aggregate import Aggregate, aggregate
from auditor.scoring.assessment import ranks as rank_units
from auditor.scoring.gather import AuditContext, FindingDraft, build_context
from auditor.scoring.lifecycle import record_history
from auditor.scoring.upcoming import compute_upcoming, store_upcoming
from auditor.store.models import AuditRun, CatalogEntryRow, CrawlRun, Finding, Score
from auditor.vocabulary import FindingStatus, utcnow

# check type -> the check, in run order (from auditor/checks/). A plain dict of callables, so a test or a
# benchmark can wrap one check.
CHECKS: dict[str, Callable[[AuditContext], CheckResult]] = {c.type: c() for c in CHECK_CLASSES}


def recent_crawl_runs(session: Session, n: int) -> list[int]:
    rows = session.scalars(select(CrawlRun.id).where(CrawlRun.status == "complete")
                           .order_by(CrawlRun.id.desc()).limit(n))
    return list(rows)


class IncompleteCrawlError(AuditorError):
    """The newest crawl run did not finish: an audit on it would call unseen pages unpublished."""


def audit_crawl_runs(session: Session, n: int, *, allow_incomplete: bool = False) -> list[int]:
    """The crawl runs an audit reads, newest first: the last `n` complete runs.

    When the newest crawl run is not complete (running, failed, interrupted) the audit refuses, unless
    `allow_incomplete`: then that run leads the window and every column it held counts as not crawled
    (its entries are unverified, never missing).
    """
    newest = session.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1))
    if newest is None or newest.status == "complete":
        return recent_crawl_runs(session, n)
    if not allow_incomplete:
        why = (newest.stats or {}).get("error") if isinstance(newest.stats, dict) else None
        raise IncompleteCrawlError(
            f"crawl run {newest.id} is {newest.status}, not complete"
            + (f" ({why})" if why else "") + "; an audit on it would report unseen pages as unpublished",
            hint=(f"finish it (`auditor resume-crawl {newest.id}`) or crawl again (`auditor crawl`); "
                  "or pass --allow-incomplete-crawl to audit anyway, with every entry of its columns unverified"))
    return [newest.id] + recent_crawl_runs(session, n)[: max(0, n - 1)]


def window_runs(scheme: Scheme) -> int:
    """How many crawl runs an audit reads: the healthy-runs rule and the monitoring window."""
    return max(scheme.checks.completeness.healthy_runs, scheme.checks.site_health.monitoring_runs)


def _snapshot_catalog(session: Session, catalog: Catalog, yardsticks: dict[str, Yardstick] | None = None) -> None:
    """The catalog rows this run judged against, plus the local additions of unit catalogs."""
    local = [e for y in (yardsticks or {}).values() for e in y.entries if e.id in set(y.local)]
    for e in [*catalog.entries, *local]:
        row = session.get(CatalogEntryRow, e.id) or CatalogEntryRow(id=e.id)
        row.catalog_version, row.domain, row.level1, row.level2 = catalog.version, e.domain, e.level1, e.level2
        row.time_limit, row.mode, row.levels = e.time_limit, e.mode, list(e.levels)
        row.data = {"content": e.content, "basis": e.basis, "channels_text": e.channels_text, "source": e.source}
        session.add(row)


def run_checks(ctx: AuditContext) -> dict[str, CheckResult]:
    """Every enabled check of the rule set, keyed by check type. A unit audited against its own catalog
    (registry `catalog:`) always gets the conformity check: deleting a 二级事项 stays a finding."""
    names = ctx.scheme.checks.enabled()
    if "conformity" not in names and any(y.ref is not None for y in ctx.yardsticks.values()):
        ctx.unit_catalogs = {uid: y.ref.file for uid, y in ctx.yardsticks.items() if y.ref is not None}
        names = [n for n in CHECK_DIMENSION if n in names or n == "conformity"]
    return {name: CHECKS[name](ctx) for name in names}


def _mark_incomplete_crawl(ctx: AuditContext, results: dict[str, CheckResult]) -> None:
    """Every unverified finding of an audit on an unfinished crawl names that crawl run and its status."""
    if not ctx.incomplete_runs:
        return
    runs = [{"id": r.id, "status": r.status, "error": (r.stats or {}).get("error") if isinstance(r.stats, dict)
             else None} for r in ctx.incomplete_runs]
    for res in results.values():
        for f in res.findings:
            if f.status == FindingStatus.UNVERIFIED:
                f.evidence = {**f.evidence, "incomplete_crawl_runs": runs}


def by_dimension(results: dict[str, CheckResult]) -> dict[str, CheckResult]:
    """Check results merged per dimension (findings and basis)."""
    dims: dict[str, CheckResult] = {}
    for name, res in results.items():
        dim = CHECK_DIMENSION[name]
        merged = dims.setdefault(dim, CheckResult())
        merged.findings.extend(res.findings)
        for unit_id, domains in res.basis.items():
            for domain, n in domains.items():
                merged.basis[unit_id][domain] += n
    return dims


def run_audit(session: Session, catalog: Catalog, scheme: Scheme, cal: WorkingCalendar, as_of: date,
              crawl_run_ids: list[int] | None = None, *, unit_catalogs: dict[str, str] | None = None,
              allow_incomplete_crawl: bool = False) -> int:
    """Run match + checks + scoring as one audit run; returns its id. Committed only when complete.

    unit_catalogs: unit id -> path of the unit's published catalog file (e.g. from the registry),
    added to the rule set's checks.conformity.unit_catalogs for the conformity check.
    Refuses (IncompleteCrawlError) when the newest crawl run is not complete, unless
    `allow_incomplete_crawl` (see audit_crawl_runs).
    """
    if crawl_run_ids is None:
        crawl_run_ids = audit_crawl_runs(session, window_runs(scheme), allow_incomplete=allow_incomplete_crawl)
    run = AuditRun(started_at=utcnow(), status="running", as_of=as_of, scheme=scheme.name,
                   crawl_run_id=crawl_run_ids[0] if crawl_run_ids else None, catalog_version=catalog.version,
                   rules_version=f"{scheme.name}@{scheme.version}", code_version=auditor.__version__,
                   summary={"pid": os.getpid(), "host": socket.gethostname()})  # lets recovery spot a killed run
    session.add(run)
    session.commit()
    try:
        yardsticks = build_yardsticks(session, catalog, cal)
        _snapshot_catalog(session, catalog, yardsticks)
        run_matching(session, catalog, run.id, Thresholds(scheme.matching.accept, scheme.matching.review),
                     yardsticks)
        session.flush()
        ctx = build_context(session, catalog, scheme, cal, as_of, run.id, crawl_run_ids, unit_catalogs, yardsticks)
        results = run_checks(ctx)
        _mark_incomplete_crawl(ctx, results)
        dims = by_dimension(results)
        agg = aggregate(ctx, dims)
        _store(session, ctx, run, results, agg)
        run.status = "complete"
        run.finished_at = utcnow()
        session.commit()
    except BaseException:
        session.rollback()
        failed = session.get(AuditRun, run.id)
        if failed is not None:
            failed.status = "failed"
            failed.finished_at = utcnow()
            session.commit()
        raise
    return run.id


def _ranks(agg: Aggregate) -> dict[str, int]:
    """Ranks within a level among units assessed alike (auditor/scoring/assessment.py)."""
    return rank_units([(u.unit_id, u.level, u.overall, u.assessment.tier if u.assessment else 0)
                       for u in agg.units.values()])


def _store(session: Session, ctx: AuditContext, run: AuditRun, results: dict[str, CheckResult],
           agg: Aggregate) -> None:
    """Scores and findings in multi-row inserts (the ORM's unit of work per row cost more than the checks)."""
    ranks = _ranks(agg)
    domains: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for (uid, domain, d), value in sorted(agg.domains.items()):
        domains[uid].append((domain, d, value))
    scores: list[dict] = []
    for unit in ctx.units:
        us = agg.units[unit.id]
        for d in DIMENSIONS:
            value = us.dims.get(d)
            if value is not None:
                scores.append(_score_row(run.id, unit.id, None, d, round(value, 2), None, us.dim_details.get(d, {})))
        for domain, d, value in domains.get(unit.id, []):
            scores.append(_score_row(run.id, unit.id, domain, d, round(value, 2), None, {}))
        scores.append(_score_row(
            run.id, unit.id, None, None, round(us.overall, 2) if us.overall is not None else -1, ranks.get(unit.id),
            {"grade": us.grade, "level": unit.level, "scored": us.overall is not None, "scheme": ctx.scheme.name}
            | us.details | ({"yardstick": ctx.yardsticks[unit.id].to_json()} if unit.id in ctx.yardsticks else {})))
    _insert_rows(session, Score, scores)
    drafts: list[FindingDraft] = [f for res in results.values() for f in res.findings]
    history = record_history(session, ctx, run, drafts, {u: s.overall for u, s in agg.units.items()}, agg.points)
    counts: dict[str, int] = defaultdict(int)
    rows: list[dict] = []
    for f in drafts:
        counts[f"{f.rule}:{f.status}"] += 1
        rows.append({"audit_run_id": run.id, "unit_id": f.unit_id, "site_id": f.site_id, "entry_id": f.entry_id,
                     "domain": f.domain, "check": f.check, "rule": f.rule, "status": f.status,
                     "severity": f.severity, "title": f.title, "evidence": f.evidence, "days_late": f.days_late,
                     "channels_missing": f.channels_missing, "fix": f.fix, "points": round(agg.points_of(f), 4),
                     "key": f.key, "lifecycle": history["lifecycle"].get(f.key, "new")})
    _insert_rows(session, Finding, rows)
    upcoming = compute_upcoming(ctx)
    store_upcoming(session, run.id, upcoming)
    resolved_keys = sorted(session.scalars(select(Finding.key).where(
        Finding.audit_run_id == history["previous_run"])).all()) if history["previous_run"] else []
    current = {f.key for f in drafts}
    run.summary = {"findings": dict(counts), "resolved": [k for k in resolved_keys if k not in current][:500],
                   "resolved_count": history["resolved"], "previous_run": history["previous_run"],
                   "crawl_runs": [r.id for r in ctx.crawl_runs], "checks": sorted(results),
                   "incomplete_crawl_runs": [{"id": r.id, "status": r.status} for r in ctx.incomplete_runs],
                   "upcoming": len(upcoming), "sites": _site_verdicts(ctx, drafts)}


def _score_row(run_id: int, unit_id: str, domain: str | None, dimension: str | None, score: float,
               rank: int | None, details: dict) -> dict:
    return {"audit_run_id": run_id, "unit_id": unit_id, "domain": domain, "dimension": dimension, "score": score,
            "max_score": 100.0, "rank": rank, "details": details}


def _insert_rows(session: Session, model: type, rows: list[dict], batch: int = 5000) -> None:
    for start in range(0, len(rows), batch):
        session.execute(insert(model), rows[start:start + batch])


def _site_verdicts(ctx: AuditContext, drafts: list[FindingDraft]) -> dict[str, dict]:
    """Per website, the veto findings (the 国办 inspection judges websites)."""
    veto = ctx.scheme.veto_rules
    hits: dict[str, set[str]] = defaultdict(set)
    for f in drafts:
        if f.site_id is not None and f.status == FindingStatus.DEFECT and f.rule in veto:
            hits[f.site_id].add(f.key)
    out: dict[str, dict] = {}
    for site_id in sorted(ctx.sites):
        keys = sorted(hits.get(site_id, ()))
        out[site_id] = {"veto": keys, "verdict": "不合格" if keys else "未否决"}
    return out

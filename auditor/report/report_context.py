"""One plain-data view of an audit run, shared by the HTML report and every export.

Built once from the store so the HTML pages, XLSX, CSV and JSON can never disagree. Its shapes are the
frozen dataclasses of `report.model` (dates as ISO strings); `model.plain` turns them into JSON.
Findings are streamed from the store and matches read as columns, so 1,000 units stay in memory once.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.errors import AuditorError
from auditor.report import coverage, trends
from auditor.report import labels as L
from auditor.report.findings import finding_row, group_defects, top_by_entry, top_by_rule, totals, unit_counts
from auditor.report.model import (
    Bin,
    Changes,
    ColumnRow,
    CoverageSummary,
    CrawlRunInfo,
    Dimension,
    DimensionScore,
    DimStatus,
    Distribution,
    DomainScore,
    FindingRow,
    GradeCount,
    HeatCell,
    Level,
    LevelSpan,
    MatchRow,
    Matrix,
    MatrixRow,
    MatrixUnit,
    NoteGroup,
    PreviousRunRef,
    PreviousScore,
    PreviousSummary,
    RankGroup,
    ReportContext,
    ResolvedDefect,
    RunInfo,
    Scorecard,
    SiteRow,
    UnitCounts,
    UnitRow,
    Upcoming,
)
from auditor.store.models import AuditRun, CatalogEntryRow, CrawlRun, Finding, Score, Unit
from auditor.vocabulary import ACCEPTED_DECISIONS, Decision, FindingStatus

T = TypeVar("T")
BINS = ((0, 60), (60, 70), (70, 80), (80, 90), (90, 101))


class ReportError(AuditorError):
    """The requested audit run cannot be reported on."""


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def heat_class(score: float | None) -> str:
    """CSS class of a score cell: five bands, plus one for "not scored"."""
    if score is None:
        return "hna"
    for i, (low, _) in enumerate(reversed(BINS)):
        if score >= low:
            return f"h{len(BINS) - i}"
    return "h1"


def unit_page(unit_id: str) -> str:
    """File name of a unit's page; ids outside [A-Za-z0-9_-] get a hash so names stay safe and unique."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", unit_id)
    if safe != unit_id or not safe:
        safe = f"{safe}-{hashlib.sha1(unit_id.encode()).hexdigest()[:8]}"
    return f"{safe}.html"


def short_name(name: str, district: str = "") -> str:
    """"云溪区北岭镇人民政府" → "北岭镇": for narrow table headers; the full name stays in the tooltip."""
    out = name
    if district and out.startswith(district) and len(out) > len(district) + 1:
        out = out[len(district):]
    else:
        m = re.match(r"^.{1,6}?[区县市旗](?=.{2,})", out)
        if m and not out.startswith(("区", "县")):
            out = out[m.end():]
    for suffix in ("人民政府", "办事处"):
        if out.endswith(suffix) and len(out) > len(suffix) + 1:
            out = out[: -len(suffix)]
    return out or name


def _crawl_ids(run: AuditRun) -> list[int]:
    ids = (run.summary or {}).get("crawl_runs") or []
    ids = [i for i in ids if isinstance(i, int)]
    return ids or ([run.crawl_run_id] if run.crawl_run_id is not None else [])


def _run_info(session: Session, run: AuditRun) -> RunInfo:
    crawls = [session.get(CrawlRun, i) for i in _crawl_ids(run)]
    return RunInfo(
        id=run.id, status=run.status, as_of=_iso(run.as_of), scheme=run.scheme,
        started_at=_iso(run.started_at), finished_at=_iso(run.finished_at),
        catalog_version=run.catalog_version, rules_version=run.rules_version, code_version=run.code_version,
        crawl_runs=[CrawlRunInfo(c.id, c.status, _iso(c.started_at), _iso(c.finished_at))
                    for c in crawls if c is not None])


@dataclass(frozen=True, slots=True)
class RunScores:
    """One run's Score rows by shape: overall rows, unit → dimension → score (and weight), unit → domain →
    dimension → score."""

    overall: dict[str, Score]
    dims: dict[str, dict[str, float]]
    weights: dict[str, dict[str, float]]
    domains: dict[str, dict[str, dict[str, float]]]


def _scores(session: Session, run_id: int) -> RunScores:
    overall: dict[str, Score] = {}
    dims: dict[str, dict[str, float]] = defaultdict(dict)
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    domains: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for s in session.scalars(select(Score).where(Score.audit_run_id == run_id)):
        if s.dimension is None and s.domain is None:
            overall[s.unit_id] = s
        elif s.domain is None:
            dims[s.unit_id][s.dimension] = s.score
            weights[s.unit_id][s.dimension] = float((s.details or {}).get("weight") or 0)
        elif s.dimension is not None:
            domains[s.unit_id][s.domain][s.dimension] = s.score
    return RunScores(overall, dims, weights, domains)


def _combine(dims: dict[str, float], weights: dict[str, float]) -> float | None:
    """A domain's score: its dimension scores weighted like the overall score (equal if weights unknown)."""
    parts = [(v, weights.get(d, 0) if weights else 1.0) for d, v in dims.items() if v is not None]
    total = sum(w for _, w in parts)
    if not total:
        parts = [(v, 1.0) for v, _ in parts]
        total = len(parts)
    return round(sum(v * w for v, w in parts) / total, 2) if total else None


def _overall_value(s: Score | None) -> float | None:
    if s is None or (s.details or {}).get("scored") is False or s.score < 0:
        return None
    return round(s.score, 2)


@dataclass(frozen=True, slots=True)
class PreviousRun:
    """The earlier complete run of the same scheme and what changed since (read by the context and by
    `trends.changes`; only its summary is in the report context)."""

    run: PreviousRunRef
    scores: dict[str, dict[str, Any]]
    resolved_defects: dict[str, list[ResolvedDefect]]
    resolved_total: int
    resolved_keys: list[str]


def _previous(session: Session, run: AuditRun, current_keys: set[str]) -> PreviousRun | None:
    """The earlier complete run of the same scheme (as the engine chooses it) and what changed since."""
    prev = session.scalar(select(AuditRun).where(AuditRun.status == "complete", AuditRun.id < run.id,
                                                 AuditRun.scheme == run.scheme).order_by(AuditRun.id.desc()))
    if prev is None:
        return None
    overall = _scores(session, prev.id).overall
    rows = session.execute(select(Finding.key, Finding.unit_id, Finding.status, Finding.title, Finding.rule)
                           .where(Finding.audit_run_id == prev.id)).all()
    resolved = [r for r in rows if r.key not in current_keys]
    per_unit: dict[str, list[ResolvedDefect]] = defaultdict(list)
    for r in resolved:
        if r.status == FindingStatus.DEFECT and r.unit_id:
            per_unit[r.unit_id].append(ResolvedDefect(r.key, r.title, L.label(L.RULES, r.rule)))
    summary_resolved = (run.summary or {}).get("resolved")
    return PreviousRun(
        run=PreviousRunRef(prev.id, _iso(prev.as_of), _iso(prev.finished_at), prev.rules_version),
        scores={uid: {"score": _overall_value(s), "rank": s.rank} for uid, s in overall.items()},
        resolved_defects=per_unit,
        resolved_total=len(resolved),
        resolved_keys=list(summary_resolved) if isinstance(summary_resolved, list) else
        sorted(r.key for r in resolved))


def _previous_score(previous: PreviousRun | None, uid: str, score: float | None) -> PreviousScore | None:
    """Score delta and fixed defects of one unit; a unit new since the previous run has no delta."""
    if previous is None:
        return None
    before = previous.scores.get(uid) or {}
    old = before.get("score")
    delta = round(score - old, 2) if score is not None and old is not None else None
    return PreviousScore(old, before.get("rank"), delta, len(previous.resolved_defects.get(uid, [])))


def _unit_row(u: Unit, overall: Score | None, dims: dict[str, float], counts: UnitCounts,
              rank_of: int, previous: PreviousRun | None) -> UnitRow:
    score = _overall_value(overall)
    details = (overall.details if overall else None) or {}
    code = details.get("assessment") or "assessed"
    return UnitRow(
        id=u.id, name=u.name, kind=u.kind, level=u.level, district=u.district,
        level_label=L.label(L.LEVELS, u.level), page=unit_page(u.id),
        score=score, scored=score is not None, cls=heat_class(score),
        grade=details.get("grade") or "未评分", rank=overall.rank if overall else None, rank_of=rank_of,
        dims={d: dims.get(d) for d in L.DIMENSION_ORDER},
        dim_cls={d: heat_class(dims.get(d)) for d in L.DIMENSION_ORDER},
        counts=counts, previous=_previous_score(previous, u.id, score),
        assessment=code, assessment_label=L.label(L.UNIT_ASSESSMENT, code),
        assessment_reasons=[r for r in details.get("assessment_reasons") or [] if isinstance(r, str)],
        rank_group=details.get("rank_group") or "已评估", rank_tier=details.get("rank_tier", 0),
        dim_status=_dim_status(details),
        yardstick=details.get("yardstick") or {"source": "national", "label": "国家标准目录"})


def _dim_status(details: dict[str, Any]) -> dict[str, DimStatus]:
    """Fair scores (auditor/scoring/assessment.py): each dimension's assessment status and reason. Runs
    scored before it have none: they read as assessed."""
    raw = details.get("dim_status") if isinstance(details.get("dim_status"), dict) else {}
    out = {}
    for d in L.DIMENSION_ORDER:
        st = raw.get(d) if isinstance(raw.get(d), dict) else {}
        out[d] = DimStatus(status=st.get("status"), label=L.label(L.ASSESSMENT, st.get("status")),
                           reason=st.get("reason") or "", checked=st.get("checked"),
                           unverified=st.get("unverified"), share=st.get("share"))
    return out


def _distribution(rows: list[UnitRow]) -> Distribution:
    scores = [r.score for r in rows if r.score is not None]
    bins = [Bin(f"{lo}–{min(hi - 1, 100)}", lo, sum(lo <= s < hi for s in scores)) for lo, hi in BINS]
    grades = Counter(r.grade for r in rows)
    return Distribution(
        n=len(rows), scored=len(scores),
        mean=round(statistics.fmean(scores), 2) if scores else None,
        median=round(statistics.median(scores), 2) if scores else None,
        min=min(scores) if scores else None, max=max(scores) if scores else None,
        bins=bins, grades=[GradeCount(g, n) for g, n in grades.most_common()])


def _matrix(levels: list[Level], domain_scores: dict, weights: dict,
            findings_by_unit: dict[str, list[FindingRow]], domain_order: list[str]) -> Matrix:
    """Domain × unit heat map; a cell is the unit's weighted domain score, None where not applicable."""
    units = [u for lv in levels for u in lv.units]
    present = {d for u in units for d in domain_scores.get(u.id, {})}
    domains = [d for d in domain_order if d in present] + sorted(present - set(domain_order))
    rows = []
    for d in domains:
        cells = []
        for u in units:
            dims = domain_scores.get(u.id, {}).get(d)
            value = _combine(dims, weights.get(u.id, {})) if dims else None
            tip = " / ".join(f"{L.DIMENSIONS[k]} {dims[k]:g}" for k in L.DOMAIN_DIMENSIONS if dims and k in dims)
            defects = sum(1 for f in findings_by_unit.get(u.id, []) if f.domain == d and f.status == FindingStatus.DEFECT)
            cells.append(HeatCell(u.id, value, heat_class(value), tip, defects))
        scored = [c.score for c in cells if c.score is not None]
        rows.append(MatrixRow(d, cells, round(statistics.fmean(scored), 2) if scored else None))
    groups = [LevelSpan(lv.level, lv.label, len(lv.units)) for lv in levels if lv.units]
    return Matrix(domains=domains, units=[MatrixUnit(u.id, u.name, u.page, short_name(u.name, u.district))
                                          for u in units], groups=groups, rows=rows)


def _level(level: str, members: list[UnitRow]) -> Level:
    """One level's ranking; members arrive in rank order."""
    groups = [RankGroup(g, [r for r in members if r.rank_group == g])
              for g in dict.fromkeys(r.rank_group for r in members)]
    return Level(level=level, label=L.label(L.LEVELS, level), units=members, groups=groups,
                 unassessed=[r for r in members if r.assessment == "unassessed"],
                 distribution=_distribution([r for r in members if r.assessment != "unassessed"]))


def _rank_key(r: UnitRow) -> tuple:
    return (r.rank is None, r.rank or 0, -(r.score or 0), r.id)


@dataclass(frozen=True, slots=True)
class RunRows:
    """What the store holds about one run, read once: its units (sites excluded), their scores, the
    catalog snapshot and every finding formatted, by unit."""

    run: AuditRun
    scores: RunScores
    units: list[Unit]
    names: dict[str, str]
    entries: dict[str, CatalogEntryRow]
    domain_order: list[str]
    findings: list[FindingRow]
    by_unit: dict[str, list[FindingRow]]


def _read_run(session: Session, audit_run_id: int) -> RunRows:
    """The run, its scores, units, catalog snapshot and findings; ReportError for an unknown run."""
    run = session.get(AuditRun, audit_run_id)
    if run is None:
        raise ReportError(f"audit run {audit_run_id} not found")
    scores = _scores(session, run.id)
    units = [u for u in session.scalars(select(Unit).order_by(Unit.id))
             if u.kind != "site" and not u.id.startswith("site:") and u.id in scores.overall]
    names = {u.id: u.name for u in session.scalars(select(Unit))}
    entries = {e.id: e for e in session.scalars(select(CatalogEntryRow).order_by(CatalogEntryRow.id))}
    findings = [finding_row(f, entries, names) for f in session.scalars(  # streamed: no ORM copy of them all
        select(Finding).where(Finding.audit_run_id == run.id).order_by(Finding.id).execution_options(yield_per=2000))]
    unit_ids = {u.id for u in units}
    by_unit: dict[str, list[FindingRow]] = defaultdict(list)
    for f in findings:
        if f.unit_id in unit_ids:
            by_unit[f.unit_id].append(f)
    return RunRows(run, scores, units, names, entries, list(dict.fromkeys(e.domain for e in entries.values())),
                   findings, by_unit)


def _rank_rows(r: RunRows, previous: PreviousRun | None) -> list[Level]:
    """Every unit's ranking row, by level (level order, then rank)."""
    levels = []
    for level in sorted({u.level for u in r.units}, key=L.level_key):
        mine = [u for u in r.units if u.level == level]
        ranked = sum(r.scores.overall[u.id].rank is not None for u in mine)
        members = [_unit_row(u, r.scores.overall[u.id], r.scores.dims.get(u.id, {}),
                             unit_counts(r.by_unit.get(u.id, [])), ranked, previous) for u in mine]
        levels.append(_level(level, sorted(members, key=_rank_key)))
    return levels


def build_report_context(session: Session, audit_run_id: int) -> ReportContext:
    """Everything a report about one audit run shows, read once from the store (report.model's shapes)."""
    r = _read_run(session, audit_run_id)
    previous = _previous(session, r.run, {f.key for f in r.findings})
    levels = _rank_rows(r, previous)
    ordered_units = [u for lv in levels for u in lv.units]
    by_id = {u.id: u for u in ordered_units}
    rows = {u.id: by_id[u.id] for u in r.units}  # store order (unit id): what the per-unit maps follow
    scorecards = _scorecards(session, r, rows, previous)
    unit_ids = {u.id for u in r.units}
    scored_findings = [f for f in r.findings if f.unit_id in unit_ids]
    unassigned = [f for f in r.findings if f.unit_id not in unit_ids]
    run_info = _run_info(session, r.run)
    return ReportContext(
        run=run_info,
        trend=trends.trend(session, r.run, ordered_units),
        methodology=trends.methodology(r.run, run_info, trends.matcher(session, r.run)),
        upcoming=scorecards.upcoming,
        catalog_diffs=trends.catalog_diffs(r.findings),
        district=Counter((u.district_name or u.district) for u in r.units).most_common(1)[0][0] if r.units else "",
        dimensions=[Dimension(d, L.DIMENSIONS[d]) for d in L.DIMENSION_ORDER],
        levels=levels,
        units=ordered_units,
        totals=totals(scored_findings, len(r.units), len(unassigned)),
        distribution=_distribution([u for u in rows.values() if u.assessment != "unassessed"]),
        matrix=_matrix(levels, r.scores.domains, r.scores.weights, r.by_unit, r.domain_order),
        top_rules=top_by_rule(r.findings),
        top_entries=top_by_entry(scored_findings),
        previous=_previous_summary(previous, scored_findings),
        scorecards=scorecards.cards,
        findings=r.findings,
        unassigned_findings=unassigned,
        matches=scorecards.matches,
        columns=scorecards.columns,
        sites=scorecards.sites,
    )


@dataclass(frozen=True, slots=True)
class Scorecards:
    """The unit pages and the district-wide rows they are cut from (columns, sites, matches, upcoming)."""

    cards: dict[str, Scorecard]
    columns: list[ColumnRow]
    sites: list[SiteRow]
    matches: list[MatchRow]
    upcoming: Upcoming


def _scorecards(session: Session, r: RunRows, rows: dict[str, UnitRow], previous: PreviousRun | None) -> Scorecards:
    crawl_ids = _crawl_ids(r.run)
    cols = coverage.columns(session, crawl_ids, r.names)
    site_rows = coverage.sites(session, crawl_ids)
    match_rows = coverage.matches(session, r.run.id, r.entries, r.names)
    cols_by, sites_by, matches_by = _group(cols, "unit_id"), _group(site_rows, "owner_unit_id"), \
        _group(match_rows, "unit_id")
    unit_changes = trends.changes(session, r.run, previous, rows, r.by_unit)
    due = trends.upcoming(session, r.run, list(rows))
    cards = {uid: _scorecard(row, r.by_unit.get(uid, []), r.scores.domains.get(uid, {}),
                             r.scores.weights.get(uid, {}), cols_by.get(uid, []), sites_by.get(uid, []),
                             matches_by.get(uid, []), previous, r.domain_order,
                             unit_changes.get(uid), due)
             for uid, row in rows.items()}
    return Scorecards(cards, cols, site_rows, match_rows, due)


def _group(rows: list[T], key: str) -> dict[Any, list[T]]:
    out: dict[Any, list[T]] = defaultdict(list)
    for r in rows:
        out[getattr(r, key)].append(r)
    return out


def _previous_summary(previous: PreviousRun | None, findings: list[FindingRow]) -> PreviousSummary | None:
    if previous is None:
        return None
    defects = [f for f in findings if f.status == FindingStatus.DEFECT]
    return PreviousSummary(
        run=previous.run,
        new=sum(f.lifecycle == "new" for f in defects),
        persisting=sum(f.lifecycle == "persisting" for f in defects),
        resolved=sum(len(v) for v in previous.resolved_defects.values()),
        resolved_all=previous.resolved_total,
        resolved_keys=previous.resolved_keys)


def _note_groups(notes: list[FindingRow]) -> list[NoteGroup]:
    """Hints (no points) by rule: one row per kind with the entries it concerns, not one row each."""
    groups: dict[str, dict[str, Any]] = {}
    for f in notes:
        g = groups.setdefault(f.rule, {"rule": f.rule, "rule_label": f.rule_label, "count": 0,
                                          "items": [], "fixes": []})
        g["count"] += 1
        g["items"].append(f.entry_level2 or f.title)
        if f.fix and f.fix not in g["fixes"]:
            g["fixes"].append(f.fix)
    return [NoteGroup(g["rule"], g["rule_label"], g["count"], list(dict.fromkeys(g["items"])), g["fixes"],
                      "；".join(g["fixes"])) for g in groups.values()]


def _domain_scores(domain_scores: dict[str, dict[str, float]], weights: dict[str, float], findings: list[FindingRow],
                   domain_order: list[str]) -> list[DomainScore]:
    order = {d: i for i, d in enumerate(domain_order)}
    out = []
    for d in sorted(domain_scores, key=lambda d: (order.get(d, len(order)), d)):
        value = _combine(domain_scores[d], weights)
        out.append(DomainScore(d, value, heat_class(value),
                               {k: domain_scores[d].get(k) for k in L.DOMAIN_DIMENSIONS},
                               {k: heat_class(domain_scores[d].get(k)) for k in L.DOMAIN_DIMENSIONS},
                               sum(f.domain == d and f.status == FindingStatus.DEFECT for f in findings)))
    return out


def _coverage_summary(cols: list[ColumnRow], site_rows: list[SiteRow]) -> CoverageSummary:
    health = Counter(c.status or "none" for c in cols)
    cover = Counter(c.coverage or "none" for c in cols)
    return CoverageSummary(columns=len(cols), ok=health.get("ok", 0),
                           failed=sum(n for k, n in health.items() if k not in ("ok", "none")),
                           not_crawled=health.get("none", 0),
                           complete=cover.get("complete", 0), partial=cover.get("partial", 0),
                           coverage_failed=cover.get("failed", 0),
                           sites_down=sum(1 for r in site_rows if r.probes and not r.ok))


def _scorecard(row: UnitRow, findings: list[FindingRow], domain_scores: dict[str, dict[str, float]],
               weights: dict[str, float], cols: list[ColumnRow], site_rows: list[SiteRow], mine: list[MatchRow],
               previous: PreviousRun | None, domain_order: list[str], changes: Changes | None,
               due: Upcoming) -> Scorecard:
    """One unit's page: why it scored what it did and what to fix, costliest first."""
    shown = [m for m in mine if m.decision in (*ACCEPTED_DECISIONS, Decision.REVIEW)]
    defects = [f for f in findings if f.status == FindingStatus.DEFECT]
    by_cost = sorted(defects, key=lambda f: (-f.points, f.rule, f.title))
    notes = [f for f in findings if f.status == FindingStatus.INFO]
    return Scorecard(
        unit=row,
        anchor="u-" + row.page.rsplit(".", 1)[0],
        missing=[f for f in by_cost if f.rule == "missing"],
        late=[f for f in by_cost if f.check == "timeliness"],
        channel_gaps=[f for f in by_cost if f.check == "channels"],
        site_problems=[f for f in by_cost if f.check == "site_health"],
        other_defects=[f for f in by_cost if f.rule != "missing"
                       and f.check not in ("timeliness", "channels", "site_health")],
        coverage=_coverage_summary(cols, site_rows),
        dimensions=[DimensionScore(d, L.DIMENSIONS[d], row.dims[d], row.dim_cls[d], weights.get(d),
                                   row.dim_status[d]) for d in L.DIMENSION_ORDER],
        domains=_domain_scores(domain_scores, weights, findings, domain_order),
        defect_groups=group_defects(findings),
        unverified=[f for f in findings if f.status == FindingStatus.UNVERIFIED],
        notes=notes,
        note_groups=_note_groups(notes),
        columns=cols,
        sites=site_rows,
        matches=shown,
        matches_hidden=len(mine) - len(shown),
        resolved=previous.resolved_defects.get(row.id, []) if previous else [],
        changes=changes,
        upcoming=due.units.get(row.id, []),
        upcoming_source=due.source,
        upcoming_horizon=due.horizon_days)

"""What a report adds around one run's scores: history (trends, changes since the last run and why),
upcoming obligations, the methodology behind the numbers, and the matcher's accuracy.

Other stages record richer data: score-delta reasons and resolved findings (auditor.scoring.lifecycle,
tables score_deltas / resolved_findings), upcoming obligations (auditor.scoring.upcoming), the
matcher's measured accuracy (auditor.match.evaluate, on request: it takes tens of seconds) and
unit-catalog diffs (conformity findings). They are modules of this repository and imported directly;
only their tables can be missing (a store not yet migrated), so each section asks the schema
(`has_table`) and otherwise computes what the store holds and says so (`source` = "store").
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.deadline import parse_time_limit
from auditor.catalog.workdays import WorkingCalendar
from auditor.errors import AuditorError, CatalogError, ConfigError
from auditor.report import labels as L
from auditor.report.model import (
    CatalogDiffs,
    Changes,
    CheckParams,
    DecisionCount,
    DeltaReason,
    DimChange,
    FindingRow,
    GradeBand,
    MatcherFigures,
    MatcherSplit,
    MatcherStats,
    MatchingThresholds,
    Methodology,
    ReportContext,
    ResolvedChange,
    RulePoints,
    RunInfo,
    Trend,
    TrendRun,
    TrendSeries,
    TrendUnit,
    UnitRow,
    Upcoming,
    UpcomingRow,
    Weight,
)
from auditor.scheme import Scheme, load_scheme
from auditor.scoring import lifecycle
from auditor.scoring import upcoming as scoring_upcoming
from auditor.store.models import AuditRun, CatalogEntryRow, Finding, Match, Score, Unit
from auditor.vocabulary import ACCEPTED_DECISIONS, Decision, FindingStatus, catalog_level

if TYPE_CHECKING:
    from auditor.report.report_context import PreviousRun

log = logging.getLogger(__name__)

TREND_RUNS = 12  # runs shown in the trend chart and table
UPCOMING_DAYS = 90  # horizon of the store-computed upcoming obligations


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def has_table(session: Session, name: str) -> bool:
    """Whether the store has a table another stage adds by its own migration (absent in older stores)."""
    return sa_inspect(session.get_bind()).has_table(name)


# ---------------------------------------------------------------------------- trends


def trend(session: Session, run: AuditRun, units: list[UnitRow]) -> Trend:
    """Overall scores of every unit over the complete runs of the same scheme, up to this run."""
    runs = list(session.scalars(select(AuditRun).where(AuditRun.scheme == run.scheme, AuditRun.id <= run.id,
                                                       (AuditRun.status == "complete") | (AuditRun.id == run.id))
                                .order_by(AuditRun.id.desc()).limit(TREND_RUNS)))[::-1]
    ids = [r.id for r in runs]
    scores: dict[tuple[int, str], float] = {}
    if ids:
        for s in session.scalars(select(Score).where(Score.audit_run_id.in_(ids), Score.domain.is_(None),
                                                     Score.dimension.is_(None))):
            if s.score >= 0 and (s.details or {}).get("scored") is not False:
                scores[(s.audit_run_id, s.unit_id)] = round(s.score, 2)
    levels: dict[str, list[UnitRow]] = defaultdict(list)
    for u in units:
        levels[u.level].append(u)
    series = []
    for level in sorted(levels, key=L.level_key):
        points = []
        for r in runs:
            vals = [scores[(r.id, u.id)] for u in levels[level] if (r.id, u.id) in scores]
            points.append(round(statistics.fmean(vals), 2) if vals else None)
        series.append(TrendSeries(level, L.label(L.LEVELS, level) + "平均分", points))
    rows = [TrendUnit(u.id, u.name, u.page, u.level, [scores.get((r.id, u.id)) for r in runs]) for u in units]
    return Trend([TrendRun(r.id, _iso(r.as_of)) for r in runs], series, rows)


# ---------------------------------------------------------------------------- changes since last run


def _finding_points(session: Session, run_id: int) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in session.scalars(select(Finding).where(Finding.audit_run_id == run_id, Finding.status == FindingStatus.DEFECT)):
        if f.unit_id:
            out[f.unit_id].append(f)
    return out


def changes(session: Session, run: AuditRun, previous: PreviousRun | None, rows: dict[str, UnitRow],
            findings_by_unit: dict[str, list[FindingRow]]) -> dict[str, Changes]:
    """Per unit: score and dimension deltas since the previous run and the findings behind them.

    The reasons recorded by the scoring stage (score_deltas, resolved_findings) are used when the store
    has them; otherwise the new and the resolved defects with their points are the explanation.
    """
    out: dict[str, Changes] = {}
    if previous is None:
        return out
    prev_id = previous.run.id
    provided = _provided_deltas(session, run.id)
    resolved_why = _provided_resolved(session, run.id)
    prev_dims: dict[str, dict[str, float]] = defaultdict(dict)
    for s in session.scalars(select(Score).where(Score.audit_run_id == prev_id, Score.domain.is_(None),
                                                 Score.dimension.is_not(None))):
        prev_dims[s.unit_id][s.dimension] = s.score
    prev_defects = _finding_points(session, prev_id)
    for uid, row in rows.items():
        mine = [f for f in findings_by_unit.get(uid, []) if f.status == FindingStatus.DEFECT]
        current_keys = {f.key for f in findings_by_unit.get(uid, [])}
        new = sorted((f for f in mine if f.lifecycle == "new"), key=lambda f: -f.points)
        resolved = sorted((_resolved(f, resolved_why) for f in prev_defects.get(uid, []) if f.key not in current_keys),
                          key=lambda r: -r.points)
        reasons = provided.get(uid) if provided is not None else None
        out[uid] = Changes(previous_run=previous.run, score_before=row.previous.score if row.previous else None,
                           score_now=row.score, delta=row.previous.delta if row.previous else None,
                           dims=_dim_changes(row, prev_dims.get(uid, {})),
                           new=new, new_points=round(sum(f.points for f in new), 2),
                           resolved=resolved, resolved_points=round(sum(r.points for r in resolved), 2),
                           reasons=reasons, source="scoring" if reasons is not None else "store")
    return out


def _dim_changes(row: UnitRow, before: dict[str, float]) -> list[DimChange]:
    out = []
    for d in L.DIMENSION_ORDER:
        now, was = row.dims.get(d), before.get(d)
        out.append(DimChange(d, L.DIMENSIONS[d], now, was,
                             round(now - was, 2) if now is not None and was is not None else None))
    return out


def _resolved(f: Finding, why: dict[str, str]) -> ResolvedChange:
    return ResolvedChange(f.key, f.title, L.label(L.RULES, f.rule), L.label(L.DIMENSIONS, f.check),
                          round(f.points or 0, 2), L.label(RESOLVED_REASONS, why.get(f.key)) or "已整改")


DELTA_REASONS = {
    "newly_late": "新增逾期或未注明日期",
    "new_obligation": "新到期的定期/年度公开义务",
    "crawl_recovered": "上次无法核实、本次可核实后发现的问题",
    "reviewer_decision": "复核决定改变了判定",
    "new_defect": "新增其他问题",
    "fixed": "已整改",
    "crawl_failure": "本次抓取失败转为无法核实（非整改）",
    "no_longer_applicable": "不再适用",
    "rescaled": "核查基数、封顶或否决项变化带来的折算",
}
RESOLVED_REASONS = {k: DELTA_REASONS[k] for k in ("fixed", "reviewer_decision", "crawl_failure",
                                                   "no_longer_applicable")}


def _provided_deltas(session: Session, run_id: int) -> dict[str, list[DeltaReason]] | None:
    """Score-delta reasons recorded by the scoring stage (score_deltas), if this store has them."""
    if not has_table(session, "score_deltas"):
        return None
    rows = lifecycle.score_deltas(session, run_id)
    if not rows:
        return None
    out: dict[str, list[DeltaReason]] = {}
    for d in rows:
        reasons = []
        for r in d.reasons or []:
            if not isinstance(r, dict):
                continue
            code = str(r.get("reason") or "")
            pts = r.get("points")
            reasons.append(DeltaReason(code, L.label(DELTA_REASONS, code) or code,
                                       round(float(pts), 2) if isinstance(pts, (int, float)) else None,
                                       r.get("count") if isinstance(r.get("count"), int) else None))
        out[d.unit_id] = reasons
    return out


def _provided_resolved(session: Session, run_id: int) -> dict[str, str]:
    """Why each defect of the previous run was resolved (resolved_findings), if this store has them."""
    if not has_table(session, "resolved_findings"):
        return {}
    return {r.key: r.reason for r in lifecycle.resolved_findings(session, run_id) if r.key}


# ---------------------------------------------------------------------------- upcoming obligations




def upcoming(session: Session, run: AuditRun, unit_ids: list[str]) -> Upcoming:
    """Obligations falling due after the audit date, per unit.

    From `auditor.scoring.upcoming` when that stage provides it; else computed here from the catalog
    snapshot: entries with a fixed annual date or a periodic update rule, due within UPCOMING_DAYS.
    """
    if has_table(session, "upcoming_obligations"):
        provided = scoring_upcoming.upcoming_obligations(session, run.id)
        return Upcoming("scoring", None, _obligations(session, provided))
    return Upcoming("store", UPCOMING_DAYS, _upcoming_from_store(session, run, unit_ids))


KINDS = {"period": "本期尚未公开", "periodic": "定期更新", "annual": "年度公开", "event": "已形成待公开"}


def _obligations(session: Session, rows: list[scoring_upcoming.Obligation]) -> dict[str, list[UpcomingRow]]:
    entries = {e.id: e for e in session.scalars(select(CatalogEntryRow))}
    out: dict[str, list[UpcomingRow]] = defaultdict(list)
    for o in rows:
        e = entries.get(o.entry_id or "")
        out[o.unit_id or ""].append(UpcomingRow(
            entry_id=o.entry_id, domain=o.domain or (e.domain if e else None),
            level1=e.level1 if e else None, level2=e.level2 if e else None,
            title=o.title, kind=L.label(KINDS, o.kind),
            time_limit=e.time_limit if e else None, due_date=_iso(o.due_date),
            days_left=o.working_days_left, days_unit="工作日",
            last_published=None,
            why="；".join(f"{k}: {v}" for k, v in o.basis.items() if isinstance(v, (str, int, float)))
            if isinstance(o.basis, dict) else None,
        ))
    return dict(out)


def _upcoming_from_store(session: Session, run: AuditRun, unit_ids: list[str]) -> dict[str, list[UpcomingRow]]:
    as_of: date = run.as_of
    horizon = as_of + timedelta(days=UPCOMING_DAYS)
    cal = WorkingCalendar()
    entries = list(session.scalars(select(CatalogEntryRow).order_by(CatalogEntryRow.id)))
    rules = {}
    for e in entries:
        try:
            rule = parse_time_limit(e.time_limit)
        except CatalogError:  # an unparseable phrase simply has no computable due date
            continue
        if rule.kind in ("annual", "periodic"):
            rules[e.id] = rule
    if not rules:
        return {}
    latest: dict[tuple[str, str], date] = {}
    for m in session.scalars(select(Match).where(Match.audit_run_id == run.id,
                                                 Match.decision.in_(ACCEPTED_DECISIONS))):
        if m.entry_id in rules and m.item is not None and m.item.publish_date:
            k = (m.unit_id, m.entry_id)
            latest[k] = max(latest.get(k, m.item.publish_date), m.item.publish_date)
    stored = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    out: dict[str, list[UpcomingRow]] = {}
    for uid in unit_ids:
        unit = stored.get(uid)
        if unit is None:
            continue
        domains = set(unit.domains_lead or []) | set(unit.domains_share or [])
        level = catalog_level(unit.level)
        rows = []
        for e in entries:
            rule = rules.get(e.id)
            if rule is None or e.domain not in domains or (e.levels and level not in e.levels) or e.mode != "主动":
                continue
            anchor = as_of if rule.kind == "annual" else latest.get((unit.id, e.id))
            if anchor is None:
                continue
            try:
                due = rule.due_date(anchor, cal)
            except ValueError:  # a fixed date that does not exist in the anchor's year (29 February)
                due = None
            if due is None or not (as_of <= due.date <= horizon):
                continue
            rows.append(UpcomingRow(entry_id=e.id, domain=e.domain, level1=e.level1, level2=e.level2,
                                    title=None, kind=L.label(KINDS, rule.kind), time_limit=e.time_limit,
                                    due_date=due.date.isoformat(), days_left=(due.date - as_of).days,
                                    days_unit="日", last_published=_iso(latest.get((unit.id, e.id))), why=None))
        if rows:
            out[unit.id] = sorted(rows, key=lambda r: (r.due_date, r.entry_id))
    return out


# ---------------------------------------------------------------------------- matcher accuracy


def matcher(session: Session, run: AuditRun) -> MatcherStats:
    """Decision counts of this run's matches; the accuracy on the gold set is added on request
    (`attach_match_eval`)."""
    counts = Counter(session.scalars(select(Match.decision).where(Match.audit_run_id == run.id)))
    total = sum(counts.values())
    return MatcherStats(
        decisions=[DecisionCount(d, L.label(L.DECISIONS, d), n) for d, n in counts.most_common()],
        total=total,
        auto_share=round(100 * (counts[Decision.ACCEPT] + counts[Decision.REJECT]) / total, 1) if total else None,
        evaluation=None)


def measure_matcher(scheme: str = "default") -> dict[str, Any] | None:
    """Precision/recall/F1 of the matcher on the labelled gold set (what `auditor match eval` prints).

    Takes tens of seconds, so reports include it only on request (`attach_match_eval`).
    """
    from auditor.catalog.loader import load_catalog  # the matcher and its gold set load only when asked
    from auditor.match import evaluate as ev
    from auditor.match.matcher import Matcher, Thresholds

    try:
        catalog = load_catalog()
        rows = ev.load_gold(ev.GOLD, catalog)
        try:
            m = load_scheme(scheme).matching
            matcher = Matcher(Thresholds(m.accept, m.review), catalog_entries=catalog.entries)
        except ConfigError:  # a scheme renamed since the run: the matcher's default thresholds
            matcher = None
        report = ev.evaluate(rows, catalog, matcher)
    except (AuditorError, OSError):  # no gold set or catalog here: the report says "not measured"
        log.warning("matcher evaluation failed", exc_info=True)
        return None
    o, b = report.matcher[ev.OVERALL], report.baseline[ev.OVERALL]
    return {"金标准样本数": report.rows, "准确率 precision": round(o.precision, 3), "召回率 recall": round(o.recall, 3),
            "F1": round(o.f1, 3), "基线 F1（WRatio）": round(b.f1, 3), "TP / FP / FN": f"{o.tp} / {o.fp} / {o.fn}"}


def attach_match_eval(ctx: ReportContext, evaluation: dict[str, Any] | None = None) -> ReportContext:
    """The report context with the matcher's measured accuracy in its methodology (measured now unless
    given); the context is frozen, so this is a new one sharing everything else."""
    if evaluation is None:
        evaluation = measure_matcher(ctx.run.scheme or "default")
    md = ctx.methodology
    return replace(ctx, methodology=replace(md, matcher=replace(md.matcher, evaluation=evaluation)))


# ---------------------------------------------------------------------------- methodology


def real_matcher_figures() -> MatcherFigures | None:
    """The matcher's figures on real labelled titles (held-back split), read from the committed figures file
    (rules/matcher_figures.yaml, written by `auditor match eval --figures`), never computed at report time."""
    from auditor.match.evaluate import load_figures

    figs = load_figures()
    if not figs:
        return None
    splits = []
    for split, label in (("held", "留出集"), ("dev", "开发集")):
        f = figs.get(split)
        if isinstance(f, dict):
            splits.append(MatcherSplit(label=label, rows=f.get("rows"), positives=f.get("positives"),
                                       negatives=f.get("negatives"), precision=f.get("precision"),
                                       recall=f.get("recall"), f1=f.get("f1"), right_domain=f.get("right_domain"),
                                       negatives_accepted=f.get("negatives_accepted")))
    return MatcherFigures(figs.get("set"), figs.get("thresholds"), splits) if splits else None


def _in_rule_order(rules: frozenset[str]) -> list[str]:
    """A scheme's rule set in the order the checks declare their rules (the report's label table), so the
    methodology lists the same rules in the same order on every run (a set's order changes with the hash seed)."""
    order = {code: i for i, code in enumerate(L.RULES)}
    return sorted(rules, key=lambda r: (order.get(r, len(order)), r))


def methodology(run: AuditRun, run_info: RunInfo, match_stats: MatcherStats) -> Methodology:
    """Scheme, weights, grades, thresholds, versions and crawl dates: how to read every number."""
    try:
        scheme = load_scheme(run.scheme)
    except ConfigError:  # the scheme file may have been renamed since the run
        scheme = None
    known = {"scheme": run.scheme, "rules_version": run.rules_version, "catalog_version": run.catalog_version,
             "code_version": run.code_version, "crawl_runs": run_info.crawl_runs, "matcher": match_stats}
    if scheme is None:
        return Methodology(**known, scheme_loaded=False)
    return Methodology(
        **known, scheme_loaded=True,
        scheme_changed=f"{scheme.name}@{scheme.version}" != run.rules_version,
        title=scheme.title,
        method=getattr(scheme.scoring, "method", None),
        weights=[Weight(d, L.label(L.DIMENSIONS, d), w) for d, w in scheme.weights.items()],
        grades=[GradeBand(g.min, g.label) for g in sorted(scheme.grades, key=lambda g: -g.min)],
        matching=MatchingThresholds(scheme.matching.accept, scheme.matching.review),
        checks=_check_params(scheme),
        site_health_points=_site_health_points(scheme),
        veto=[L.label(L.RULES, r) for r in _in_rule_order(scheme.veto_rules)],
        matcher_real=real_matcher_figures())


def _check_params(scheme: Scheme) -> list[CheckParams]:
    checks = []
    for name in type(scheme.checks).model_fields:
        cfg = getattr(scheme.checks, name)
        params = {k: v for k, v in cfg.model_dump().items() if k != "enabled" and not isinstance(v, dict)}
        checks.append(CheckParams(name, L.label(L.DIMENSIONS, name), cfg.enabled,
                                  "；".join(f"{k}={v}" for k, v in params.items())))
    return checks


def _site_health_points(scheme: Scheme) -> list[RulePoints]:
    """Points per site-health rule (weighted schemes), then each indicator's deductions (deduction schemes)."""
    points = getattr(scheme.scoring, "site_health_points", None) or {}
    out = [RulePoints(r, L.label(L.RULES, r), p) for r, p in points.items()]
    indicators = getattr(scheme.scoring, "indicators", None) or {}
    for ind in indicators.values():
        for r, p in ind.deductions.items():
            out.append(RulePoints(r, f"{ind.label}：{L.label(L.RULES, r)}", p))
    return out


# ---------------------------------------------------------------------------- unit-catalog diffs

DIFF_RULES = {
    "deleted": "删减了标准目录事项",
    "declared_none": "标注为“无”",
    "missing_elements": "要素缺失",
    "no_stage": "未标注五公开环节",
    "local_addition": "自行增加的事项",
    "looser_deadline": "公开时限宽于标准目录",
}


def catalog_diffs(findings: list[FindingRow]) -> CatalogDiffs | None:
    """Unit catalog vs national catalog: the conformity check's findings (auditor.catalog.diff) as a table.

    None when the run has none (the check is off, or no unit catalog is configured)."""
    rows = []
    for f in findings:
        if f.rule != "catalog_conformity":
            continue
        ev = f.evidence if isinstance(f.evidence, dict) else {}
        code = ev.get("diff_rule")
        rows.append({"单位编码": f.unit_id, "单位": f.unit_name,
                     "差异类型": L.label(DIFF_RULES, code) if code else f.status_label,
                     "性质": f.status_label, "领域": f.domain, "目录事项编码": f.entry_id,
                     "二级事项": f.entry_level2, "说明": ev.get("message") or ev.get("error") or f.title,
                     "单位目录文件": ev.get("file"), "行号": ev.get("unit_row"), "扣分": f.points,
                     "整改建议": f.fix})
    if not rows:
        return None
    return CatalogDiffs(rows, list(rows[0]))

"""The report context's shapes: frozen, slotted dataclasses instead of dicts of strings.

A misspelt field is an AttributeError where it is read (a dict gave a KeyError only on the path that read
it, or a silent None through `.get`), and slots keep the 1,000-unit context small. Field order is the
JSON key order: `export.write_json` writes each object's fields in declaration order (`plain`), so the
JSON export reads as it did when these were dicts; that includes the finding rows (`FindingRow`), the
tallies and the top lists built from them (report.findings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_AS_DICT: dict[type, Callable[[Any], dict[str, Any]]] = {}


def _as_dict(cls: type) -> Callable[[Any], dict[str, Any]]:
    """`lambda o: {"a": o.a, "b": o.b, …}` for a dataclass: a dict display, the fastest one-level copy (the
    JSON export calls it for every row; a getattr loop made the 300-unit export twice as slow)."""
    names = [f.name for f in dataclasses.fields(cls)]  # identifiers, declared in this module: safe to compile
    fn = eval("lambda o: {" + ", ".join(f"{n!r}: o.{n}" for n in names) + "}")
    _AS_DICT[cls] = fn
    return fn


def fields_of(obj: Any) -> dict[str, Any]:
    """A dataclass as a dict of its fields, one level deep (a JSON encoder recurses); TypeError otherwise,
    as json.dumps raises for what it cannot encode."""
    fn = _AS_DICT.get(type(obj))
    if fn is None:
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
        fn = _as_dict(type(obj))
    return fn(obj)


def plain(obj: Any) -> Any:
    """The JSON export's encoder hook: a dataclass as its fields, anything else unknown as str."""
    fn = _AS_DICT.get(type(obj))
    if fn is not None:
        return fn(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _as_dict(type(obj))(obj)
    return str(obj)


@dataclass(frozen=True, slots=True)
class CrawlRunInfo:
    id: int
    status: str
    started_at: str | None
    finished_at: str | None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The audit run a report is about, dates as ISO strings."""

    id: int
    status: str
    as_of: str | None
    scheme: str
    started_at: str | None
    finished_at: str | None
    catalog_version: str | None
    rules_version: str | None
    code_version: str | None
    crawl_runs: list[CrawlRunInfo]


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class DimStatus:
    """Whether a dimension could be assessed fairly (auditor/scoring/assessment.py), and why not."""

    status: str | None
    label: str
    reason: str
    checked: Any
    unverified: Any
    share: Any


@dataclass(frozen=True, slots=True)
class PreviousScore:
    """A unit's score in the previous run and the change since; delta is None for a unit new since then."""

    score: float | None
    rank: int | None
    delta: float | None
    resolved: int


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit's ranking row: score, grade, rank within its level, dimension scores and tallies."""

    id: str
    name: str
    kind: str | None
    level: str
    district: str | None
    level_label: str
    page: str
    score: float | None
    scored: bool
    cls: str
    grade: str
    rank: int | None
    rank_of: int | None
    dims: dict[str, float | None]
    dim_cls: dict[str, str]
    counts: UnitCounts
    previous: PreviousScore | None
    assessment: str
    assessment_label: str
    assessment_reasons: list[str]
    rank_group: str
    rank_tier: Any
    dim_status: dict[str, DimStatus]
    yardstick: dict[str, Any]  # as the scoring stage stored it (national catalog or the unit's own)


@dataclass(frozen=True, slots=True)
class TrendUnit:
    """One unit's overall score over the recent runs of the scheme (None where it was not scored)."""

    id: str
    name: str
    page: str
    level: str
    values: list[float | None]


@dataclass(frozen=True, slots=True)
class Bin:
    label: str
    low: int
    count: int


@dataclass(frozen=True, slots=True)
class GradeCount:
    grade: str
    count: int


@dataclass(frozen=True, slots=True)
class Distribution:
    n: int
    scored: int
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    bins: list[Bin]
    grades: list[GradeCount]


@dataclass(frozen=True, slots=True)
class RankGroup:
    label: str
    units: list[UnitRow]


@dataclass(frozen=True, slots=True)
class Level:
    """One administrative level's ranking: its units in rank order, grouped by assessment."""

    level: str
    label: str
    units: list[UnitRow]
    groups: list[RankGroup]
    unassessed: list[UnitRow]
    distribution: Distribution


@dataclass(frozen=True, slots=True)
class HeatCell:
    unit_id: str
    score: float | None
    cls: str
    tip: str
    defects: int


@dataclass(frozen=True, slots=True)
class MatrixRow:
    domain: str
    cells: list[HeatCell]
    mean: float | None


@dataclass(frozen=True, slots=True)
class MatrixUnit:
    id: str
    name: str
    page: str
    short: str


@dataclass(frozen=True, slots=True)
class LevelSpan:
    level: str
    label: str
    span: int


@dataclass(frozen=True, slots=True)
class Matrix:
    """Domain × unit heat map."""

    domains: list[str]
    units: list[MatrixUnit]
    groups: list[LevelSpan]
    rows: list[MatrixRow]


@dataclass(frozen=True, slots=True)
class PreviousRunRef:
    id: int
    as_of: str | None
    finished_at: str | None
    rules_version: str | None


@dataclass(frozen=True, slots=True)
class ResolvedDefect:
    key: str
    title: str
    rule_label: str


@dataclass(frozen=True, slots=True)
class PreviousSummary:
    """District-wide counts of what changed since the previous run."""

    run: PreviousRunRef
    new: int
    persisting: int
    resolved: int
    resolved_all: int
    resolved_keys: list[str]


@dataclass(frozen=True, slots=True)
class CoverageSummary:
    columns: int
    ok: int
    failed: int
    not_crawled: int
    complete: int
    partial: int
    coverage_failed: int
    sites_down: int


@dataclass(frozen=True, slots=True)
class DimensionScore:
    code: str
    label: str
    score: float | None
    cls: str
    weight: float | None
    status: DimStatus


@dataclass(frozen=True, slots=True)
class DomainScore:
    domain: str
    score: float | None
    cls: str
    dims: dict[str, float | None]
    dim_cls: dict[str, str]
    defects: int


@dataclass(frozen=True, slots=True)
class NoteGroup:
    """Hints (no points) of one rule: the entries they concern and the fixes, once each."""

    rule: str
    rule_label: str
    count: int
    items: list[str]
    fixes: list[str]
    fix: str


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding as the reports show it (report.findings.finding_row): labels resolved, the catalog entry's
    names and the dates, fix column and reason read from the evidence. Field order is the JSON key order."""

    id: int
    key: str
    unit_id: str | None
    unit_name: str
    site_id: str | None
    check: str
    check_label: str
    rule: str
    rule_label: str
    status: str
    status_label: str
    severity: str | None
    title: str
    entry_id: str | None
    entry_level1: str | None
    entry_level2: str | None
    time_limit: str | None
    basis: str | None
    entry_content: str | None
    entry_channels: str | None
    domain: str | None
    url: str | None
    publish_date: str | None
    written_date: str | None
    due_date: str | None
    latest_date: str | None
    http_status: int | None
    days_late: int | None
    days_late_label: str | None
    fix_where: str | None
    channels_missing: list[str]
    channels_missing_label: str
    fix: str | None
    points: float
    lifecycle: str | None
    lifecycle_label: str
    reason: str | None
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DefectGroup:
    """A unit's defects of one check (dimension), costliest first (report.findings.group_defects)."""

    check: str
    label: str
    findings: list[FindingRow]
    count: int
    points: float


@dataclass(frozen=True, slots=True)
class UnitCounts:
    """A unit's tallies the ranking tables show next to the score (report.findings.unit_counts)."""

    defects: int
    missing: int
    late: int
    undated: int
    channel_gap: int
    site_health: int
    unverified: int
    no_anchor: int
    info: int
    new: int
    points_lost: float


@dataclass(frozen=True, slots=True)
class Totals(UnitCounts):
    """The district's tallies over the scored units' findings, with the number of units and of findings
    no scored unit owns (report.findings.totals)."""

    units: int
    unassigned: int


@dataclass(frozen=True, slots=True)
class RuleTally:
    """One rule across the district (report.findings.top_by_rule): findings by status, units, points lost."""

    rule: str
    rule_label: str
    check: str
    check_label: str
    count: int
    defects: int
    unverified: int
    info: int
    units: int
    points: float


@dataclass(frozen=True, slots=True)
class EntryTally:
    """A catalog entry units fail on (report.findings.top_by_entry): units, defects, and the rules behind them."""

    entry_id: str
    domain: str | None
    level1: str | None
    level2: str | None
    count: int
    units: int
    rules: str


@dataclass(frozen=True, slots=True)
class ColumnRun:
    crawl_run_id: int
    status: str
    coverage: str | None


@dataclass(frozen=True, slots=True)
class ColumnRow:
    """One registered column with its newest health row among the audit's crawl runs (None: not crawled)."""

    channel_id: int
    unit_id: str
    unit_name: str
    name: str
    code: str
    column_path: str
    column_kind: str | None
    kind_label: str
    domain: str | None
    url: str
    crawl_run_id: int | None
    status: str | None
    status_label: str
    http_status: int | None
    error: str
    entries: int | None
    pages: int | None
    undated_entries: int | None
    latest_date: str | None
    adapter: str | None
    coverage: str | None
    coverage_label: str
    coverage_reason: str
    share_seen: float | None
    declared_total: int | None
    declared_pages: int | None
    pages_failed: int | None
    pages_skipped: int | None
    details_fetched: int | None
    details_failed: int | None
    details_skipped: int | None
    history: list[ColumnRun]


@dataclass(frozen=True, slots=True)
class SiteRow:
    """A site with its newest crawl's probes: reachability is charged to the owner unit."""

    id: str
    name: str
    home_url: str
    owner_unit_id: str | None
    probes: int
    ok: int
    home_latest_date: str | None
    errors: list[str]


@dataclass(frozen=True, slots=True)
class MatchRow:
    """One candidate match of an item to a catalog entry (columns only: no evidence, no item body)."""

    id: int
    unit_id: str
    unit_name: str
    item_id: int
    title: str
    url: str
    entry_id: str
    entry_level1: str | None
    entry_level2: str | None
    domain: str | None
    score: float
    decision: str
    decision_label: str
    publish_date: str | None
    written_date: str | None


@dataclass(frozen=True, slots=True)
class Scorecard:
    """One unit's page: why it scored what it did and what to fix, costliest first."""

    unit: UnitRow
    anchor: str
    missing: list[FindingRow]
    late: list[FindingRow]
    channel_gaps: list[FindingRow]
    site_problems: list[FindingRow]
    other_defects: list[FindingRow]
    coverage: CoverageSummary
    dimensions: list[DimensionScore]
    domains: list[DomainScore]
    defect_groups: list[DefectGroup]
    unverified: list[FindingRow]
    notes: list[FindingRow]
    note_groups: list[NoteGroup]
    columns: list[ColumnRow]
    sites: list[SiteRow]
    matches: list[MatchRow]
    matches_hidden: int
    resolved: list[ResolvedDefect]
    changes: Changes | None
    upcoming: list[UpcomingRow]
    upcoming_source: str
    upcoming_horizon: int | None


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything a report about one audit run shows; the HTML, XLSX, CSV, JSON and PDF are written from it."""

    run: RunInfo
    trend: Trend
    methodology: Methodology
    upcoming: Upcoming
    catalog_diffs: CatalogDiffs | None
    district: str
    dimensions: list[Dimension]
    levels: list[Level]
    units: list[UnitRow]
    totals: Totals
    distribution: Distribution
    matrix: Matrix
    top_rules: list[RuleTally]
    top_entries: list[EntryTally]
    previous: PreviousSummary | None
    scorecards: dict[str, Scorecard]
    findings: list[FindingRow]
    unassigned_findings: list[FindingRow]
    matches: list[MatchRow]
    columns: list[ColumnRow]
    sites: list[SiteRow]



# ---------------------------------------------------------------------------- history sections (report.trends)


@dataclass(frozen=True, slots=True)
class TrendRun:
    id: int
    as_of: str | None


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """A level's mean overall score per run (None where no unit of the level was scored)."""

    level: str
    label: str
    values: list[float | None]


@dataclass(frozen=True, slots=True)
class Trend:
    runs: list[TrendRun]
    series: list[TrendSeries]
    units: list[TrendUnit]


@dataclass(frozen=True, slots=True)
class DimChange:
    code: str
    label: str
    now: float | None
    before: float | None
    delta: float | None


@dataclass(frozen=True, slots=True)
class ResolvedChange:
    """A defect of the previous run that is gone now, with the points it had cost and why it went."""

    key: str
    title: str
    rule_label: str
    check_label: str
    points: float
    why: str


@dataclass(frozen=True, slots=True)
class DeltaReason:
    """One reason the scoring stage recorded for a score change (score_deltas)."""

    code: str
    text: str
    points: float | None
    count: int | None


@dataclass(frozen=True, slots=True)
class Changes:
    """One unit's change since the previous run: scores, dimensions, new and resolved defects, reasons.
    source is "scoring" when the scoring stage recorded the reasons, else "store"."""

    previous_run: PreviousRunRef
    score_before: float | None
    score_now: float | None
    delta: float | None
    dims: list[DimChange]
    new: list[FindingRow]
    new_points: float
    resolved: list[ResolvedChange]
    resolved_points: float
    reasons: list[DeltaReason] | None
    source: str


@dataclass(frozen=True, slots=True)
class UpcomingRow:
    """An obligation falling due after the audit date; days_unit says whether days_left counts working days."""

    entry_id: str | None
    domain: str | None
    level1: str | None
    level2: str | None
    title: str | None
    kind: str
    time_limit: str | None
    due_date: str | None
    days_left: int | None
    days_unit: str
    last_published: str | None
    why: str | None


@dataclass(frozen=True, slots=True)
class Upcoming:
    """Upcoming obligations per unit; source "scoring" (recorded by the scoring stage) or "store" (computed
    here within horizon_days)."""

    source: str
    horizon_days: int | None
    units: dict[str, list[UpcomingRow]]


@dataclass(frozen=True, slots=True)
class DecisionCount:
    decision: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class MatcherStats:
    """This run's match decisions, and the accuracy measured on the gold set when asked for (evaluation:
    display label → value, as `auditor match eval` prints it)."""

    decisions: list[DecisionCount]
    total: int
    auto_share: float | None
    evaluation: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class MatcherSplit:
    label: str
    rows: Any
    positives: Any
    negatives: Any
    precision: Any
    recall: Any
    f1: Any
    right_domain: Any
    negatives_accepted: Any


@dataclass(frozen=True, slots=True)
class MatcherFigures:
    """The matcher's committed figures on real titles (rules/matcher_figures.yaml), as that file has them."""

    set: Any
    thresholds: Any
    splits: list[MatcherSplit]


@dataclass(frozen=True, slots=True)
class Weight:
    code: str
    label: str
    weight: float


@dataclass(frozen=True, slots=True)
class GradeBand:
    min: float
    label: str


@dataclass(frozen=True, slots=True)
class MatchingThresholds:
    accept: float
    review: float


@dataclass(frozen=True, slots=True)
class CheckParams:
    name: str
    label: str
    enabled: bool
    params: str


@dataclass(frozen=True, slots=True)
class RulePoints:
    rule: str
    label: str
    points: float


@dataclass(frozen=True, slots=True)
class Methodology:
    """How to read every number: scheme, weights, grades, thresholds, versions and crawl dates. Without a
    readable scheme file (renamed since the run) only the run's own versions are known."""

    scheme: str
    rules_version: str | None
    catalog_version: str | None
    code_version: str | None
    crawl_runs: list[CrawlRunInfo]
    matcher: MatcherStats
    scheme_loaded: bool
    scheme_changed: bool = False
    title: str | None = None
    method: str | None = None
    weights: list[Weight] = dataclasses.field(default_factory=list)
    grades: list[GradeBand] = dataclasses.field(default_factory=list)
    matching: MatchingThresholds | None = None
    checks: list[CheckParams] = dataclasses.field(default_factory=list)
    site_health_points: list[RulePoints] = dataclasses.field(default_factory=list)
    veto: list[str] = dataclasses.field(default_factory=list)
    matcher_real: MatcherFigures | None = None


@dataclass(frozen=True, slots=True)
class CatalogDiffs:
    """Unit catalog vs national catalog as a table: rows keyed by the (Chinese) column names."""

    rows: list[dict[str, Any]]
    columns: list[str]

"""Measured accuracy of the matcher on a labelled gold set, against a naive baseline.

Definitions (per domain and overall). Every gold row has a label: a catalog entry id, or none (a negative:
news, a neighbouring domain's item, another level's repost, a generic notice). A row's *prediction* is the
entry the matcher **accepts** (decision ``accept``); a row sent to review or rejected predicts nothing,
because review-band matches do not count as published until a person confirms them.

* true positive (TP): the accepted entry equals the label;
* false positive (FP): an entry is accepted for a negative, or an entry other than the label is accepted;
* false negative (FN): a labelled row whose label is not accepted (nothing accepted, or a wrong entry —
  so a wrong entry counts as both an FP and an FN).

Two shares read the matcher as a reviewer meets it: **right domain** — of the positives, how many have their
labelled domain as the matcher's best candidate (whatever the decision: the reviewer is shown that domain),
and how many are also accepted or sent to review there; **negatives accepted** — of the negatives, how many
the matcher accepted (each one an obligation wrongly counted as published).

precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R) (0 when undefined).
Per domain, TP and FN count under the label's domain and FP under the accepted entry's domain.

The baseline is what a first attempt would do: rapidfuzz ``WRatio`` of the normalised title against the
二级事项 names of the unit's entries, the best candidate accepted when it scores ``BASELINE_CUTOFF`` or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from auditor.catalog.models import Catalog
from auditor.match.matcher import Matcher, Thresholds
from auditor.match.normalise import normalise
from auditor.match.titles import TitleRow, entries_for, match_rows, read_rows
from auditor.vocabulary import Decision

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "fixtures" / "gold" / "gold.csv"  # generated set (the sample district's vocabulary)
REAL = ROOT / "tests" / "fixtures" / "real_titles" / "real_titles.csv"  # real titles of real sites (issue 13)
FIGURES = ROOT / "rules" / "matcher_figures.yaml"  # real-set figures the report's methodology shows
BASELINE_CUTOFF = 85.0
OVERALL = "overall"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class DomainShare:
    """Positives per labelled domain: how many, how many with the right domain as best candidate, and how
    many of those not rejected."""

    positives: int = 0
    right: int = 0
    right_kept: int = 0

    @property
    def share(self) -> float:
        return self.right / self.positives if self.positives else 0.0


@dataclass
class Report:
    matcher: dict[str, Counts] = field(default_factory=dict)
    baseline: dict[str, Counts] = field(default_factory=dict)
    rows: int = 0
    errors: list[tuple[TitleRow, str | None]] = field(default_factory=list)  # (row, wrongly accepted entry)
    domain: dict[str, DomainShare] = field(default_factory=dict)  # labelled domain (and OVERALL) → shares
    negatives: int = 0
    negatives_accepted: int = 0
    inapplicable: list[TitleRow] = field(default_factory=list)  # labelled with a row the unit's level lacks

    @property
    def negatives_accepted_share(self) -> float:
        return self.negatives_accepted / self.negatives if self.negatives else 0.0


def score(labels: Sequence[str | None], predictions: Sequence[str | None], domain_of: dict[str, str]) -> dict[str, Counts]:
    """Counts per domain and overall, by the module's definitions."""
    out: dict[str, Counts] = defaultdict(Counts)
    for label, pred in zip(labels, predictions):
        if pred is not None and pred == label:
            out[domain_of[label]].tp += 1
            out[OVERALL].tp += 1
            continue
        if pred is not None:
            out[domain_of[pred]].fp += 1
            out[OVERALL].fp += 1
        if label is not None:
            out[domain_of[label]].fn += 1
            out[OVERALL].fn += 1
    out.setdefault(OVERALL, Counts())
    return dict(out)


def baseline_predictions(rows: Sequence[TitleRow], catalog: Catalog, cutoff: float = BASELINE_CUTOFF) -> list[str | None]:
    """Title-only WRatio against 二级 names, best candidate above a fixed cutoff."""
    preds: list[str | None] = [None] * len(rows)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(r.level, tuple(sorted(r.domains)))].append(i)
    for (level, domains), members in groups.items():
        entries = entries_for(catalog, level, domains)
        if not entries:
            continue
        names = [normalise(e.level2) for e in entries]
        m = process.cdist([normalise(rows[i].title) for i in members], names, scorer=fuzz.WRatio,
                          dtype=np.float32, workers=-1)
        best = m.argmax(axis=1)
        for k, i in enumerate(members):
            if m[k, best[k]] >= cutoff:
                preds[i] = entries[best[k]].id
    return preds


def evaluate(rows: Sequence[TitleRow], catalog: Catalog, matcher: Matcher | None = None) -> Report:
    matcher = matcher or Matcher(catalog_entries=catalog.entries)
    results = match_rows(rows, catalog, matcher)
    preds = [r.entry_id if r.decision == Decision.ACCEPT else None for r in results]
    labels = [r.expected for r in rows]
    domain_of = {e.id: e.domain for e in catalog.entries}
    unknown = sorted({lbl for lbl in labels if lbl and lbl not in domain_of})
    if unknown:
        from auditor.match.titles import MatchInputError

        raise MatchInputError(f"expected entry id(s) not in the catalog: {', '.join(unknown[:5])}",
                              hint="fix the gold file's expected column")
    report = Report(matcher=score(labels, preds, domain_of),
                    baseline=score(labels, baseline_predictions(rows, catalog), domain_of), rows=len(rows))
    report.errors = [(row, p) for row, p, lbl in zip(rows, preds, labels) if p != lbl]
    shares: dict[str, DomainShare] = defaultdict(DomainShare)
    for label, res in zip(labels, results):
        if label is None:
            report.negatives += 1
            report.negatives_accepted += res.decision == Decision.ACCEPT
            continue
        right = res.entry_id is not None and domain_of.get(res.entry_id) == domain_of[label]
        for key in (domain_of[label], OVERALL):
            shares[key].positives += 1
            shares[key].right += right
            shares[key].right_kept += right and res.decision != Decision.REJECT
    shares.setdefault(OVERALL, DomainShare())
    report.domain = dict(shares)
    applicable: dict[tuple, set[str]] = {}
    for row in rows:
        if row.expected:
            key = (row.level, tuple(sorted(row.domains)))
            if key not in applicable:
                applicable[key] = {e.id for e in entries_for(catalog, row.level, row.domains)}
            if row.expected not in applicable[key]:
                report.inapplicable.append(row)
    return report


def select_split(rows: Sequence[TitleRow], split: str | None) -> list[TitleRow]:
    """Rows of one split (`dev`, `held`) of a set that has a `split` column; all rows for None or `all`."""
    if not split or split == "all":
        return list(rows)
    return [r for r in rows if r.raw.get("split", "") == split]


def figures(report: Report) -> dict:
    """The figures the methodology shows, as plain data (see `write_figures`)."""
    m, d = report.matcher[OVERALL], report.domain[OVERALL]
    per = {}
    for name, share in sorted(report.domain.items()):
        if name == OVERALL:
            continue
        c = report.matcher.get(name, Counts())
        per[name] = {"positives": share.positives, "right_domain": round(share.share, 3),
                     "precision": round(c.precision, 3), "recall": round(c.recall, 3), "f1": round(c.f1, 3)}
    return {"rows": report.rows, "positives": d.positives, "negatives": report.negatives,
            "precision": round(m.precision, 3), "recall": round(m.recall, 3), "f1": round(m.f1, 3),
            "right_domain": round(d.share, 3), "negatives_accepted": round(report.negatives_accepted_share, 3),
            "per_domain": per}


def load_gold(path: Path, catalog: Catalog) -> list[TitleRow]:
    return read_rows(path, catalog, require=("title", "column", "unit_level", "domains", "expected"))


def format_report(report: Report, name: str = "") -> list[str]:
    lines = [f"== {name}"] if name else []
    lines.append(f"{'domain':<14}{'n':>5}{'P':>8}{'R':>8}{'F1':>8}{'dom':>8}   {'base P':>7}{'base R':>7}{'base F1':>8}")
    domains = sorted(d for d in report.matcher.keys() | report.baseline.keys() | report.domain.keys() if d != OVERALL)
    for d in domains:
        m, b = report.matcher.get(d, Counts()), report.baseline.get(d, Counts())
        share = report.domain.get(d, DomainShare())
        n = m.tp + m.fn
        dom = f"{share.share:>8.3f}" if share.positives else f"{'-':>8}"
        lines.append(f"{d:<14}{n:>5}{m.precision:>8.3f}{m.recall:>8.3f}{m.f1:>8.3f}{dom}   "
                     f"{b.precision:>7.3f}{b.recall:>7.3f}{b.f1:>8.3f}")
    if report.inapplicable:
        r = report.inapplicable[0]
        lines.append(f"warning: {len(report.inapplicable)} positive(s) labelled with an entry their unit level cannot "
                     f"hold (catalog `levels`), e.g. line {r.line}: {r.expected} at {r.level} — fix the labels")
    d = report.domain.get(OVERALL, DomainShare())
    lines.append(f"right domain for positives: {d.right}/{d.positives} = {d.share:.3f} "
                 f"(not rejected there: {d.right_kept}); negatives accepted: {report.negatives_accepted}/"
                 f"{report.negatives} = {report.negatives_accepted_share:.3f}")
    m, b = report.matcher[OVERALL], report.baseline[OVERALL]
    lines.append(f"rows={report.rows} positives={m.tp + m.fn} negatives={report.rows - m.tp - m.fn} "
                 f"tp={m.tp} fp={m.fp} fn={m.fn} · baseline tp={b.tp} fp={b.fp} fn={b.fn} "
                 f"(WRatio ≥ {BASELINE_CUTOFF:g} on 二级 names)")
    lines.append(f"overall precision={m.precision:.3f} recall={m.recall:.3f} f1={m.f1:.3f} baseline_f1={b.f1:.3f}")
    return lines


def write_figures(path: Path, report: Report, source: Path, split: str | None, scheme: str, thresholds) -> None:
    """Record one split's figures in the figures file (other splits' keys are kept)."""
    import yaml

    data = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        where = str(source.resolve().relative_to(ROOT))
    except ValueError:
        where = str(source)
    data.setdefault("set", where)
    data["scheme"] = scheme
    data["thresholds"] = {"accept": thresholds.accept, "review": thresholds.review}
    data[split or "all"] = figures(report)
    header = ("# Matcher figures on the real labelled titles, written by `auditor match eval --gold FILE --split S "
              "--figures FILE`.\n# The report's methodology shows them (auditor/report/trends.py); never edit by "
              "hand: re-run the eval.\n")
    path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def load_figures(path: Path = FIGURES) -> dict | None:
    """The committed real-set figures, or None when there are none (or the file is unreadable)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class ThresholdPoint:
    accept: float
    counts: Counts
    negatives_accepted: float  # share
    review_recall: float  # share of positives whose right entry is accepted or in review at accept − gap


def calibrate(rows: Sequence[TitleRow], catalog: Catalog, steps: Sequence[float] = tuple(range(60, 101, 2)),
              review_gap: float = 15.0) -> list[ThresholdPoint]:
    """Precision, recall, negatives accepted for each accept threshold (matched once, thresholds applied after):
    what the thresholds in rules/ are chosen from, on the development split only. Rows labelled with an entry
    their unit level cannot hold are left out: no threshold can make them right."""
    keep: dict[tuple, set[str]] = {}
    usable = []
    for r in rows:
        key = (r.level, tuple(sorted(r.domains)))
        if key not in keep:
            keep[key] = {e.id for e in entries_for(catalog, r.level, r.domains)}
        if r.expected is None or r.expected in keep[key]:
            usable.append(r)
    rows = usable
    results = match_rows(rows, catalog, Matcher(Thresholds(0.0, 0.0), catalog_entries=catalog.entries))  # decision = accept unless a tie
    domain_of = {e.id: e.domain for e in catalog.entries}
    labels = [r.expected for r in rows]
    negatives = sum(1 for lbl in labels if lbl is None) or 1
    positives = sum(1 for lbl in labels if lbl is not None) or 1
    out = []
    for t in steps:
        preds = [r.entry_id if r.decision == Decision.ACCEPT and r.score >= t else None for r in results]
        counts = score(labels, preds, domain_of)[OVERALL]
        neg = sum(1 for lbl, p in zip(labels, preds) if lbl is None and p is not None) / negatives
        kept = sum(1 for lbl, r in zip(labels, results) if lbl is not None and r.entry_id == lbl
                   and r.score >= t - review_gap) / positives
        out.append(ThresholdPoint(float(t), counts, neg, kept))
    return out

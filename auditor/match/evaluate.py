"""Measured accuracy of the matcher on a labelled gold set, against a naive baseline.

Definitions (per domain and overall). Every gold row has a label: a catalog entry id, or none (a negative:
news, a neighbouring domain's item, another level's repost, a generic notice). A row's *prediction* is the
entry the matcher **accepts** (decision ``accept``); a row sent to review or rejected predicts nothing,
because review-band matches do not count as published until a person confirms them.

* true positive (TP): the accepted entry equals the label;
* false positive (FP): an entry is accepted for a negative, or an entry other than the label is accepted;
* false negative (FN): a labelled row whose label is not accepted (nothing accepted, or a wrong entry —
  so a wrong entry counts as both an FP and an FN).

precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R) (0 when undefined).
Per domain, TP and FN count under the label's domain and FP under the accepted entry's domain.

The baseline is what a first attempt would do: rapidfuzz ``WRatio`` of the normalised title against the
二级事项 names of the unit's entries, the best candidate accepted when it scores ``BASELINE_CUTOFF`` or more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from auditor.catalog.models import Catalog
from auditor.match.matcher import Matcher
from auditor.match.normalise import normalise
from auditor.match.titles import TitleRow, entries_for, match_rows, read_rows

GOLD = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "gold" / "gold.csv"
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
class Report:
    matcher: dict[str, Counts] = field(default_factory=dict)
    baseline: dict[str, Counts] = field(default_factory=dict)
    rows: int = 0
    errors: list[tuple[TitleRow, str | None]] = field(default_factory=list)  # (row, wrongly accepted entry)


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
    matcher = matcher or Matcher()
    results = match_rows(rows, catalog, matcher)
    preds = [r.entry_id if r.decision == "accept" else None for r in results]
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
    return report


def load_gold(path: Path, catalog: Catalog) -> list[TitleRow]:
    return read_rows(path, catalog, require=("title", "column", "unit_level", "domains", "expected"))


def format_report(report: Report) -> list[str]:
    lines = [f"{'domain':<14}{'n':>5}{'P':>8}{'R':>8}{'F1':>8}   {'base P':>7}{'base R':>7}{'base F1':>8}"]
    domains = sorted(d for d in report.matcher.keys() | report.baseline.keys() if d != OVERALL)
    for d in domains:
        m, b = report.matcher.get(d, Counts()), report.baseline.get(d, Counts())
        n = m.tp + m.fn
        lines.append(f"{d:<14}{n:>5}{m.precision:>8.3f}{m.recall:>8.3f}{m.f1:>8.3f}   "
                     f"{b.precision:>7.3f}{b.recall:>7.3f}{b.f1:>8.3f}")
    m, b = report.matcher[OVERALL], report.baseline[OVERALL]
    lines.append(f"rows={report.rows} positives={m.tp + m.fn} negatives={report.rows - m.tp - m.fn} "
                 f"tp={m.tp} fp={m.fp} fn={m.fn} · baseline tp={b.tp} fp={b.fp} fn={b.fn} "
                 f"(WRatio ≥ {BASELINE_CUTOFF:g} on 二级 names)")
    lines.append(f"overall precision={m.precision:.3f} recall={m.recall:.3f} f1={m.f1:.3f} baseline_f1={b.f1:.3f}")
    return lines

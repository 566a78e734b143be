"""Link harvested items to the catalog entries that apply to their unit, with a score and its breakdown.

Scoring is batch work: rapidfuzz's `process.cdist` compares every title with every entry label of the
unit at once; column and document-type cues then move the score up or down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from auditor.catalog.models import CatalogEntry
from auditor.match.normalise import normalise
from auditor.match.segment import tokenizer, tokens

NEWS_CUES = ("召开", "会议", "调研", "培训", "观摩", "学习", "督导", "动员", "宣传活动", "慰问", "走访", "座谈")


@dataclass(frozen=True)
class Thresholds:
    accept: float = 85.0
    review: float = 70.0


@dataclass(frozen=True)
class ItemView:
    """What the matcher needs to know of an item as listed in one of the unit's channels."""

    item_id: int
    title: str
    column_domain: str | None = None
    column_kind: str = "catalog"
    column_path: str = ""


@dataclass
class MatchResult:
    item_id: int
    entry_id: str | None
    score: float
    decision: str  # accept | review | reject
    breakdown: dict[str, float] = field(default_factory=dict)
    runner_up: str | None = None


def _labels(entries: Sequence[CatalogEntry], extra_aliases: dict[str, list[str]] | None = None
            ) -> tuple[list[str], list[int]]:
    """Every label that names an entry, minus labels that several entries of the same domain share.

    A label shared across domains (安全生产 and 救灾 both have 政策文件/标准) is kept: the column's
    domain tells them apart, and an exact tie is sent to review rather than guessed.
    """
    raw: list[tuple[str, int]] = []
    for i, e in enumerate(entries):
        names = {f"{e.level1}{e.level2}", e.level2, *e.keywords, *((extra_aliases or {}).get(e.id, []))}
        if e.level3:
            names.add(f"{e.level2}{e.level3}")
        for n in names:
            norm = normalise(n)
            if len(norm) >= 2:
                raw.append((norm, i))
    owners: dict[tuple[str, str], set[int]] = {}
    for label, i in raw:
        owners.setdefault((label, entries[i].domain), set()).add(i)
    labels, index = [], []
    for label, i in dict.fromkeys(raw):
        if len(owners[(label, entries[i].domain)]) == 1:
            labels.append(label)
            index.append(i)
    return labels, index


class Matcher:
    """Matches items of one unit against that unit's applicable entries."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()

    def match(self, entries: Sequence[CatalogEntry], items: Iterable[ItemView], *,
              unit_prefixes: tuple[str, ...] = (), aliases: dict[str, list[str]] | None = None) -> list[MatchResult]:
        items = list(items)
        if not items:
            return []
        if not entries:
            return [MatchResult(it.item_id, None, 0.0, "reject", {"reason": 0.0}) for it in items]
        labels, owner = _labels(entries, aliases)
        titles = [normalise(it.title, unit_prefixes) for it in items]
        raw = process.cdist(titles, labels, scorer=fuzz.partial_ratio, dtype=np.float32, workers=-1)
        # a label longer than the title can only be partly in it
        label_len = np.array([len(lbl) for lbl in labels], dtype=np.float32)
        title_len = np.array([max(1, len(t)) for t in titles], dtype=np.float32)
        coverage = np.minimum(1.0, title_len[:, None] / label_len[None, :])
        short_label = np.where(label_len < 4, 0.85, 1.0).astype(np.float32)
        # a longer label found whole in the title is more specific evidence than a shorter one
        specificity = 0.5 * np.minimum(label_len, 16.0)
        scored = raw * coverage * short_label[None, :] + specificity[None, :] * (raw >= 99.5)
        n_entries = len(entries)
        per_entry = np.zeros((len(items), n_entries), dtype=np.float32)
        owner_arr = np.array(owner)
        for j in range(n_entries):
            cols = np.nonzero(owner_arr == j)[0]
            if cols.size:
                per_entry[:, j] = scored[:, cols].max(axis=1)
        tok = tokenizer(w for e in entries for w in (e.level1, e.level2, *e.keywords))
        entry_tokens = [set(tokens(tok, normalise(f"{e.level1}{e.level2}{''.join(e.keywords)}"))) for e in entries]
        entry_domains = np.array([e.domain for e in entries])
        results = []
        for i, it in enumerate(items):
            title_tokens = set(tokens(tok, titles[i]))
            column = np.zeros(n_entries, dtype=np.float32)
            if it.column_domain:
                column[entry_domains != it.column_domain] = -20.0
            token_bonus = np.array([8.0 * len(title_tokens & et) / len(title_tokens | et) if title_tokens and et
                                    else 0.0 for et in entry_tokens], dtype=np.float32)
            primary = per_entry[i] + column
            total = primary + token_bonus
            news_penalty = 0.0
            if it.column_kind == "news":
                news_penalty -= 12.0
            if any(c in it.title for c in NEWS_CUES):
                news_penalty -= 15.0
            best = int(np.argmax(total))
            score = float(min(100.0, max(0.0, total[best] + news_penalty)))
            decision = ("accept" if score >= self.thresholds.accept
                        else "review" if score >= self.thresholds.review else "reject")
            others = np.delete(primary, best)
            if decision == "accept" and others.size and primary[best] - others.max() < 1.0:
                decision = "review"  # two entries fit the title and column equally well: a person decides
            runner = None
            if n_entries > 1:
                masked = total.copy()
                masked[best] = -np.inf
                runner = entries[int(np.argmax(masked))].id
            results.append(MatchResult(
                item_id=it.item_id, entry_id=entries[best].id, score=round(score, 2), decision=decision,
                runner_up=runner,
                breakdown={"title_label": round(float(per_entry[i, best]), 2), "column": float(column[best]),
                           "tokens": round(float(token_bonus[best]), 2), "news_penalty": news_penalty}))
        return results

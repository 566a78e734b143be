"""Which domain a title (or a column path) is about, learned from the catalogs' own text.

Each domain's vocabulary is the jieba segmentation (catalog user dictionary) of its rows' 一级/二级 names,
content, keywords and legal basis, plus the real-world synonyms of ``data/reading.yaml``. A word counts for a
domain in proportion to how distinctive it is: ``log(D / df)`` where df is the number of domains whose text
has the word; words that half the domains share (管理, 服务, 信息) count for nothing. A title's evidence for a
domain is the sum over the distinct vocabulary words it contains (found as substrings, longest first, so
the title need not be segmented the way the catalog was).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from auditor.catalog.models import CatalogEntry
from auditor.match.normalise import canonical, normalise
from auditor.match.reading import vocabulary
from auditor.match.segment import STOP, tokenizer, tokens

FULL_TF = 3  # a word in this many rows of a domain counts fully
SHORT_WEIGHT = 0.6  # a two-character catalog word (租赁, 评估) is often part of another compound in a title
CONTEXT_WEIGHT = 0.4  # a word only the rows' content or legal basis has (…三年行动方案, …规范化试点) is context, not topic
MAX_SHARE = 0.25  # a word in more than this share of the domains is not topical
SYNONYM_WEIGHT = 3.0  # floor of a synonym's weight: written for the domain, so distinctive by construction
GENERIC = frozenset({"政府", "信息", "公开", "工作", "管理", "服务", "情况", "相关", "有关", "标准", "部门", "单位", "办法",
                     "政策", "文件", "结果", "名单", "公示", "公告", "通知", "申请", "审批", "审核", "办理", "发布",
                     "许可", "决定", "规定", "国家", "地方", "各级", "本级", "全国", "人员", "机构", "项目", "行政", "法律",
                     "法规", "规章", "条例", "年度", "计划", "其他", "主要", "内容", "包括", "以及", "按照", "依据",
                     "事项", "程序", "条件", "时间", "地点", "方式", "要求", "对象", "资金", "补助", "补贴",
                     "重点", "重点领域", "重点领域信息公开", "政府信息公开", "基层政务公开", "政务公开", "目录", "专栏"})


@lru_cache(maxsize=1)
def _general_idf() -> dict[str, float]:
    import jieba.analyse

    return jieba.analyse.TFIDF().idf_loader.get_idf()[0]


def general_rarity(word: str) -> float:
    """How rare a word is in general Chinese (jieba's IDF table), 0.2–1: 三年, 行动, 发展 are common words that
    a domain's catalog text happens to use, not topics; a word the table lacks is a rare compound."""
    idf = _general_idf().get(word)
    if idf is None:
        return 1.0
    return min(1.0, max(0.2, (idf - 5.0) / 4.0))


@dataclass(frozen=True)
class TopicEvidence:
    """Per-domain evidence of one text, with the words that gave it."""

    scores: dict[str, float]
    words: dict[str, tuple[str, ...]]

    def top(self) -> tuple[str | None, float, float]:
        """(best domain, its score, margin over the second as a share of the best)."""
        if not self.scores:
            return None, 0.0, 0.0
        ranked = sorted(self.scores.items(), key=lambda kv: -kv[1])
        best, s1 = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else 0.0
        return best, s1, (s1 - s2) / s1 if s1 > 0 else 0.0


class TopicModel:
    def __init__(self, entries: Sequence[CatalogEntry]) -> None:
        by_domain: dict[str, list[str]] = {}
        named: dict[str, str] = {}  # domain → its rows' names and keywords (what the rows are about)
        for e in entries:
            text = " ".join((e.level1, e.level2, e.content or "", e.basis or "", *e.keywords))
            by_domain.setdefault(e.domain, []).append(text)
            named[e.domain] = named.get(e.domain, "") + " " + canonical(normalise("".join((e.level1, e.level2, *e.keywords))))
        names = [w for e in entries for w in (e.level1, e.level2, *e.keywords)]
        tok = tokenizer(canonical(normalise(w)) for w in names)
        syn = vocabulary().synonyms
        v = vocabulary()
        kind_words = [p for p in v.title_kinds.values()] + [p for p, _ in v.negative.values()]
        words_of: dict[str, set[str]] = {}
        tf: dict[tuple[str, str], int] = {}  # (word, domain) → rows of the domain whose text has the word
        for d, texts in by_domain.items():
            ws: set[str] = set()
            for t in texts:
                row: set[str] = set()
                for part in re.split(r"[;；,，、。()（）《》\s]+", t):
                    part = canonical(normalise(part))
                    row.update(w for w in tokens(tok, part) if len(w) >= 2)
                for w in row:
                    tf[(w, d)] = tf.get((w, d), 0) + 1
                ws |= row
            ws.add(canonical(normalise(d)))
            tf[(canonical(normalise(d)), d)] = FULL_TF
            # words that say what kind of document something is (印发, 实施方案, 名单) say nothing of its topic
            words_of[d] = {w for w in ws if w not in STOP and w not in GENERIC and not w.isascii()
                           and not any(p.fullmatch(w) or p.search(w) for p in kind_words)}
        n = len(words_of)
        df: dict[str, int] = {}
        for ws in words_of.values():
            for w in ws:
                df[w] = df.get(w, 0) + 1
        self.domains = sorted(words_of)
        self.weights: dict[str, dict[str, float]] = {}  # word → domain → weight
        limit = max(1, int(MAX_SHARE * n))
        for d, ws in words_of.items():
            for w in ws:
                if df[w] <= limit:
                    damp = math.sqrt(min(tf.get((w, d), 1), FULL_TF) / FULL_TF)  # a word of one row is weak
                    context = (1.0 if w in named[d] else CONTEXT_WEIGHT) * (SHORT_WEIGHT if len(w) <= 2 else 1.0)
                    self.weights.setdefault(w, {})[d] = math.log((n + 1) / df[w]) * damp * general_rarity(w) * context
        for d in words_of:
            for w in (d, *syn.get(d, ())):  # the domain's own name is its first synonym
                w = canonical(normalise(w))
                if len(w) >= 2:
                    cur = self.weights.setdefault(w, {})
                    for other in cur:  # the word is named for this domain: elsewhere it is incidental
                        cur[other] *= 0.5
                    cur[d] = max(cur.get(d, 0.0) * 2, SYNONYM_WEIGHT)
        ordered = sorted(self.weights, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None

    def evidence(self, text: str) -> TopicEvidence:
        """Evidence of a normalised, canonical text (title or column path)."""
        return _evidence(self, text)


@lru_cache(maxsize=200_000)
def _evidence(model: TopicModel, text: str) -> TopicEvidence:
    scores: dict[str, float] = {}
    words: dict[str, list[str]] = {}
    if model._pattern is None or not text:
        return TopicEvidence({}, {})
    seen: set[str] = set()
    pos = 0
    while pos < len(text):
        m = model._pattern.search(text, pos)
        if m is None:
            break
        w = m.group(0)
        if w not in seen:
            seen.add(w)
            for d, wt in model.weights[w].items():
                scores[d] = scores.get(d, 0.0) + wt
                words.setdefault(d, []).append(w)
        pos = m.end()  # longest word first, no overlaps: 脱贫攻坚 is not also 攻坚
    return TopicEvidence(scores, {d: tuple(ws) for d, ws in words.items()})


@lru_cache(maxsize=4)
def default_model() -> TopicModel:
    """The model of the shipped catalog (every domain, so a title can be placed outside a unit's domains)."""
    from auditor.catalog.loader import load_catalog

    return TopicModel(load_catalog().entries)


_BY_CATALOG: dict[tuple[str, ...], TopicModel] = {}


def model_for(entries: Sequence[CatalogEntry]) -> TopicModel:
    """The model of a loaded catalog (cached by its entry ids: a catalog edit makes a new model)."""
    key = tuple(e.id for e in entries)
    model = _BY_CATALOG.get(key)
    if model is None:
        if len(_BY_CATALOG) > 4:
            _BY_CATALOG.clear()
        model = _BY_CATALOG[key] = TopicModel(entries)
    return model

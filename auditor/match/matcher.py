"""Link harvested items to the catalog entries that apply to their unit: ranked candidates, a score and its
breakdown.

Scoring is batch work with no Python loop over item × entry pairs. Per batch of items:

* **title_label** — every distinct title skeleton (years, months, batch numbers dropped; abbreviations
  expanded: 低保 → 最低生活保障) against every label of every entry (二级 name, 一级+二级, keywords, learned
  patterns) with rapidfuzz ``process.cdist`` twice: the LCS of the characters and the LCS of the character
  bigrams, each over the label's length. A label found whole in the title scores 100 plus a bonus that
  grows with its length (the more specific label wins); per entry the best label counts.
* **tokens** — jieba (catalog user dictionary) tokens of the title against each entry's tokens: a Jaccard
  bonus from one matrix product.
* **column** — the column's domain (a column of another domain costs 20), its path naming the entry's
  二级/一级 name, and columns a reviewer confirmed for an entry.
* **doc_type** — document-type cue words of the title (预算, 决算, 名单, 办事指南, 处罚决定 …) against the
  entry's ``doc_types``: agreement adds, a contradicting kind (a 决算 title on a 预算 row) subtracts.
* **year** — the title's year against the publish date: a 2026 budget published in 2023 or a 2025 决算
  published in 2024 is implausible (a 决算 titled with its publication year is common and allowed).
* **unit** — a budget or final account issued by the other level (a district bureau's budget on a
  township column) is not this unit's.
* **news_penalty** — news and activity words (召开, 调研, 培训 …) unless the entry itself is about them
  (重要会议, 职业培训), and news columns.
* **alias** — a title pattern a reviewer confirmed for this unit (boost) or rejected (penalty).

Then the generalising layer (vocabulary in ``data/reading.yaml``, see ``reading`` and ``topic``), which is what
holds on real titles whose wording the catalog never used:

* **topic** — the domain first: the column's domain when known; else the title's topic (and the column
  path's) as learned from the catalogs' own text (``topic.TopicModel``). Entries of the supported domain
  gain up to ``W_TOPIC``.
* **kind** — then the row within the domain: the title's document kind (policy document 关于印发…的通知 /
  办法 / 细则 / 方案, list or 公示, fund, project, tender, result, budget …) against the kinds the row's
  一级/二级 names and doc_types expect; scaled by the domain support, a contradiction costs.
* **negative** — titles that fulfil no row whatever their words: news, meeting reports, leader activities
  and profiles, 机构职能, 年报, 统计数据, 政府工作报告, 审计公告, interviews (rows about such things exempt).
* **level** — a higher level's or reposted item counts only as a policy document on a policy row.
* **trade** — 公共资源交易: what is traded (works, goods/services, land, mineral rights, property) picks the
  一级 group; another group's row costs.

Every result carries ``reasons``: the words behind each of these, for the reviewer.

The best candidate is accepted at ``accept`` or above, sent to review between ``review`` and ``accept``,
rejected below; a tie between two entries on everything but the token bonus goes to review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import LCSseq

from auditor.catalog.models import CatalogEntry
from auditor.match import lexicon, reading
from auditor.match.normalise import canonical, normalise, skeleton, title_pattern, years_in
from auditor.match.segment import tokenizer, tokens
from auditor.match.topic import TopicEvidence, TopicModel, default_model, model_for
from auditor.vocabulary import Decision

COMPONENTS = ("title_label", "tokens", "column", "doc_type", "domain", "year", "unit", "news_penalty", "alias",
              "topic", "kind", "negative", "level", "trade")
DECISIONS = (Decision.REJECT, Decision.REVIEW, Decision.ACCEPT)  # indexed by BatchScores.decision

# weights: policy of the scorer, kept together so the eval can be read against them
W_TOKENS = 8.0
W_COLUMN_OTHER_DOMAIN = -20.0
W_COLUMN_LEVEL2 = 6.0
W_COLUMN_LEVEL1 = 2.0
W_COLUMN_LEARNED = 12.0
W_DOC_AGREE = 1.0
W_DOC_CONFLICT = -14.0
W_YEAR_FUTURE = -40.0
W_YEAR_FINAL_EARLY = -20.0
W_YEAR_BUDGET_LATE = -8.0
W_UNIT_OTHER_LEVEL = -40.0
W_DEPT_GOV_FINANCE = -10.0  # a department's budget/final account on a 政府预算/政府决算 row
W_NOT_NATIONAL = -6.0  # a title naming no national issuer on a 国家层面 row (the 地方层面 row is its own)
W_NEWS_WORD = -35.0
W_NEWS_COLUMN = -12.0
W_NEWS_COLUMN_BARE = -25.0  # more, in a news column, for a title that names no document kind (news itself)
W_DOMAIN_FOREIGN = -30.0
W_ALIAS = 35.0
W_ALIAS_REJECTED = -40.0
W_TOPIC = 52.0  # structural score: a title whose domain is known …
W_KIND = 38.0  # … and whose document kind is the row's reaches W_TOPIC + W_KIND
W_POLICY_ONLY_RATIO = 0.8  # extra share of W_KIND_CONFLICT for a policy document on a row without policy kinds
W_SIBLING_RATIO = 0.8  # share of W_KIND_CONFLICT for a row whose sibling 一级 the title names
W_TOPIC_FOREIGN = -25.0  # the title's topic clearly names another domain
W_STRUCT_LABEL = 0.15  # share of the catalog-label similarity that ranks rows of equal kind
W_KIND_CONFLICT = -25.0
W_NEGATIVE = -45.0
W_HIGHER = -40.0
W_TRADE = -35.0
TOPIC_MIN = 1.8  # evidence below this names no domain (one incidental word)
TOPIC_COLUMN = 0.4  # weight of the column path's topic next to the title's
LABEL_TOPIC_MIN = 1.8  # a label several domains share counts as topical with this much evidence of its own domain


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
    published: date | None = None


@dataclass
class MatchJob:
    """One unit's share of `Matcher.match_many`: its entries, its items and what names the unit."""

    entries: Sequence[CatalogEntry]
    items: list[ItemView]
    unit_prefixes: tuple[str, ...] = ()
    unit_level: str | None = None
    learned: Learned | None = None


@dataclass
class MatchResult:
    item_id: int
    entry_id: str | None
    score: float
    decision: str  # accept | review | reject
    breakdown: dict[str, float] = field(default_factory=dict)
    runner_up: str | None = None
    candidates: list[dict] = field(default_factory=list)  # top-k: entry_id, score, breakdown
    reasons: dict[str, str] = field(default_factory=dict)  # component → the words behind it (best entry)


@dataclass
class Learned:
    """What reviewer decisions of one unit teach the matcher (see auditor.match.learn)."""

    patterns: dict[str, str] = field(default_factory=dict)  # title pattern → entry id
    rejected: dict[str, set[str]] = field(default_factory=dict)  # title pattern → entry ids rejected for it
    columns: dict[str, str] = field(default_factory=dict)  # normalised column path → entry id

    def labels(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for pattern, entry_id in self.patterns.items():
            out.setdefault(entry_id, []).append(pattern)
        return out


@dataclass
class BatchScores:
    """Scores of one batch as arrays: what `Matcher.match` turns into results, and what benchmarks time."""

    best: np.ndarray  # (n,) entry index
    score: np.ndarray  # (n,) clipped score of the best entry
    decision: np.ndarray  # (n,) index into DECISIONS
    top: np.ndarray  # (n, k) entry indexes, best first
    top_score: np.ndarray  # (n, k)
    parts: dict  # component → (n, n_entries) array, or a lazily gathered view indexed [i, j]


def _label_text(text: str) -> str:
    return canonical(normalise(text))


def _bigrams(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)]


def _distinct_labels(entries: list[CatalogEntry], extra_labels: dict[str, list[str]]) -> list[tuple[str, int]]:
    """(label, entry index) for every entry's names and learned patterns, in entry order, without shared labels.

    A label several entries of one domain share names none of them (救灾 and 安全生产 both have 标准: the
    column's domain tells those apart, and an exact tie goes to review)."""
    raw: list[tuple[str, int]] = []
    for i, e in enumerate(entries):
        names = {f"{e.level1}{e.level2}", e.level2, *e.keywords, *reading.vocabulary().row_synonyms.get(e.id, ())}
        if e.level3:
            names.add(f"{e.level2}{e.level3}")
        for n_ in names:
            t = _label_text(n_)
            if len(t) >= 2:
                raw.append((t, i))
        for pattern in extra_labels.get(e.id, []):
            if len(pattern) >= 2:
                raw.append((pattern, i))
    owners: dict[tuple[str, str], set[int]] = {}
    for label, i in raw:
        owners.setdefault((label, entries[i].domain), set()).add(i)
    kept = [(label, i) for label, i in dict.fromkeys(raw) if len(owners[(label, entries[i].domain)]) == 1]
    kept.sort(key=lambda t: t[1])
    return kept


class EntryIndex:
    """Everything about a set of entries the batch scorer needs, computed once."""

    def __init__(self, entries: Sequence[CatalogEntry], extra_labels: dict[str, list[str]] | None = None,
                 topic: TopicModel | None = None) -> None:
        """Index the entries once per entry set, so that every batch scored against them is array work only."""
        self.entries = list(entries)
        self.ids = [e.id for e in self.entries]
        extra_labels = extra_labels or {}
        self._init_labels(_distinct_labels(self.entries, extra_labels), extra_labels)
        self._init_cues()
        self._init_tokens()
        self._init_reading(topic)

    def _init_labels(self, kept: list[tuple[str, int]], extra_labels: dict[str, list[str]]) -> None:
        """The label list (grouped by owner entry for reduceat), its bigram form and the per-label weights."""
        n = len(self.entries)
        self.labels = [lbl for lbl, _ in kept]
        owner = np.array([i for _, i in kept], dtype=np.int64)
        # a catalog label several domains' rows carry (规范性文件, 行政处罚, 办事指南) names a document kind, not a
        # topic: it places a title only in a domain the title (or its column) supports (see score_batch)
        learned_labels = {(p, e) for e, ps in extra_labels.items() for p in ps}
        label_domains: dict[str, set[str]] = {}
        for lbl, i in kept:
            label_domains.setdefault(lbl, set()).add(self.entries[i].domain)
        self._label_owner = [(lbl, i) for lbl, i in kept]
        self._kind_label = [len(label_domains[lbl]) > 1 and (lbl, self.entries[i].id) not in learned_labels
                            for lbl, i in kept]
        self.has_label = np.zeros(n, dtype=bool)
        self.has_label[owner] = True
        # entries without any label of their own get a dummy column so reduceat keeps one segment per entry
        self.starts = np.searchsorted(owner, np.arange(n))
        self.label_len = np.array([len(lbl) for lbl in self.labels], dtype=np.float32)
        vocab: dict[str, str] = {}
        for lbl in self.labels:
            for b in _bigrams(lbl):
                vocab.setdefault(b, chr(0xF0000 + len(vocab)))
        self.bigram_vocab = vocab
        self.label_bigrams = ["".join(vocab[b] for b in _bigrams(lbl)) for lbl in self.labels]
        self.bigram_len = np.maximum(1.0, self.label_len - 1.0)
        self.short = np.where(self.label_len < 4, 0.85, 1.0).astype(np.float32)
        self.specificity = (1.5 * np.minimum(self.label_len, 16.0)).astype(np.float32)
        self.w_char = (0.4 / self.label_len).astype(np.float32)
        self.w_bigram = (0.6 / self.bigram_len).astype(np.float32)
        self.short100 = (100.0 * self.short).astype(np.float32)

    def _init_cues(self) -> None:
        """Document-type, news and domain cue matrices, and the names a column path is searched for."""
        n = len(self.entries)
        cues = list(lexicon.DOC_CUES)
        self.doc_cues = cues
        self.entry_doc = np.array([[c in e.doc_types for c in cues] for e in self.entries], dtype=np.float32).reshape(n, len(cues))
        excl = [cues.index(c) for c in lexicon.EXCLUSIVE]
        self.excl_idx = np.array(excl)
        self.entry_excl = self.entry_doc[:, excl]
        self.final_only = np.array(["决算" in e.doc_types and "预算" not in e.doc_types for e in self.entries])
        self.budget = np.array(["预算" in e.doc_types for e in self.entries])
        self.own_data = np.array([any(t in e.doc_types for t in lexicon.OWN_DATA_TYPES) for e in self.entries])
        # news words an entry's own labels contain do not count against it
        entry_text = ["".join((e.level1, e.level2, *e.keywords)) for e in self.entries]
        self.news_exempt = np.array([[w in t for t in entry_text] for w in lexicon.NEWS_CUES], dtype=np.float32)
        # domain words: own (the entry's domain or its own labels) vs foreign
        words_ = [(d, w) for d, ws in lexicon.DOMAIN_WORDS.items() for w in ws]
        self.domain_words = [w for _, w in words_]
        self.domain_own = np.array([[d == e.domain or w in t for e, t in zip(self.entries, entry_text)]
                                    for d, w in words_], dtype=np.float32).reshape(len(words_), n)
        # column path cues
        self.level1 = np.array([_label_text(e.level1) for e in self.entries], dtype=np.str_)
        self.level2 = np.array([_label_text(e.level2) for e in self.entries], dtype=np.str_)
        self.domains = np.array([e.domain for e in self.entries], dtype=np.str_)

    def _init_tokens(self) -> None:
        """The jieba tokenizer with the catalog's words, and each entry's tokens as columns of one matrix."""
        words = [w for e in self.entries for w in (e.level1, e.level2, *e.keywords)]
        self.tok = tokenizer(_label_text(w) for w in words)
        tok_vocab: dict[str, int] = {}
        entry_tokens = []
        for e in self.entries:
            ts = set(tokens(self.tok, _label_text(f"{e.level1}{e.level2}{''.join(e.keywords)}")))
            entry_tokens.append(ts)
            for t in ts:
                tok_vocab.setdefault(t, len(tok_vocab))
        self.tok_vocab = tok_vocab
        self.entry_tok = np.zeros((len(tok_vocab), len(self.entries)), dtype=np.float32)
        for j, ts in enumerate(entry_tokens):
            for t in ts:
                self.entry_tok[tok_vocab[t], j] = 1.0
        self.entry_tok_n = self.entry_tok.sum(axis=0)
        self._title_cache: dict[str, tuple[str, list[int]]] = {}

    def _init_reading(self, topic: TopicModel | None) -> None:
        """The generalising layer as indexes: kinds, exemptions, trade groups, 一级 names, topic domains."""
        n = len(self.entries)
        voc = reading.vocabulary()
        self.kind_names = sorted({k for k in voc.title_kinds})
        self.kind_specific = np.array([k in voc.specific for k in self.kind_names])
        self.kind_weight = np.array([voc.kind_weight.get(k, 1.0) for k in self.kind_names], dtype=np.float32)
        self.neg_names = list(voc.negative)
        profiles = reading.complete_profiles(self.entries, [reading.entry_profile(e) for e in self.entries])
        self.profiles = profiles
        self.entry_kinds = np.array([[k in p.kinds for k in self.kind_names] for p in profiles],
                                    dtype=np.float32).reshape(n, len(self.kind_names))
        self.entry_spec = self.entry_kinds * self.kind_specific[None, :]
        self.entry_policy = np.array([bool(p.kinds & voc.allowed_higher) for p in profiles])
        self.entry_exempt = np.array([[c in p.exempt for c in self.neg_names] for p in profiles],
                                     dtype=np.float32).reshape(n, len(self.neg_names))
        self.entry_trade = [p.trade for p in profiles]
        self.gov_finance = np.array([e.level1 in voc.government_finance_level1 for e in self.entries])
        self.national_row = np.array([bool(voc.national_rows.search(e.level2)) for e in self.entries])
        l1 = sorted({(e.domain, _label_text(e.level1)) for e in self.entries if len(_label_text(e.level1)) >= 4
                     and _label_text(e.level1) not in GENERIC_LEVEL1})
        self.level1_names = [t for _, t in l1]
        self.level1_domain = [d for d, _ in l1]
        self.entry_level1 = np.array([next((k for k, (d, t) in enumerate(l1) if d == e.domain and t == _label_text(e.level1)),
                                           -1) for e in self.entries])
        self.entry_domain_i = np.array([e.domain for e in self.entries], dtype=np.str_)
        self.entry_names = [_label_text("".join((e.level1, e.level2, *e.keywords))) for e in self.entries]
        self._init_topic(topic)

    def _init_topic(self, topic: TopicModel | None) -> None:
        """The title-topic model, each entry's domain in it, and which kind labels still name their domain."""
        self.topic = topic if topic is not None and all(e.domain in topic.domains for e in self.entries) \
            else topic_model(self.entries)
        self.topic_domains = self.topic.domains
        self.entry_topic = np.array([self.topic_domains.index(e.domain) if e.domain in self.topic_domains else -1
                                     for e in self.entries])
        # kind labels that still name their own domain's topic (最低生活保障对象名单 in 社会救助) stay topical
        generic = np.zeros(len(self.labels), dtype=bool)
        for k, ((lbl, i), kind_label) in enumerate(zip(self._label_owner, self._kind_label)):
            if kind_label:
                generic[k] = self.topic.evidence(lbl).scores.get(self.entries[i].domain, 0.0) < LABEL_TOPIC_MIN
        self.generic_label = generic

    def title_features(self, sk: str) -> tuple[str, list[int]]:
        """Bigram string and token ids of one title skeleton (cached: titles repeat)."""
        hit = self._title_cache.get(sk)
        if hit is None:
            vocab = self.bigram_vocab
            bi = "".join(vocab.get(b, "") for b in _bigrams(sk))
            toks = sorted({self.tok_vocab[t] for t in tokens(self.tok, sk) if t in self.tok_vocab})
            hit = (bi, toks)
            if len(self._title_cache) > 200_000:
                self._title_cache.clear()
            self._title_cache[sk] = hit
        return hit


GENERIC_LEVEL1 = frozenset({"政策文件", "法规政策", "政策法规", "公共服务", "行政许可", "行政处罚", "办事指南", "重点领域信息公开"})


def topic_model(entries: Sequence[CatalogEntry]) -> TopicModel:
    """The shipped catalog's model when it covers these entries' domains, else one learned from them."""
    model = default_model()
    if all(e.domain in model.domains for e in entries):
        return model
    return TopicModel(entries)


class Matcher:
    """Matches items of one unit against that unit's applicable entries."""

    def __init__(self, thresholds: Thresholds | None = None, *, top_k: int = 5, batch_size: int = 4096,
                 workers: int = -1, catalog_entries: Sequence[CatalogEntry] | None = None) -> None:
        """`catalog_entries`: the whole catalog, when the caller has it loaded (the title-topic model learns
        every domain from it; without it the shipped catalog is read once per process)."""
        self.thresholds = thresholds or Thresholds()
        self.topic = model_for(catalog_entries) if catalog_entries else None
        self.top_k = top_k
        self.batch_size = batch_size
        self.workers = workers
        self._indexes: dict[tuple, EntryIndex] = {}

    def index(self, entries: Sequence[CatalogEntry], extra_labels: dict[str, list[str]] | None = None) -> EntryIndex:
        key = (tuple(e.id for e in entries),
               tuple(sorted((k, tuple(v)) for k, v in (extra_labels or {}).items())))
        idx = self._indexes.get(key)
        if idx is None:
            if len(self._indexes) > 64:
                self._indexes.clear()
            idx = self._indexes[key] = EntryIndex(entries, extra_labels, self.topic)
        return idx

    # ------------------------------------------------------------------ public
    def match(self, entries: Sequence[CatalogEntry], items: Iterable[ItemView], *,
              unit_prefixes: tuple[str, ...] = (), aliases: dict[str, list[str]] | None = None,
              unit_level: str | None = None, learned: Learned | None = None) -> list[MatchResult]:
        """Best entry, decision and top-k candidates for every item.

        `unit_level` is the catalog level (县级/乡级) of the unit; `learned` what its reviewers taught;
        `aliases` (entry id → titles) is the older form of `learned.patterns`.
        """
        items = list(items)
        if not items:
            return []
        if not entries:
            return [MatchResult(it.item_id, None, 0.0, Decision.REJECT, {"reason": 0.0}) for it in items]
        learned = _merge_aliases(learned, aliases, unit_prefixes)
        idx = self.index(entries, learned.labels())
        out: list[MatchResult] = []
        for start in range(0, len(items), self.batch_size):
            batch = items[start:start + self.batch_size]
            bs = self.score_batch(idx, batch, unit_prefixes=unit_prefixes, unit_level=unit_level, learned=learned)
            out.extend(self._results(idx, batch, bs))
        return out

    def match_many(self, jobs: Sequence[MatchJob]) -> Iterator[tuple[int, list[MatchResult]]]:
        """`match` for many units: yields (job index, its results) as each job is done, the same results as
        one `match` per job (jobs of a shared batch come out once their last item is scored).

        Units held to the same entries at the same level with nothing learned from reviewers share their
        batches (each item normalised with its own unit's prefixes): every score is computed per title and
        per item, so a batch shared with other units changes no result, and a province of small units costs
        a few large batches instead of a thousand small ones."""
        groups: dict[tuple, list[int]] = {}
        for k, job in enumerate(jobs):
            plain = job.learned is None or not (job.learned.patterns or job.learned.rejected or job.learned.columns)
            if plain and job.entries and job.items:
                groups.setdefault((tuple(e.id for e in job.entries), job.unit_level), []).append(k)
            else:
                yield k, self.match(job.entries, job.items, unit_prefixes=job.unit_prefixes,
                                    unit_level=job.unit_level, learned=job.learned)
        for members in groups.values():
            first = jobs[members[0]]
            idx = self.index(first.entries, {})
            owner = [k for k in members for _ in jobs[k].items]
            items = [it for k in members for it in jobs[k].items]
            prefixes = [jobs[k].unit_prefixes for k in owner]
            done: dict[int, list[MatchResult]] = {}
            for start in range(0, len(items), self.batch_size):
                end = start + self.batch_size
                batch = items[start:end]
                bs = self.score_batch(idx, batch, item_prefixes=prefixes[start:end], unit_level=first.unit_level)
                for k, r in zip(owner[start:end], self._results(idx, batch, bs)):
                    done.setdefault(k, []).append(r)
                last = owner[min(end, len(items)) - 1]
                for k in [k for k in done if k != last or end >= len(items)]:
                    yield k, done.pop(k)

    def score_batch(self, idx: EntryIndex, items: Sequence[ItemView], *, unit_prefixes: tuple[str, ...] = (),
                    unit_level: str | None = None, learned: Learned | None = None,
                    item_prefixes: Sequence[tuple[str, ...]] | None = None) -> BatchScores:
        """`item_prefixes`: each item's own unit prefixes (items of several units), else `unit_prefixes`."""
        learned = learned or Learned()
        per_item = list(item_prefixes) if item_prefixes is not None else [unit_prefixes] * len(items)
        titles = _distinct_titles(idx, items, per_item)
        ts = self._title_scores(idx, titles)
        inverse = titles.inverse
        kind_news = np.array([it.column_kind == "news" for it in items])
        parts: dict = {}
        parts["column"], paths, upaths = _column_scores(idx, items, learned)
        support, topic_words = _topic_support(idx, items, inverse, paths, upaths, ts.title_topic)
        ent_support = np.where(idx.entry_topic[None, :] >= 0, support[:, np.maximum(idx.entry_topic, 0)], 0.0)
        # a title whose topic clearly leads to a domain is not another domain's item (the column decides
        # when it has a domain)
        named = support.max(axis=1)
        foreign = np.where(named >= 1.0, 1.0, np.where(named > 0, 0.6, 0.0))[:, None] * (ent_support == 0)
        parts["year"] = _year_scores(idx, items, titles.plain)
        parts["unit"] = _unit_scores(idx, titles, unit_level)
        parts["alias"] = _alias_scores(idx, items, per_item, learned)
        news_col = _news_column(ts.reads, inverse, kind_news)
        total, evidence, kind_only = _catalog_total(ts, inverse, parts, ent_support, kind_news, news_col)
        _add_structural(ts, inverse, parts, total, evidence, ent_support, foreign, kind_only)
        primary = total - ts.tokens[inverse]
        best, score, decision, top, top_score = self._decide(total, primary)
        parts.update({c: _Gathered(getattr(ts, c), inverse) for c in ("title_label", "tokens", "doc_type", "domain")})
        parts["news_penalty"] = _Gathered(ts.news, inverse, news_col)
        parts.update({c: _Gathered(getattr(ts, c), inverse) for c in ("negative", "level", "trade")})
        parts["_reads"] = [ts.reads[k] for k in inverse.tolist()]
        parts["_topic"] = topic_words
        return BatchScores(best=best, score=score, decision=decision, top=top, top_score=top_score, parts=parts)

    def _title_scores(self, idx: EntryIndex, titles: _Titles) -> _TitleScores:
        """Every component that depends on the title alone, once per distinct skeleton (titles repeat)."""
        uniq_list = titles.uniq
        uarr = np.array(uniq_list, dtype=np.str_)
        title_label_u, kind_only_u = _label_scores(idx, uniq_list, titles.feats, self.workers)
        tokens_u = _token_scores(idx, titles.feats)
        doc_u = _doc_type_scores(idx, uarr)
        news_u = _news_word_scores(idx, uarr)
        domain_u = _domain_word_scores(idx, uniq_list)
        base_u = title_label_u + tokens_u
        base_u += doc_u
        base_u += domain_u
        base_u += news_u
        # generalising layer, per distinct title: what the title is, what it is not
        reads = [reading.read_title(u) for u in uniq_list]
        fit_u, conflict_u = _kind_scores(idx, uniq_list, reads)
        negative_u = _negative_scores(idx, reads)
        level_u, trade_u = _level_and_trade_scores(idx, reads)
        title_topic = [idx.topic.evidence(reading.without_issuer(u)) for u in uniq_list]
        return _TitleScores(title_label=title_label_u, kind_only=kind_only_u, tokens=tokens_u, doc_type=doc_u,
                            domain=domain_u, news=news_u, base=base_u, fit=fit_u, conflict=conflict_u,
                            negative=negative_u, level=level_u, trade=trade_u, reads=reads, title_topic=title_topic)

    def _decide(self, total: np.ndarray, primary: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Best entry, its clipped score and decision, and the top-k: a tie on the primary score goes to review."""
        n, m = total.shape
        best = np.argmax(total, axis=1)
        rows_i = np.arange(n)
        score = np.clip(total[rows_i, best], 0.0, 100.0)
        acc, rev = self.thresholds.accept, self.thresholds.review
        decision = np.where(score >= acc, 2, np.where(score >= rev, 1, 0))
        if m > 1:
            masked = primary.copy()
            masked[rows_i, best] = -np.inf
            tie = primary[rows_i, best] - masked.max(axis=1) < 1.0
            decision = np.where((decision == 2) & tie, 1, decision)  # two entries fit equally well: a person decides
        k = min(self.top_k, m)
        top = np.argpartition(-total, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (n, 1))
        order = np.argsort(-np.take_along_axis(total, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_score = np.clip(np.take_along_axis(total, top, axis=1), 0.0, 100.0)
        return best, score, decision, top, top_score

    def _results(self, idx: EntryIndex, items: Sequence[ItemView], bs: BatchScores) -> list[MatchResult]:
        # every component at the top-k entries and at the best entry, gathered and rounded as arrays (not
        # cell by cell); numpy's rounding of these float32-born values equals round(float(v), 2)
        top_parts = np.round(np.stack([_at(bs.parts[c], bs.top) for c in COMPONENTS], axis=-1), 2).tolist()
        best_parts = np.round(np.stack([_at(bs.parts[c], bs.best[:, None])[:, 0] for c in COMPONENTS], axis=-1),
                              2).tolist()
        top_scores = np.round(bs.top_score.astype(np.float64), 2).tolist()
        out = []
        for i, it in enumerate(items):
            b = int(bs.best[i])
            cands = [{"entry_id": idx.ids[j], "score": top_scores[i][rank],
                      "breakdown": dict(zip(COMPONENTS, top_parts[i][rank]))}
                     for rank, j in enumerate(bs.top[i].tolist())]
            runner = next((c["entry_id"] for c in cands if c["entry_id"] != idx.ids[b]), None)
            out.append(MatchResult(item_id=it.item_id, entry_id=idx.ids[b], score=round(float(bs.score[i]), 2),
                                   decision=DECISIONS[int(bs.decision[i])],
                                   breakdown=dict(zip(COMPONENTS, best_parts[i])),
                                   runner_up=runner, candidates=cands,
                                   reasons=_reasons(bs.parts["_reads"][i], bs.parts["_topic"][i], idx.profiles[b])))
        return out


@dataclass
class _Titles:
    """A batch's titles as the scorer reads them: per item, and once per distinct skeleton (titles repeat)."""

    plain: list[str]  # per item, normalised with the issuer kept (year and unit plausibility read it)
    uniq: list[str]  # distinct skeletons (unit prefixes, years, numbers dropped)
    inverse: np.ndarray  # item row → its skeleton's row
    feats: list[tuple[str, list[int]]]  # per skeleton: bigram string and token ids


@dataclass
class _TitleScores:
    """The components that depend on the title alone, each (distinct titles × entries): gathered per item late."""

    title_label: np.ndarray
    kind_only: np.ndarray  # the part of title_label only a kind label gives (counts where the domain is supported)
    tokens: np.ndarray
    doc_type: np.ndarray
    domain: np.ndarray
    news: np.ndarray
    base: np.ndarray  # the catalog-word evidence: title_label + tokens + doc_type + domain + news
    fit: np.ndarray  # how well the title's document kind fits the row, 0..1
    conflict: np.ndarray  # share of W_KIND_CONFLICT
    negative: np.ndarray
    level: np.ndarray
    trade: np.ndarray
    reads: list[reading.Reading]
    title_topic: list  # topic evidence of each title, its issuer dropped


def _distinct_titles(idx: EntryIndex, items: Sequence[ItemView], per_item: list[tuple[str, ...]]) -> _Titles:
    """Normalise the batch's titles and fold them to distinct skeletons, which is what most scoring works on."""
    plain = [normalise(it.title) for it in items]
    titles = [canonical(normalise(it.title, p)) for it, p in zip(items, per_item)]
    sks = [skeleton(t) or t for t in titles]
    uniq, inverse = np.unique(np.array(sks, dtype=np.str_), return_inverse=True)
    uniq_list = uniq.tolist()
    return _Titles(plain=plain, uniq=uniq_list, inverse=inverse, feats=[idx.title_features(s) for s in uniq_list])


def _label_scores(idx: EntryIndex, uniq_list: list[str], feats: list[tuple[str, list[int]]],
                  workers: int) -> tuple[np.ndarray, np.ndarray]:
    """title_label per entry (its best label), and the part of it only a kind label gives (规范性文件 …)."""
    # title vs labels: character LCS and bigram LCS over the label's length
    lcs_c = process.cdist(uniq_list, idx.labels, scorer=LCSseq.similarity, dtype=np.int32, workers=workers)
    lcs_b = process.cdist([f[0] for f in feats], idx.label_bigrams, scorer=LCSseq.similarity, dtype=np.int32,
                          workers=workers)
    cov = lcs_c.astype(np.float32) * idx.w_char[None, :]
    cov += lcs_b.astype(np.float32) * idx.w_bigram[None, :]
    label_score = cov * idx.short100[None, :]
    label_score += idx.specificity[None, :] * (cov >= 0.995)
    seg = np.minimum(idx.starts, len(idx.labels) - 1)
    per_label_entry = np.maximum.reduceat(label_score, seg, axis=1)
    per_label_entry[:, ~idx.has_label] = 0.0
    # the part of the label score only a kind label (规范性文件 …) gives: it counts where the domain is supported
    topical = np.maximum.reduceat(np.where(idx.generic_label[None, :], 0.0, label_score), seg, axis=1)
    topical[:, ~idx.has_label] = 0.0
    kind_only_u = np.clip(per_label_entry - topical, 0.0, None).astype(np.float32)
    return per_label_entry, kind_only_u


def _token_scores(idx: EntryIndex, feats: list[tuple[str, list[int]]]) -> np.ndarray:
    """Jaccard bonus of title tokens against entry tokens, from one matrix product."""
    tok = np.zeros((len(feats), len(idx.tok_vocab)), dtype=np.float32)
    rows = np.repeat(np.arange(len(feats)), [len(f[1]) for f in feats])
    cols = np.fromiter((t for f in feats for t in f[1]), dtype=np.int64, count=len(rows))
    tok[rows, cols] = 1.0
    overlap = tok @ idx.entry_tok
    union = tok.sum(axis=1, keepdims=True) + idx.entry_tok_n[None, :] - overlap
    return np.where(union > 0, W_TOKENS * overlap / np.maximum(union, 1.0), 0.0).astype(np.float32)


def _doc_type_scores(idx: EntryIndex, uarr: np.ndarray) -> np.ndarray:
    """Document-type cues of the title: agreement with the entry's doc_types adds, an exclusive contradiction costs."""
    cue = np.zeros((len(uarr), len(idx.doc_cues)), dtype=np.float32)
    for c, name in enumerate(idx.doc_cues):
        hit = np.zeros(len(uarr), dtype=bool)
        for word in lexicon.DOC_CUES[name]:
            hit |= np.strings.find(uarr, word) >= 0
        cue[:, c] = hit
    agree = (cue @ idx.entry_doc.T) > 0
    t_excl = cue[:, idx.excl_idx]
    conflict = ((t_excl.sum(axis=1, keepdims=True) > 0) & (idx.entry_excl.sum(axis=1)[None, :] > 0)
                & ((t_excl @ idx.entry_excl.T) == 0))
    return (W_DOC_AGREE * agree + W_DOC_CONFLICT * conflict).astype(np.float32)


def _news_word_scores(idx: EntryIndex, uarr: np.ndarray) -> np.ndarray:
    """News and activity words cost, except on entries whose own labels are about them."""
    news = np.zeros((len(uarr), len(lexicon.NEWS_CUES)), dtype=np.float32)
    for c, word in enumerate(lexicon.NEWS_CUES):
        news[:, c] = np.strings.find(uarr, word) >= 0
    unexempt = news @ (1.0 - idx.news_exempt)
    return np.where(unexempt > 0, W_NEWS_WORD, 0.0).astype(np.float32)


def _domain_word_scores(idx: EntryIndex, uniq_list: list[str]) -> np.ndarray:
    """Another domain's words (and none of the entry's own) cost; read past the issuer (区教育局 …)."""
    bare = np.array([_without_issuer(t) for t in uniq_list], dtype=np.str_)
    dw = np.zeros((len(uniq_list), len(idx.domain_words)), dtype=np.float32)
    for c, word in enumerate(idx.domain_words):
        dw[:, c] = np.strings.find(bare, word) >= 0
    foreign = (dw @ (1.0 - idx.domain_own)) > 0
    own = (dw @ idx.domain_own) > 0
    return np.where(foreign & ~own, W_DOMAIN_FOREIGN, 0.0).astype(np.float32)


def _kind_scores(idx: EntryIndex, uniq_list: list[str], reads: list[reading.Reading]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """How well each title's document kind fits each row (0..1), and the kind conflicts as shares of the cost."""
    tk = np.array([[k in r.kinds for k in idx.kind_names] for r in reads], dtype=np.float32).reshape(
        len(uniq_list), len(idx.kind_names))
    t_spec = tk * idx.kind_specific[None, :] * idx.kind_weight[None, :]
    n_spec = t_spec.sum(axis=1, keepdims=True)
    shared = t_spec @ idx.entry_spec.T
    general = ((tk * ~idx.kind_specific[None, :]) @ idx.entry_kinds.T) > 0
    # a row that expects fewer other kinds is the more specific fit (其他政策文件 before 政策文件)
    extra = idx.entry_spec.sum(axis=1)[None, :] - (t_spec > 0) @ idx.entry_spec.T
    fit = np.where(n_spec > 0, np.minimum(shared / np.maximum(n_spec, 1.0) + 0.15 * general, 1.0) - 0.05 * extra,
                   0.3 * general)
    fit_u = np.clip(fit, 0.0, 1.0).astype(np.float32)
    conflict_u = ((n_spec > 0) & (idx.entry_spec.sum(axis=1)[None, :] > 0) & (shared == 0)).astype(np.float32)
    # a policy document (办法, 方案, 预案 …) fulfils only a row that holds policy documents
    t_doc = np.array([bool(r.kinds & reading.POLICY_DOCUMENT) for r in reads])
    conflict_u += (t_doc[:, None] & ~idx.entry_policy[None, :] & (shared == 0)) * W_POLICY_ONLY_RATIO
    # a title naming one 一级 of a domain (最低生活保障) is not a row of its sibling (特困人员救助供养)
    for u, text in enumerate(uniq_list):
        named = [k for k, l1 in enumerate(idx.level1_names) if l1 in text]
        if named:
            own = np.isin(idx.entry_level1, named)
            sibling = np.isin(idx.entry_domain_i, [idx.level1_domain[k] for k in named]) & ~own
            conflict_u[u, sibling] += W_SIBLING_RATIO
    return fit_u, conflict_u


def _negative_scores(idx: EntryIndex, reads: list[reading.Reading]) -> np.ndarray:
    """Titles that fulfil no row (news, meetings, 年报 …) cost, except on rows about that very thing."""
    neg = np.array([[c in r.negatives for c in idx.neg_names] for r in reads], dtype=np.float32).reshape(
        len(reads), len(idx.neg_names))
    live = neg @ (1.0 - idx.entry_exempt.T)  # (titles × entries): negative categories not exempt
    for u, r in enumerate(reads):  # a row named by the very word (督导评估报告 and 督导) is about it
        for c, word in r.negatives.items():
            if word and c in idx.neg_names:
                hit = np.array([word in t for t in idx.entry_names])
                live[u, hit] -= (1.0 - idx.entry_exempt[hit, idx.neg_names.index(c)])
    return np.where(live > 0.5, W_NEGATIVE, 0.0).astype(np.float32)


def _level_and_trade_scores(idx: EntryIndex, reads: list[reading.Reading]) -> tuple[np.ndarray, np.ndarray]:
    """A higher level's item counts only as a policy document on a policy row; another trade group's row costs."""
    higher = np.array([bool(r.higher) for r in reads])
    t_policy = np.array([bool(r.kinds & reading.POLICY_KINDS) for r in reads])
    level_u = np.where(higher[:, None] & ~(t_policy[:, None] & idx.entry_policy[None, :]), W_HIGHER, 0.0
                       ).astype(np.float32)
    trade_u = np.zeros((len(reads), len(idx.entries)), dtype=np.float32)
    t_trade = np.array([r.trade or "" for r in reads], dtype=np.str_)
    for j, g in enumerate(idx.entry_trade):
        if g is not None:
            trade_u[:, j] = np.where((t_trade != "") & (t_trade != g), W_TRADE, 0.0)
    return level_u, trade_u


def _column_scores(idx: EntryIndex, items: Sequence[ItemView], learned: Learned
                   ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The column's domain, its path naming the entry, and columns reviewers confirmed; with the paths read."""
    n, m = len(items), len(idx.entries)
    column = np.zeros((n, m), dtype=np.float32)
    cdom = np.array([it.column_domain or "" for it in items], dtype=np.str_)
    has_dom = cdom != ""
    column[has_dom] = np.where(idx.domains[None, :] != cdom[has_dom][:, None], W_COLUMN_OTHER_DOMAIN, 0.0)
    paths = [canonical(normalise(it.column_path)) for it in items]
    upaths, pinv = np.unique(np.array(paths, dtype=np.str_), return_inverse=True)
    pcol = np.zeros((len(upaths), m), dtype=np.float32)
    for p_i, path in enumerate(upaths.tolist()):
        if not path:
            continue
        l2 = (np.strings.find(path, idx.level2) >= 0) & (np.strings.str_len(idx.level2) >= 2)
        l1 = (np.strings.find(path, idx.level1) >= 0) & (np.strings.str_len(idx.level1) >= 2)
        pcol[p_i] = W_COLUMN_LEVEL2 * l2 + W_COLUMN_LEVEL1 * l1
        learned_entry = learned.columns.get(path)
        if learned_entry in idx.ids:
            pcol[p_i, idx.ids.index(learned_entry)] += W_COLUMN_LEARNED
    column += pcol[pinv]
    return column, paths, upaths


def _topic_support(idx: EntryIndex, items: Sequence[ItemView], inverse: np.ndarray, paths: list[str],
                   upaths: np.ndarray, title_topic: list) -> tuple[np.ndarray, list[str]]:
    """Per item, how far each domain is supported (the column's when known, else the title's and path's topic)."""
    support = np.zeros((len(items), len(idx.topic_domains)), dtype=np.float32)
    topic_words: list[str] = []
    path_topic = {p: idx.topic.evidence(p) for p in upaths.tolist()}
    seen: dict[tuple, int] = {}  # (title, path, column domain) → first item row with that reading
    for i, it in enumerate(items):
        key = (int(inverse[i]), paths[i], it.column_domain or "")
        first = seen.setdefault(key, i)
        if first != i:
            support[i] = support[first]
            topic_words.append(topic_words[first])
            continue
        if it.column_domain and it.column_domain in idx.topic_domains:
            support[i, idx.topic_domains.index(it.column_domain)] = 1.0
            topic_words.append(f"column {it.column_domain}")
            continue
        topic_words.append(_read_topic(idx, support[i], title_topic[inverse[i]], path_topic[paths[i]]))
    return support, topic_words


def _read_topic(idx: EntryIndex, support_row: np.ndarray, ev_t: TopicEvidence, ev_c: TopicEvidence) -> str:
    """Fill one item's domain support from its title's and column path's topic evidence; the words behind it."""
    ev = dict(ev_t.scores)
    for d, v in ev_c.scores.items():
        ev[d] = ev.get(d, 0.0) + TOPIC_COLUMN * v
    if not ev:
        return ""
    ranked = sorted(ev.items(), key=lambda kv: -kv[1])
    top, s1 = ranked[0]
    s2 = ranked[1][1] if len(ranked) > 1 else 0.0
    if s1 < TOPIC_MIN:
        return f"weak {top} ({'、'.join(ev_t.words.get(top, ()) + ev_c.words.get(top, ()))})"
    for d, v in ev.items():
        # the leader counts fully once it leads clearly; the others by their share of it
        support_row[idx.topic_domains.index(d)] = 1.0 if d == top and s1 - s2 >= 0.3 * s1 else v / s1 * 0.6
    return f"{top} ({'、'.join(ev_t.words.get(top, ()) + ev_c.words.get(top, ()))})"


def _year_scores(idx: EntryIndex, items: Sequence[ItemView], plain: list[str]) -> np.ndarray:
    """The title's year against the publish date: a future year, or a 决算/预算 published implausibly, costs."""
    ty = np.array([(years_in(p) or [0])[0] for p in plain], dtype=np.float32)
    py = np.array([it.published.year if it.published else 0 for it in items], dtype=np.float32)
    known = (ty > 0) & (py > 0)
    delta = np.where(known, ty - py, 0.0)
    year = np.zeros((len(items), len(idx.entries)), dtype=np.float32)
    year += np.where(known & (delta > 1), W_YEAR_FUTURE, 0.0)[:, None]
    year += np.where((known & (delta == 1))[:, None] & idx.final_only[None, :], W_YEAR_FINAL_EARLY, 0.0)
    year += np.where((known & (delta < -1))[:, None] & idx.budget[None, :], W_YEAR_BUDGET_LATE, 0.0)
    return year


def _unit_scores(idx: EntryIndex, titles: _Titles, unit_level: str | None) -> np.ndarray:
    """Budgets and final accounts of another body: the other level's, a department's on a 政府预算 row, local on 国家层面."""
    uniq_list, inverse = titles.uniq, titles.inverse
    unit = np.zeros((len(titles.plain), len(idx.entries)), dtype=np.float32)
    if unit_level in ("县级", "乡级"):
        other = np.array([_issuer_level(p) not in (None, unit_level) for p in titles.plain])
        unit[other[:, None] & idx.own_data[None, :]] = W_UNIT_OTHER_LEVEL
    # a department's own budget is a 部门预算, not the government's 政府预算 (县民政局…预算)
    dept = np.array([bool(reading.department_finance(u)) for u in uniq_list])[inverse]
    if dept.any() and idx.gov_finance.any():
        unit[dept[:, None] & idx.gov_finance[None, :]] += W_DEPT_GOV_FINANCE
    if idx.national_row.any():
        local = np.array([not reading.vocabulary().national_issuer.search(u) for u in uniq_list])[inverse]
        unit[local[:, None] & idx.national_row[None, :]] += W_NOT_NATIONAL
    return unit


def _alias_scores(idx: EntryIndex, items: Sequence[ItemView], per_item: list[tuple[str, ...]],
                  learned: Learned) -> np.ndarray:
    """Title patterns reviewers confirmed for this unit's entries (boost) or rejected (penalty)."""
    alias = np.zeros((len(items), len(idx.entries)), dtype=np.float32)
    if learned.patterns or learned.rejected:
        pos = {e: j for j, e in enumerate(idx.ids)}
        for i, it in enumerate(items):
            pat = title_pattern(it.title, per_item[i])
            hit = learned.patterns.get(pat)
            if hit in pos:
                alias[i, pos[hit]] += W_ALIAS
            for rej in learned.rejected.get(pat, ()):
                if rej in pos:
                    alias[i, pos[rej]] += W_ALIAS_REJECTED
    return alias


def _news_column(reads: list[reading.Reading], inverse: np.ndarray, kind_news: np.ndarray) -> np.ndarray:
    """Per item: a news column costs, more for a title that names no document (通知, 公示, 名单 … are documents)."""
    t_is_doc = np.array([bool(r.kinds & reading.vocabulary().document_kinds) for r in reads])
    return np.where(kind_news, W_NEWS_COLUMN, 0.0) + np.where(kind_news & ~t_is_doc[inverse], W_NEWS_COLUMN_BARE, 0.0)


def _catalog_total(ts: _TitleScores, inverse: np.ndarray, parts: dict, ent_support: np.ndarray,
                   kind_news: np.ndarray, news_col: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The catalog-word total per item and entry, the evidence part of it, and the unsupported kind-label share."""
    total = ts.base[inverse]
    for c in ("column", "year", "unit", "alias"):
        if parts[c].any():
            total += parts[c]
    kind_only = ts.kind_only[inverse] * (1.0 - np.minimum(ent_support, 1.0))
    total -= kind_only
    if kind_news.any():
        total += news_col[:, None]
    evidence = total - ts.news[inverse] - parts["year"] - parts["unit"] - parts["alias"]
    if kind_news.any():
        evidence -= news_col[:, None]
    return total, evidence, kind_only


def _add_structural(ts: _TitleScores, inverse: np.ndarray, parts: dict, total: np.ndarray, evidence: np.ndarray,
                    ent_support: np.ndarray, foreign: np.ndarray, kind_only: np.ndarray) -> None:
    """Lift `total` (in place) to the structural score where it is higher, then add the generalising penalties.

    The structural score (domain known, kind fits the row; label similarity ranks rows of one kind) replaces the
    catalog-word evidence where it is higher: a title the catalog words already place gains nothing, and it never
    outweighs a plausibility penalty (year, unit, news) or a reviewer's rejection."""
    topic = (W_TOPIC * ent_support).astype(np.float32)
    kind_fit = (W_KIND * ts.fit[inverse] * ent_support).astype(np.float32)
    kind_conflict = (W_KIND_CONFLICT * ts.conflict[inverse]).astype(np.float32)
    struct = topic + kind_fit + W_STRUCT_LABEL * ts.title_label[inverse] * (ent_support > 0)
    lift = np.clip(struct - evidence, 0.0, None)  # uncapped: rows above 100 keep their order (ties need it)
    share = np.divide(topic, topic + kind_fit, out=np.zeros_like(topic), where=(topic + kind_fit) > 0)
    parts["topic"] = lift * share
    parts["kind"] = lift * (1.0 - share) + kind_conflict
    total += lift + kind_conflict
    total += (ts.negative + ts.level + ts.trade)[inverse]
    total += W_TOPIC_FOREIGN * foreign
    parts["topic"] = parts["topic"] + W_TOPIC_FOREIGN * foreign - kind_only


def _at(part: np.ndarray | _Gathered, cols: np.ndarray) -> np.ndarray:
    """part[i, cols[i, r]] for every row i and rank r, as float64 (what float() of each cell gives)."""
    rows = np.arange(cols.shape[0])[:, None]
    if isinstance(part, _Gathered):
        v = part.per_title[part.rows[rows], cols].astype(np.float64)
        if part.row_add is not None:
            v = v + np.asarray(part.row_add, dtype=np.float64)[:, None]
        return v
    return np.asarray(part)[rows, cols].astype(np.float64)


def _reasons(r: reading.Reading, topic: str, profile: reading.EntryProfile) -> dict[str, str]:
    """The words behind the generalising components, for the reviewer."""
    out: dict[str, str] = {}
    if topic:
        out["topic"] = topic
    if r.kinds:
        out["kind"] = ", ".join(f"{k} ({r.why[k]})" for k in sorted(r.kinds)) + \
            f" vs row {'/'.join(sorted(profile.kinds)) or '-'}"
    live = {c: w for c, w in r.negatives.items() if c not in profile.exempt}
    if live:
        out["negative"] = ", ".join(f"{c} ({w})" for c, w in live.items())
    if r.higher:
        out["level"] = f"higher level or repost ({r.higher})"
    if r.trade:
        out["trade"] = f"{r.trade} ({r.why.get('trade:' + r.trade, '')}) vs row {profile.trade or '-'}"
    return out


_LEAD = re.compile(r"^(?:转发|关于)?(?:(?:19|20)\d{2}(?:年度|年)?)?(?:转发|关于)?")


class _Gathered:
    """An (items × entries) component held as (distinct titles × entries) plus the row map, indexed lazily."""

    def __init__(self, per_title: np.ndarray, rows: np.ndarray, row_add: np.ndarray | None = None) -> None:
        self.per_title, self.rows, self.row_add = per_title, rows, row_add

    def __getitem__(self, key: tuple[int, int]) -> float:
        i, j = key
        v = float(self.per_title[self.rows[i], j])
        return v + float(self.row_add[i]) if self.row_add is not None else v


def _without_issuer(title: str) -> str:
    m = lexicon.TOWN_ISSUER.match(title) or lexicon.COUNTY_ISSUER.match(title)
    return title[m.end():] if m else title


def _issuer_level(title: str) -> str | None:
    """县级 / 乡级 when the (normalised) title starts with an issuer of that level, else None."""
    title = _LEAD.sub("", title)
    if lexicon.TOWN_ISSUER.match(title):
        return "乡级"
    if lexicon.COUNTY_ISSUER.match(title):
        return "县级"
    return None


def _merge_aliases(learned: Learned | None, aliases: dict[str, list[str]] | None,
                   prefixes: tuple[str, ...]) -> Learned:
    if not aliases:
        return learned or Learned()
    merged = Learned(dict(learned.patterns) if learned else {}, dict(learned.rejected) if learned else {},
                     dict(learned.columns) if learned else {})
    for entry_id, titles in aliases.items():
        for t in titles:
            pat = title_pattern(t, prefixes)
            if len(pat) >= 2:
                merged.patterns.setdefault(pat, entry_id)
    return merged

"""What a title says about itself before it meets a catalog row: its document kinds, whether it is news or
another non-obligation, whether a higher level issued it, what a trade notice trades — and what each catalog
row expects of those.

All vocabulary lives in ``auditor/match/data/reading.yaml``; this module only compiles and applies it. Each
reading keeps the words that triggered it, so a reviewer sees *why* (``Reading.why``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from auditor.catalog.models import CatalogEntry
from auditor.match.normalise import canonical, normalise
from auditor.yamlio import load_yaml

DATA = Path(__file__).with_name("data") / "reading.yaml"
POLICY_KINDS = frozenset({"law", "normative", "plan", "policy", "interpretation"})
POLICY_DOCUMENT = frozenset({"law", "normative", "plan"})  # kinds that make a title a policy document


@dataclass(frozen=True)
class Vocabulary:
    """reading.yaml compiled."""

    negative: dict[str, tuple[re.Pattern[str], tuple[str, ...]]]  # name → (pattern, exempt words)
    higher: re.Pattern[str]
    allowed_higher: frozenset[str]
    title_kinds: dict[str, re.Pattern[str]]
    specific: frozenset[str]
    entry_rules: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    content_rules: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    entry_doc_kinds: dict[str, tuple[str, ...]]  # catalog doc_type → kinds
    trade_groups: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]
    synonyms: dict[str, tuple[str, ...]]
    news_columns: tuple[str, ...]
    document_kinds: frozenset[str]
    kind_weight: dict[str, float]
    issuer: re.Pattern[str]
    row_synonyms: dict[str, tuple[str, ...]]
    department_issuer: re.Pattern[str]
    government_finance: re.Pattern[str]
    government_finance_level1: frozenset[str]
    national_issuer: re.Pattern[str]
    national_rows: re.Pattern[str]
    standard_content: re.Pattern[str]


def _alt(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@lru_cache(maxsize=4)
def vocabulary(path: Path = DATA) -> Vocabulary:
    data = load_yaml(path, "matcher vocabulary").data
    neg = {name: (_alt(spec["patterns"]), tuple(spec.get("exempt_if_entry") or ()))
           for name, spec in data["negative"].items()}
    kinds = {name: _alt(spec["patterns"]) for name, spec in data["title_kinds"].items()}
    specific = frozenset(n for n, spec in data["title_kinds"].items() if spec.get("specific"))
    rules = tuple((re.compile(r["name"]), tuple(r["kinds"])) for r in data["entry_rules"])
    content = tuple((re.compile(r["content"]), tuple(r["kinds"])) for r in data.get("entry_content_rules") or ())
    doc = {k: tuple(v) for k, v in data["entry_doc_kinds"].items()}
    groups = tuple((g["group"], _alt(g["patterns"]), tuple(g["level1"])) for g in data["trade_groups"])
    return Vocabulary(neg, _alt(data["higher_level"]["patterns"]), frozenset(data["higher_level"]["allowed_kinds"]),
                      kinds, specific, rules, content, doc, groups,
                      {d: tuple(ws) for d, ws in (data.get("synonyms") or {}).items()},
                      tuple(data.get("news_columns") or ()), frozenset(data["document_kinds"]),
                      {n: float(spec.get("weight", 1.0)) for n, spec in data["title_kinds"].items()},
                      _alt(data["issuer"]),
                      {k: tuple(v) for k, v in (data.get("row_synonyms") or {}).items()},
                      re.compile(data["department_issuer"]), re.compile(data["government_finance"]),
                      frozenset(data["government_finance_level1"]),
                      re.compile(data["national_issuer"]), re.compile(data["national_rows"]),
                      re.compile(data["entry_standard_content"]))


@dataclass(frozen=True)
class Reading:
    """One title read: kinds, negatives, issuer level, trade group, each with the words that showed it."""

    kinds: frozenset[str]
    negatives: dict[str, str] = field(default_factory=dict)  # category → the words that matched
    higher: str = ""  # the words naming a higher-level issuer or a repost
    trade: str | None = None
    why: dict[str, str] = field(default_factory=dict)  # kind → matched words

    @property
    def specific(self) -> frozenset[str]:
        return self.kinds & vocabulary().specific


def read_title(title: str) -> Reading:
    """Read a normalised, canonical title (see normalise.normalise / canonical)."""
    return _read(title)


@lru_cache(maxsize=200_000)
def _read(title: str) -> Reading:
    v = vocabulary()
    kinds, why = set(), {}
    for name, pat in v.title_kinds.items():
        m = pat.search(title)
        if m:
            kinds.add(name)
            why[name] = m.group(0)
    negatives = {}
    for name, (pat, _) in v.negative.items():
        m = pat.search(title)
        if m:
            negatives[name] = m.group(0)
    # a document (a notice, a list, a tender) that mentions an activity is not news about the activity
    if kinds & v.document_kinds:
        negatives.pop("news", None)
    m = v.higher.search(title)
    trade = None
    for group, pat, _ in v.trade_groups:
        t = pat.search(title)
        if t:
            trade = group
            why[f"trade:{group}"] = t.group(0)
            break
    return Reading(frozenset(kinds), negatives, m.group(0) if m else "", trade, why)


@dataclass(frozen=True)
class EntryProfile:
    """What a catalog row expects: its kinds, its trade group, and the negative categories it is exempt from."""

    kinds: frozenset[str]
    trade: str | None
    exempt: frozenset[str]


def without_issuer(title: str) -> str:
    """The title without the issuing bodies it starts with (汉阴县人民政府办公室关于… → 关于…): who issued a
    document says little of its topic (区教育局's budget is a budget)."""
    m = vocabulary().issuer.match(title)
    return title[m.end():] if m and m.end() < len(title) else title


def department_finance(title: str) -> str:
    """The issuing department when a department (a 局, 委员会, 中心 …) issues the title and the rest of it does not
    name the government's own finances: its budget is a department budget. Empty otherwise."""
    v = vocabulary()
    m = v.issuer.match(title)
    if not m or m.end() >= len(title):
        return ""
    issuer = m.group(0)
    if not v.department_issuer.search(issuer) or v.government_finance.search(title[m.end():]):
        return ""
    return issuer


def entry_profile(entry: CatalogEntry) -> EntryProfile:
    v = vocabulary()
    kinds: set[str] = set()
    for pat, ks in v.entry_rules:
        if pat.search(entry.level2):
            kinds.update(ks)
    if not kinds & v.specific:
        for pat, ks in v.entry_rules:
            if pat.search(entry.level1):
                kinds.update(ks)
    for dt in entry.doc_types:
        kinds.update(v.entry_doc_kinds.get(dt, ()))
    if v.standard_content.search(entry.content or ""):
        kinds.add("standard")
    if not kinds & POLICY_DOCUMENT:  # a row not named for policy documents may still hold its policy basis
        for pat, ks in v.content_rules:
            if pat.search(entry.content or ""):
                kinds.update(ks)
    trade = None
    if entry.domain == "公共资源交易":
        trade = next((g for g, _, level1 in v.trade_groups if any(w in entry.level1 for w in level1)), None)
    text = canonical(normalise("".join((entry.level1, entry.level2, *entry.keywords))))
    exempt = frozenset(name for name, (_, words) in v.negative.items() if any(w in text for w in words))
    return EntryProfile(frozenset(kinds), trade, exempt)


def complete_profiles(entries: Sequence[CatalogEntry], profiles: Sequence[EntryProfile]) -> list[EntryProfile]:
    """Profiles completed across a domain: where a domain has no row for normative documents (规范性文件), its
    其他政策文件-type rows (plan and policy documents) also hold them — a district's 管理办法 on 安全生产 has no
    other row to fulfil."""
    has_normative = {e.domain for e, p in zip(entries, profiles) if "normative" in p.kinds}
    out = []
    for e, p in zip(entries, profiles):
        if e.domain not in has_normative and {"plan", "policy"} <= p.kinds:
            p = EntryProfile(p.kinds | {"normative"}, p.trade, p.exempt)
        out.append(p)
    return out


def kind_fit(reading: Reading, profile: EntryProfile) -> tuple[float, bool]:
    """(share of the title's specific kinds the row has, 0–1 plus a little for shared general kinds;
    whether the row contradicts the title: both name what they are, and nothing agrees)."""
    spec_t = reading.specific
    spec_e = profile.kinds & vocabulary().specific
    general = len((reading.kinds & profile.kinds) - spec_t)
    if spec_t:
        shared = len(spec_t & spec_e)
        fit = shared / len(spec_t) + 0.15 * min(general, 1)
        return min(fit, 1.0), bool(spec_e) and shared == 0
    return (0.3 if general else 0.0), False

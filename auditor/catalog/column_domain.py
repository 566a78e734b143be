"""Which catalog domain (and 一级事项) a portal column serves, read from its name or breadcrumb.

Real portals do not name columns after the 26 catalog domains (重点领域信息公开 > 扶贫信息 / 财政资金 /
政府采购, 基层政务公开标准化规范化专栏 > 社会救助 > 低保), so the registry's `domain:` cannot be
copied from the column name. This module proposes one, with the evidence and a confidence, from the
catalog's own domain and 一级事项 names plus the synonym list in catalogs/column_synonyms.yaml. It
never guesses: a generic column (政府文件, 通知公告 …) or a name it does not know proposes nothing.
Used by registry discovery (auditor/discover) and by registry validation (a warning when a column's
declared domain contradicts its name).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.catalog.models import Catalog
from auditor.catalog.paths import data_file
from auditor.errors import CatalogError
from auditor.yamlio import format_pydantic_errors, load_yaml

SYNONYMS_FILE = "column_synonyms.yaml"
SEPARATORS = re.compile(r"\s*(?:>|＞|»|›|/|→|\\|＼|\|)\s*")
# Trailing words that do not change what a column is about (扶贫信息公开 → 扶贫, 社会救助领域 → 社会救助).
_SUFFIXES = ("信息公开", "领域信息", "公开专栏", "专栏", "信息", "公开", "领域", "专题", "栏目")
# A breadcrumb segment naming a unit (区住建局, 南山镇, 东城街道办事处) says who, not which domain.
UNIT_NAME = re.compile(r"(?:局|委员会|委|办公室|办|镇|乡|街道|办事处|人民政府|政府|中心|管委会)$")
_PUNCT = re.compile(r"[\s　·•\-_—（）()【】\[\]“”\"'：:，,。]+")

# Confidence of each kind of evidence (how the segment matched).
EXACT_DOMAIN = 0.95
EXACT_SYNONYM = 0.9
EXACT_LEVEL1 = 0.85
CONTAINS_DOMAIN = 0.75
CONTAINS_SYNONYM = 0.65
CONTAINS_LEVEL1 = 0.6
AGREEING_PARENT = 0.05  # bonus when a shallower segment names the same domain


@dataclass(frozen=True)
class DomainProposal:
    """A proposed domain for a column, with what it rests on."""

    domain: str
    level1: str | None
    confidence: float
    evidence: str
    segment: str  # the breadcrumb segment the domain was read from


class _SynonymEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    level1: str | None = None


class SynonymFile(BaseModel):
    """catalogs/column_synonyms.yaml: generic column names and each domain's other names."""

    model_config = ConfigDict(extra="forbid")

    generic: list[str] = Field(default_factory=list)
    news: list[str] = Field(default_factory=list)  # words naming news columns (要闻, 动态 …)
    notice: list[str] = Field(default_factory=list)  # words naming notice columns (通知公告, 公示 …)
    domains: dict[str, list[str | _SynonymEntry]] = Field(default_factory=dict)


@dataclass(frozen=True)
class _Name:
    """One known name: what it means (domain, optional 一级事项) and which kind of name it is."""

    text: str
    domain: str
    level1: str | None
    kind: str  # domain | synonym | level1


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), no spaces or decoration punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or ""))


def _strip_suffix(text: str) -> str:
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


def split_breadcrumb(name_or_breadcrumb: str | list[str] | tuple[str, ...]) -> list[str]:
    """Segments of a breadcrumb ('A > B > C', 'A/B/C' or a list), outermost first, blanks dropped."""
    if isinstance(name_or_breadcrumb, str):
        parts = SEPARATORS.split(name_or_breadcrumb)
    else:
        parts = [p for seg in name_or_breadcrumb for p in SEPARATORS.split(str(seg))]
    return [p.strip() for p in parts if p and p.strip()]


def load_synonyms(path: Path | None = None) -> SynonymFile:
    """Read and validate the synonym file; a bad file is one clear error naming file, line and key."""
    path = Path(path) if path else data_file(SYNONYMS_FILE)
    doc = load_yaml(path, "column synonyms")
    try:
        return SynonymFile.model_validate(doc.data or {})
    except ValidationError as exc:
        raise CatalogError("invalid column synonym file:\n  " + "\n  ".join(format_pydantic_errors(doc, exc)),
                           where=str(path), hint="see the comment at the top of the file") from None


class ColumnDomainIndex:
    """The names of one catalog plus the synonyms, ready for lookups."""

    def __init__(self, catalog: Catalog, synonyms: SynonymFile) -> None:
        domains = catalog.domains()
        unknown = sorted(set(synonyms.domains) - set(domains))
        if unknown:
            raise CatalogError(f"column synonyms name unknown domain(s): {', '.join(unknown)}",
                               hint=f"use catalog domain names: {', '.join(domains)}")
        self.synonyms = synonyms
        self.generic = {normalise(g) for g in synonyms.generic}
        names: dict[str, _Name] = {}
        level1_domains: dict[str, set[str]] = {}
        for entry in catalog.entries:
            key = normalise(entry.level1)
            level1_domains.setdefault(key, set()).add(entry.domain)
        for domain in domains:
            names[normalise(domain)] = _Name(domain, domain, None, "domain")
        for domain, entries in synonyms.domains.items():
            for raw in entries:
                item = raw if isinstance(raw, _SynonymEntry) else _SynonymEntry(name=raw)
                key = normalise(item.name)
                if key and key not in names:
                    names[key] = _Name(item.name, domain, item.level1, "synonym")
        level1_names = {normalise(e.level1): e.level1 for e in catalog.entries}
        for key, doms in level1_domains.items():
            if len(doms) == 1 and key and key not in names and key not in self.generic:
                (domain,) = doms
                names[key] = _Name(level1_names[key], domain, level1_names[key], "level1")
        self.names = names
        self.by_length = sorted(names, key=len, reverse=True)
        # 一级事项 of each domain, to name the 一级事项 a deeper segment points at once the domain is known
        self.level1_of: dict[str, dict[str, str]] = {}
        for entry in catalog.entries:
            self.level1_of.setdefault(entry.domain, {})[normalise(entry.level1)] = entry.level1

    def match_segment(self, segment: str) -> tuple[_Name, float, str] | None:
        """The best name in one segment: (name, confidence, how), or None."""
        text = normalise(segment)
        if not text or text in self.generic or UNIT_NAME.search(text):
            return None
        for candidate in dict.fromkeys((text, _strip_suffix(text))):
            if candidate in self.generic:
                return None
            name = self.names.get(candidate)
            if name is not None:
                conf = {"domain": EXACT_DOMAIN, "synonym": EXACT_SYNONYM, "level1": EXACT_LEVEL1}[name.kind]
                how = {"domain": "is the catalog domain", "synonym": "is a synonym of",
                       "level1": "is a 一级事项 of"}[name.kind]
                return name, conf, f"{segment!r} {how} {name.domain}"
        for key in self.by_length:
            if len(key) >= 2 and key in text:
                name = self.names[key]
                conf = {"domain": CONTAINS_DOMAIN, "synonym": CONTAINS_SYNONYM,
                        "level1": CONTAINS_LEVEL1}[name.kind]
                return name, conf, f"{segment!r} contains {name.text!r} ({name.kind} of {name.domain})"
        return None

    def level1_in(self, domain: str, segment: str) -> str | None:
        """The 一级事项 of `domain` a segment names (exactly or by containing it)."""
        text = _strip_suffix(normalise(segment))
        table = self.level1_of.get(domain, {})
        if text in table:
            return table[text]
        name = self.names.get(text)
        if name is not None and name.domain == domain and name.level1:
            return name.level1
        return None

    def propose(self, name_or_breadcrumb: str | list[str] | tuple[str, ...]) -> DomainProposal | None:
        segments = split_breadcrumb(name_or_breadcrumb)
        found: list[tuple[int, _Name, float, str]] = []
        for i, seg in enumerate(segments):
            hit = self.match_segment(seg)
            if hit is not None:
                found.append((i, *hit))
        if not found:
            return None
        # the deepest segment that names a domain wins: 社会救助 > 低保 is about 低保 (社会救助)
        i, name, conf, how = found[-1]
        if any(d.domain == name.domain for _, d, _, _ in found[:-1]):
            conf = min(1.0, conf + AGREEING_PARENT)
            how += "; a parent segment agrees"
        level1 = name.level1
        if level1 is None:
            for seg in segments[i + 1:]:
                level1 = self.level1_in(name.domain, seg)
                if level1:
                    how += f"; {seg!r} is its 一级事项"
                    break
        return DomainProposal(domain=name.domain, level1=level1, confidence=round(conf, 2), evidence=how,
                              segment=segments[i])


_INDEXES: dict[tuple[int, str], ColumnDomainIndex] = {}


def index_for(catalog: Catalog, synonyms_path: Path | None = None) -> ColumnDomainIndex:
    """One index per catalog object and synonym file (building it reads the YAML)."""
    path = Path(synonyms_path) if synonyms_path else data_file(SYNONYMS_FILE)
    key = (id(catalog), str(path))
    index = _INDEXES.get(key)
    if index is None or index.catalog is not catalog:
        index = ColumnDomainIndex(catalog, load_synonyms(path))
        index.catalog = catalog  # keeps id(catalog) from being reused while cached
        _INDEXES[key] = index
    return index


def propose_domain(name_or_breadcrumb: str | list[str] | tuple[str, ...], catalog: Catalog,
                   synonyms_path: Path | None = None) -> DomainProposal | None:
    """The domain (and 一级事项) a column name or breadcrumb points at, or None when it names none."""
    return index_for(catalog, synonyms_path).propose(name_or_breadcrumb)

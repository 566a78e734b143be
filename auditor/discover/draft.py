"""From a portal's structure to a draft units registry, every proposal with its evidence and confidence.

Units come from the site's own structure: a unit segment in the column's breadcrumb (部门 > 区财政局 >
…), the unit whose own site holds the column, the 发布机构 of the column's items. Each column's kind
(catalog / news / notice) and domain come from its name and path (auditor/catalog/column_domain.py),
its platform from the list adapter that read it. What cannot be placed is listed, not guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pypinyin import Style, lazy_pinyin

from auditor.catalog.column_domain import ColumnDomainIndex, DomainProposal, normalise
from auditor.catalog.models import Catalog
from auditor.discover.analyse import PageFacts, SiteMap, column_name, column_path, common_publisher
from auditor.discover.leads import unit_core

UNIT_SEGMENT = re.compile(r"(?:局|委员会|委|办公室|办|镇|乡|街道|办事处|镇人民政府|乡人民政府|分局|中心|管委会)$")
SUBDISTRICT = re.compile(r"(?:镇|乡|街道|街道办事处|办事处|镇人民政府|乡人民政府|苏木)$")
SUBDISTRICT_SECTION = re.compile(r"乡镇|街道|镇街|街镇")
DISTRICT = re.compile(r"^(.{1,8}?[区县市旗])(?:人民政府|政府)")
MIN_DOMAIN_CONFIDENCE = 0.6
SAMPLE_TITLES = 5


@dataclass
class UnitProposal:
    """A unit found on the site; `short` is how the breadcrumbs call it (区财政局)."""

    id: str
    name: str
    kind: str  # department | subdistrict
    level: str  # 区级 | 乡级
    short: str = ""
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    share: list[str] = field(default_factory=list)
    policy_leads: dict[str, str] = field(default_factory=dict)  # domain → plan sentence naming this kind of unit


@dataclass
class ColumnProposal:
    """A column with its proposed kind, domain, platform and owner."""

    name: str
    url: str
    path: list[str]
    site: str
    kind: str  # catalog | news | notice
    domain: str | None
    level1: str | None
    platform: str
    unit: str | None  # unit id; None: a site-level column (news/notice)
    confidence: float
    evidence: list[str]
    sample_titles: list[str]
    items_seen: int


@dataclass
class SiteProposal:
    id: str
    name: str
    url: str
    home: str
    platform: str
    owner: str | None = None


@dataclass
class Unplaced:
    """A page discovery read but could not place, or could not read."""

    url: str
    name: str
    reason: str


@dataclass
class Draft:
    district_id: str
    district_name: str
    sites: list[SiteProposal]
    units: list[UnitProposal]
    columns: list[ColumnProposal]
    unplaced: list[Unplaced]
    unread: list[Unplaced]
    uncovered_domains: list[str]

    def registry_dict(self) -> dict:
        """The draft as a units registry (what `auditor units validate` reads)."""
        sites = []
        for s in self.sites:
            entry: dict = {"id": s.id, "name": s.name, "url": s.url}
            if s.home != s.url:
                entry["home"] = s.home
            entry["platform"] = s.platform
            if s.owner:
                entry["owner"] = s.owner
            cols = [_column_dict(c, s.platform) for c in self.columns if c.site == s.id and c.unit is None]
            if cols:
                entry["columns"] = cols
            sites.append(entry)
        units = []
        for u in self.units:
            by_site: dict[str, list[dict]] = {}
            for c in self.columns:
                if c.unit == u.id:
                    site = next(s for s in self.sites if s.id == c.site)
                    by_site.setdefault(c.site, []).append(_column_dict(c, site.platform))
            units.append({"id": u.id, "name": u.name, "kind": u.kind, "level": u.level,
                          "domains": {"lead": u.lead, "share": u.share},
                          "channels": [{"type": "website", "site": k, "columns": v} for k, v in by_site.items()]})
        return {"district": {"id": self.district_id, "name": self.district_name}, "sites": sites, "units": units}

    def summary(self) -> dict:
        kinds = Counter(c.kind for c in self.columns)
        covered = sorted({c.domain for c in self.columns if c.domain})
        return {"units": len(self.units),
                "departments": sum(1 for u in self.units if u.kind == "department"),
                "subdistricts": sum(1 for u in self.units if u.kind == "subdistrict"),
                "columns": dict(sorted(kinds.items())), "domains_covered": covered,
                "domains_uncovered": self.uncovered_domains, "unplaced": len(self.unplaced),
                "unread": len(self.unread)}


def _column_dict(c: ColumnProposal, site_platform: str) -> dict:
    out: dict = {"name": c.name, "url": c.url}
    if c.path:
        out["path"] = "/".join(c.path)
    out["kind"] = c.kind
    if c.domain:
        out["domain"] = c.domain
    if c.platform not in ("auto", "generic", site_platform):
        out["platform"] = c.platform
    return out


# ------------------------------------------------------------------------------ names and ids

def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters (财政局 → czj), letters and digits kept."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: [c for c in s if c.isalnum()])
    return re.sub(r"[^a-z0-9]", "", "".join(letters).lower())


def unit_id_for(short: str, name: str, taken: set[str]) -> str:
    core = unit_core(short or name)
    core = re.sub(r"(?:人民政府|办事处)$", "", core) or core
    base = initials(core) or "unit"
    uid, n = base, 2
    while uid in taken:
        uid, n = f"{base}{n}", n + 1
    taken.add(uid)
    return uid


def district_of(homes: list[PageFacts]) -> tuple[str, str]:
    """(id, name) of the district from the portal's name (云溪区人民政府门户网站 → yunxi, 云溪区)."""
    def as_id(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(name[:-1])).lower()) or "district"

    for home in homes:
        for text in (home.site_name, home.title):
            m = DISTRICT.match(text or "")
            if m:
                return as_id(m.group(1)), m.group(1)
    named = Counter()
    for page in homes:
        named.update(page.governments)
    if named:
        name = named.most_common(1)[0][0]
        return as_id(name), name
    return "district", "（未识别的区县）"


def is_abbreviation(short: str, full: str) -> bool:
    """住建局 / 人社局 abbreviate 住房和城乡建设局 / 人力资源和社会保障局: same last character, the
    short name's characters in order inside the full name."""
    if len(short) < 2 or not full.endswith(short[-1]) or len(full) <= len(short):
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


def full_unit_name(short: str, publishers: list[str], district: str) -> tuple[str, str | None]:
    """The unit's full name: a 发布机构 ending with the short name's core wins; else district + core."""
    core = unit_core(short)
    cleaned = [re.sub(r"\s+", "", p) for p in publishers]
    for p in cleaned:
        if core and core in p and UNIT_SEGMENT.search(p):
            return p, f"发布机构 {p!r} of its items"
    for p in cleaned:  # 区住建局 is short for 云溪区住房和城乡建设局
        if core and UNIT_SEGMENT.search(p) and is_abbreviation(core, unit_core(p)):
            return p, f"发布机构 {p!r} of its items ({short} abbreviates it)"
    if short.startswith(district):
        return short, None
    return district + core, None


def _canonical(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path
    for suffix in ("index.html", "index.htm", "index.shtml"):
        if path.endswith("/" + suffix):
            path = path[: -len(suffix)]
    return f"{parts.netloc}{path}?{parts.query}"


EXACT_NAME = 0.85  # a domain read from a whole segment (not from a word inside it)


def _kind(name: str, proposal: DomainProposal | None, index: ColumnDomainIndex) -> str | None:
    """catalog when the path names a domain; news/notice by their words, which beat a domain word
    inside the name (教育动态 is news, not 义务教育); None when the name says neither."""
    text = normalise(name)
    word_kind = None
    if any(normalise(w) in text for w in index.synonyms.notice):
        word_kind = "notice"
    elif any(normalise(w) in text for w in index.synonyms.news):
        word_kind = "news"
    if proposal is not None and proposal.confidence >= MIN_DOMAIN_CONFIDENCE:
        if word_kind is None or (proposal.confidence >= EXACT_NAME and normalise(proposal.segment) == text):
            return "catalog"
    return word_kind


# ------------------------------------------------------------------------------ the draft

class _Builder:
    def __init__(self, sitemap: SiteMap, catalog: Catalog, index: ColumnDomainIndex,
                 leads: dict[str, dict[str, str]], start_urls: list[str]) -> None:
        self.sm, self.catalog, self.index, self.leads = sitemap, catalog, index, leads
        self.start_urls = start_urls
        self.units: dict[str, UnitProposal] = {}  # full name → unit
        self.taken: set[str] = set()
        self.sites: dict[str, SiteProposal] = {}  # host → site
        self.columns: list[ColumnProposal] = []
        self.unplaced: list[Unplaced] = []

    def district(self) -> tuple[str, str]:
        homes = [self.sm.pages[u] for u in self.start_urls if u in self.sm.pages] or self.sm.homes()
        found = district_of(homes)
        if found[0] == "district":  # the start pages do not say: ask every page read
            found = district_of(list(self.sm.pages.values()))
        return found

    def _site_name(self, host: str) -> str:
        for p in self.sm.pages.values():
            if p.host == host and p.site_name:
                return p.site_name
        home = next((p for p in self.sm.homes() if p.host == host), None)
        return (re.split(r"[_\-|｜—]", home.title)[0] if home and home.title else "") or host

    def site_for(self, host: str, scheme: str) -> SiteProposal:
        site = self.sites.get(host)
        if site is None:
            first = not self.sites
            sid = "portal" if first else f"site{len(self.sites) + 1}"
            home = next((u for u in self.start_urls if urlsplit(u).netloc == host), f"{scheme}://{host}/")
            site = SiteProposal(id=sid, name=self._site_name(host), url=f"{scheme}://{host}/", home=home,
                                platform="auto")
            self.sites[host] = site
        return site

    def unit(self, short: str, publishers: list[str], district: str, path: list[str],
             evidence: str, confidence: float) -> UnitProposal:
        name, pub_evidence = full_unit_name(short, publishers, district)
        unit = self.units.get(name)
        if unit is None:
            sub = bool(SUBDISTRICT.search(name)) or any(SUBDISTRICT_SECTION.search(s) for s in path[:-1]
                                                        if s != short and not UNIT_SEGMENT.search(s))
            unit = UnitProposal(id=unit_id_for(short, name, self.taken), name=name,
                                kind="subdistrict" if sub else "department", level="乡级" if sub else "区级",
                                short=short, confidence=confidence)
            if sub:
                unit.evidence.append("subdistrict: " + ("its name" if SUBDISTRICT.search(name)
                                                         else "listed under a 乡镇（街道） section"))
            self.units[name] = unit
        if evidence not in unit.evidence:
            unit.evidence.append(evidence)
        if pub_evidence and pub_evidence not in unit.evidence:
            unit.evidence.append(pub_evidence)
            unit.confidence = min(1.0, max(unit.confidence, confidence) + 0.05)
        unit.confidence = max(unit.confidence, confidence)
        return unit

    def owner_of_site(self, host: str, district: str) -> tuple[str, float, str] | None:
        """A unit's own site: its name is a unit name (云溪区民政局), not the district portal."""
        if any(urlsplit(u).netloc == host for u in self.start_urls[:1]):
            return None
        name = self._site_name(host)
        name = re.sub(r"(?:门户网站|网站|官网)$", "", name)
        if UNIT_SEGMENT.search(name) and not re.fullmatch(r".{1,8}[区县市旗](?:人民政府)?", name):
            return name, 0.85, f"the column is on {name}'s own site"
        return None

    def build(self) -> Draft:
        district_id, district = self.district()
        seen: set[str] = set()
        for page in self.sm.columns():
            key = _canonical(page.url)
            if key in seen:
                continue
            seen.add(key)
            self.place(page, district)
        self._listed_units(district)
        self._site_platforms()
        self._unit_domains()
        unread = []
        for p in self.sm.failed:
            why = p.error or (f"HTTP {p.status}" if p.status else "no answer")
            reads = self.index.propose(p.anchor) if p.anchor and p.role != "detail" else None
            if reads is not None:  # a column link we could not read: say what it would have been
                why += f" (its link text reads as {reads.domain})"
            unread.append(Unplaced(p.url, p.anchor, why))
        covered = {c.domain for c in self.columns if c.domain and c.unit}
        uncovered = [d for d in self.catalog.domains() if d not in covered]
        return Draft(district_id, district, list(self.sites.values()), list(self.units.values()), self.columns,
                     self.unplaced, unread, uncovered)

    def place(self, page: PageFacts, district: str) -> None:
        path, path_how = column_path(page, self.sm)
        name = column_name(page, path)
        if not path or path[-1] != name:
            path = [*path, name]
        proposal = self.index.propose(path)
        kind = _kind(name, proposal, self.index)
        parts = urlsplit(page.url)
        site = self.site_for(parts.netloc, parts.scheme)
        details = self.sm.details_of(page.url)
        publishers = [d.publisher for d in details if d.publisher]
        titles = [e.title for e in page.listing.entries[:SAMPLE_TITLES]] if page.listing else []
        evidence = [f"path {' > '.join(path)!r} read from the {path_how}",
                    f"list read by the {page.listing.adapter} adapter ({len(page.listing.entries)} items on page 1)"]
        if kind is None:
            self.unplaced.append(Unplaced(page.url, name, "the column's name names no catalog domain and no "
                                                          "news/notice kind"))
            return
        if proposal is not None and kind == "catalog":
            evidence.append(f"domain: {proposal.evidence} (confidence {proposal.confidence})")
        unit: UnitProposal | None = None
        unit_conf = 1.0
        segs = [s for s in path[:-1] if UNIT_SEGMENT.search(s) and s != name]
        if segs:
            unit_conf = 0.9
            unit = self.unit(segs[-1], publishers, district, path, f"unit segment {segs[-1]!r} in the column path",
                             unit_conf)
        else:
            owner = self.owner_of_site(parts.netloc, district)
            if owner is not None:
                unit_conf = owner[1]
                unit = self.unit(owner[0], publishers or [owner[0]], district, path, owner[2], unit_conf)
                site.owner = unit.id
            elif kind == "catalog":
                pub = common_publisher(details)
                if pub and UNIT_SEGMENT.search(pub) and pub != site.name:
                    unit_conf = 0.6
                    unit = self.unit(pub, [pub], district, path, f"发布机构 {pub!r} of the column's items", unit_conf)
                else:
                    reads = f" (it reads as {proposal.domain}{' / ' + proposal.level1 if proposal.level1 else ''})" \
                        if proposal else ""
                    self.unplaced.append(Unplaced(page.url, name, "catalog column whose unit is not named by its "
                                                                  f"path, its site or its items' 发布机构{reads}"))
                    return
        if unit is not None:
            evidence.append(f"unit {unit.name}: " + "; ".join(unit.evidence[-1:]))
        if kind != "catalog" and unit is not None and unit.id == site.owner:
            unit_for_column = None  # a unit site's news/notice columns are site columns charged to its owner
        else:
            unit_for_column = unit.id if unit is not None else None
        domain = proposal.domain if (kind == "catalog" and proposal) else None
        conf = min(proposal.confidence if (kind == "catalog" and proposal) else 0.8, unit_conf)
        self.columns.append(ColumnProposal(
            name=name, url=page.url, path=path, site=site.id, kind=kind, domain=domain,
            level1=proposal.level1 if domain and proposal else None,
            platform=page.listing.adapter if page.listing else "auto", unit=unit_for_column,
            confidence=round(conf, 2), evidence=evidence, sample_titles=titles,
            items_seen=len(page.listing.entries) if page.listing else 0))

    def _listed_units(self, district: str) -> None:
        """Units a 部门 / 乡镇（街道） page links to, even when none of their columns could be read:
        the reviewer sees them and adds their columns by hand (they are listed without channels)."""
        for page in self.sm.pages.values():
            if page.role == "detail" or page.is_column or not page.anchor or not UNIT_SEGMENT.search(page.anchor):
                continue
            parent = self.sm.pages.get(page.referrer or "")
            section = " ".join([parent.anchor, parent.title, *parent.breadcrumb]) if parent else ""
            if not re.search(r"部门|乡镇|街道|机构|单位", section):
                continue
            name, _ = full_unit_name(page.anchor, [], district)
            if name in self.units or any(u.short == page.anchor for u in self.units.values()):
                continue
            path = [*(parent.breadcrumb or [parent.anchor] if parent else []), page.anchor]
            unit = self.unit(page.anchor, [], district, path,
                             f"linked as {page.anchor!r} from the section page {parent.url}", 0.7)
            unit.evidence.append("no column of it was read: add its columns by hand")

    def _site_platforms(self) -> None:
        """Each site's platform is what read most of its columns; a unit's own site takes the unit's id."""
        used_ids = {s.id for s in self.sites.values()}
        for site in self.sites.values():
            if site.owner and site.id != "portal" and site.owner not in used_ids:
                old, site.id = site.id, site.owner
                used_ids.add(site.id)
                for c in self.columns:
                    if c.site == old:
                        c.site = site.id
        for site in self.sites.values():
            used = Counter(c.platform for c in self.columns if c.site == site.id and c.platform != "generic")
            if used:
                site.platform = used.most_common(1)[0][0]

    def _unit_domains(self) -> None:
        for unit in self.units.values():
            doms = list(dict.fromkeys(c.domain for c in self.columns if c.unit == unit.id and c.domain))
            for core in {unit_core(unit.short), unit_core(unit.name)}:
                unit.policy_leads.update(self.leads.get(core, {}))
            if unit.kind == "department":
                unit.lead = doms
            else:
                unit.share = doms
            for dom in doms:
                if dom in unit.policy_leads:
                    unit.evidence.append(f"{dom}: it holds the column, and plans name its kind of unit as 牵头单位 "
                                         f"({unit.policy_leads[dom]})")
                else:
                    unit.evidence.append(f"{dom}: it holds the column")
            others = [d for d in unit.policy_leads if d not in doms]
            if others:
                unit.evidence.append("plans name its kind of unit as 牵头单位 of " + ", ".join(others)
                                     + " too, but no column of it was found (not added)")


def build_draft(sitemap: SiteMap, catalog: Catalog, index: ColumnDomainIndex,
                leads: dict[str, dict[str, str]] | None = None, start_urls: list[str] | None = None) -> Draft:
    """The draft registry of a crawled portal; the first start URL is the district portal."""
    return _Builder(sitemap, catalog, index, leads or {}, list(start_urls or [])).build()

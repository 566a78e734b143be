"""Read a portal's structure off the recorded pages: breadcrumbs, list pages, column paths, item issuers.

Pure functions over PageRecords (no network), so saved real pages are analysed exactly like a live
crawl. A list page is a column when its items live under it (or its CMS marks it as a column); a
site's home page and section pages that show a few items of several columns are not columns.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from auditor.discover.pages import PageRecord
from auditor.discover.spider import PAGER, ROOT_PATHS, page_links
from auditor.harvest.adapters import ListEntry, detect_adapter
from auditor.harvest.adapters._html import clean, parse_html

CRUMB_TOKENS = ("crumb", "position", "location", "weizhi", "dqwz", "curmb", "wz", "path", "daohang", "mianbao")
CRUMB_LABEL = re.compile(r"^\s*(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|现在位置|位置)\s*[:：]?\s*")
CRUMB_SPLIT = re.compile(r"\s*(?:>|＞|»|›|→|>>|-&gt;|/)\s*")
HOME_WORDS = {"首页", "网站首页", "主页", "门户首页", "返回首页"}
GOVERNMENT = re.compile(r"([\u4e00-\u9fff]{1,8}?[区县市旗])人民政府")
PLATFORM_ADAPTERS = {"hanweb_ajax", "col_art", "json_list", "xxgk_table"}  # adapters that only fire on real lists


@dataclass
class ListFacts:
    """A page read as a list: which adapter, its entries, and whether it reads as one column."""

    adapter: str
    entries: list[ListEntry]
    total_pages: int | None
    under_share: float  # share of entries whose URL lies under the list page's folder


@dataclass
class PageFacts:
    """What a page says about the site's structure."""

    url: str
    host: str
    title: str = ""
    site_name: str = ""
    column_meta: str = ""
    breadcrumb: list[str] = field(default_factory=list)
    is_home: bool = False
    listing: ListFacts | None = None
    publisher: str | None = None  # detail pages: 发布机构
    anchors_in: list[str] = field(default_factory=list)  # texts of links pointing here
    referrer: str | None = None
    anchor: str = ""
    role: str = "nav"
    status: int | None = None
    error: str | None = None
    governments: Counter = field(default_factory=Counter)  # 某某县人民政府 named on the page (footer, title)

    @property
    def is_column(self) -> bool:
        """A list page of one column (not a home page, not a section page with blocks of items)."""
        lf = self.listing
        if lf is None or self.is_home or self.role == "detail" or PAGER.search(self.url):
            return False
        if lf.adapter in PLATFORM_ADAPTERS:
            return True
        if not lf.entries:  # a blank column: only a list shell that states its own page count (TRS script)
            return lf.adapter == "static_paging" and lf.total_pages is not None
        return lf.under_share >= 0.6 or lf.total_pages is not None


def _tokens(el: etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".lower()


def breadcrumb_of(root: etree._Element | None) -> list[str]:
    """Segments of the page's 当前位置 trail, outermost first, without 首页 and the label."""
    if root is None:
        return []
    candidates: list[etree._Element] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "head", "title", "html", "body"):
            continue
        toks = _tokens(el)
        own = (el.text or "").strip()
        if any(t in toks for t in CRUMB_TOKENS) and el.tag not in ("ul", "table") or CRUMB_LABEL.match(own):
            text = clean(el.text_content())
            if 2 <= len(text) <= 200 and (">" in text or "＞" in text or "»" in text or "›" in text
                                          or CRUMB_LABEL.match(text)):
                candidates.append(el)
    if not candidates:
        return []
    best = min(candidates, key=lambda e: len(clean(e.text_content())))
    text = CRUMB_LABEL.sub("", clean(best.text_content()))
    segs = [s.strip() for s in CRUMB_SPLIT.split(text) if s.strip()]
    out: list[str] = []
    for seg in segs:
        if seg in HOME_WORDS or (out and out[-1] == seg):
            continue
        out.append(seg)
    return out


def _meta(root: etree._Element | None, name: str) -> str:
    if root is None:
        return ""
    for m in root.iter("meta"):
        if (m.get("name") or "").lower() == name.lower():
            return clean(m.get("content"))
    return ""


def _folder(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc + parts.path.rsplit("/", 1)[0] + "/"


def _under_share(url: str, entries: list[ListEntry]) -> float:
    if not entries:
        return 0.0
    here = urlsplit(url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    under = sum(1 for e in entries if urlsplit(e.url).netloc == here.netloc and urlsplit(e.url).path.startswith(folder)
                and folder != "/")
    return under / len(entries)


def analyse_page(record: PageRecord) -> PageFacts:
    """The facts of one recorded page (never raises: an unreadable page gives empty facts)."""
    parts = urlsplit(record.url)
    facts = PageFacts(url=record.url, host=parts.netloc, referrer=record.referrer, anchor=record.anchor,
                      role=record.role, status=record.status, error=record.error)
    if not record.ok:
        return facts
    root = parse_html(record.text)
    if root is None:
        return facts
    facts.is_home = parts.path in ROOT_PATHS and not parts.query
    title = root.find(".//title")
    facts.title = clean(title.text_content()) if title is not None else ""
    facts.site_name = _meta(root, "SiteName")
    facts.column_meta = _meta(root, "ColumnName")
    facts.breadcrumb = breadcrumb_of(root)
    facts.governments = Counter(GOVERNMENT.findall(" ".join([facts.site_name, facts.title,
                                                                 clean(root.text_content())[-3000:]])))
    if record.role == "detail":
        from auditor.harvest.extract import extract_detail

        try:
            pub = extract_detail(record.text, record.url).publisher.value
        except Exception:  # noqa: BLE001 - a detail page we cannot read names no issuer
            pub = None
        facts.publisher = str(pub) if pub else None
        return facts
    adapter = detect_adapter(record.url, record.text)
    try:
        page = adapter.parse_list(record.url, record.text)
    except Exception:  # noqa: BLE001 - not a list this adapter can read
        return facts
    if page.entries or adapter.name in PLATFORM_ADAPTERS or (adapter.name == "static_paging"
                                                              and "createPageHTML" in record.text):
        facts.listing = ListFacts(adapter.name, page.entries, page.total_pages,
                                  _under_share(record.url, page.entries))
    return facts


@dataclass
class SiteMap:
    """Every analysed page of a discovery crawl, with the link texts pointing at each page."""

    pages: dict[str, PageFacts]
    failed: list[PageFacts]

    def columns(self) -> list[PageFacts]:
        """Column pages, without section pages that list the latest items of the columns below them."""
        lists = [p for p in self.pages.values() if p.is_column]
        folders = {p.url: _folder(p.url) for p in lists}
        return [p for p in lists
                if sum(1 for q in lists if q.url != p.url and folders[q.url] != folders[p.url]
                       and folders[q.url].startswith(folders[p.url])) < 2]

    def details_of(self, list_url: str) -> list[PageFacts]:
        """Item pages read of this list (the crawl may have reached them from another page first)."""
        page = self.pages.get(list_url)
        listed = {e.url for e in page.listing.entries} if page is not None and page.listing else set()
        return [p for p in self.pages.values() if p.role == "detail" and (p.referrer == list_url or p.url in listed)]

    def homes(self) -> list[PageFacts]:
        return [p for p in self.pages.values() if p.is_home]


def analyse(records: list[PageRecord]) -> SiteMap:
    """Facts for every page, plus the texts of every link pointing at each page."""
    pages: dict[str, PageFacts] = {}
    failed: list[PageFacts] = []
    inbound: dict[str, list[str]] = defaultdict(list)
    for rec in records:
        facts = analyse_page(rec)
        if rec.ok:
            pages[rec.url] = facts
            if rec.role != "detail":
                for url, text in page_links(rec.url, rec.text):
                    if text:
                        inbound[url].append(text)
        elif rec.status != 304:
            failed.append(facts)
    for url, facts in pages.items():
        facts.anchors_in = list(dict.fromkeys(inbound.get(url, [])))
    return SiteMap(pages, failed)


def column_path(page: PageFacts, sitemap: SiteMap) -> tuple[list[str], str]:
    """The column's path (outermost first, ending with its name) and where it was read.

    Best: the page's own breadcrumb. Else a link text written as a path (站点地图 / 栏目导航 lists
    'A > B > C'). Else the chain of link texts that led here.
    """
    if page.breadcrumb:
        return page.breadcrumb, "breadcrumb"
    for text in page.anchors_in:
        segs = [s for s in CRUMB_SPLIT.split(text) if s and s not in HOME_WORDS]
        if len(segs) >= 2:
            return segs, "link text path"
    chain: list[str] = []
    seen: set[str] = set()
    cur: PageFacts | None = page
    while cur is not None and cur.url not in seen and not cur.is_home:
        seen.add(cur.url)
        name = cur.anchor or cur.column_meta
        if name:
            chain.insert(0, name)
        cur = sitemap.pages.get(cur.referrer or "")
    return chain, "link chain"


def column_name(page: PageFacts, path: list[str]) -> str:
    """ColumnName meta, else the path's last segment, else the link text, else the title's first part."""
    for name in (page.column_meta, path[-1] if path else "", page.anchor,
                 re.split(r"[_\-|｜—]", page.title)[0] if page.title else ""):
        if name and name.strip():
            return name.strip()
    return page.url


def common_publisher(details: list[PageFacts]) -> str | None:
    names = Counter(d.publisher for d in details if d.publisher)
    return names.most_common(1)[0][0] if names else None

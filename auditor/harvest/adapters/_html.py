"""Shared HTML helpers: parsing that never raises, and the list-container heuristic.

Government list pages put the items in one `ul`/`table`/`dl` among many navigation lists. The
item rows are recognised by what navigation lacks: a date next to the link, or a link that
looks like a detail page (TRS `t20260315_1.html`, Hanweb `art_12_34.html`, dated folders).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from .base import ListEntry, NotAListPage

DATE_RE = re.compile(r"(?:19|20)\d{2}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*日?")
DETAIL_HREF_RE = re.compile(
    r"(?:/t(?:19|20)\d{6}_\d+\.s?html?"  # TRS
    r"|art_\d+_\d+\.s?html?"  # Hanweb
    r"|(?:^|/)(?:19|20)\d{2}-?\d{2}-?\d{2}/[^/]+\.s?html?"  # dated folder (EmpireCMS, DEDE)
    r"|(?:^|/)(?:19|20)\d{2}(?:0[1-9]|1[0-2])/[^/]+\.s?html?"  # YYYYMM folder
    r"|/(?:19|20)\d{2}/\d{1,2}/\d{1,2}/"  # YYYY/M/D path
    r"|(?:content|post|art|doc|news|info)_\d+\.s?html?"
    r"|/\d{4,}\.s?html?$)",
    re.IGNORECASE,
)
NAV_TOKENS = ("nav", "menu")
NAV_CLASSES = {"header", "footer", "top", "foot", "crumb", "breadcrumb", "curmb", "position",
               "location", "dqwz", "yqlj", "friendlink", "links", "sitemap"}
ROW_TAGS = ("li", "tr", "dl")
_WS = re.compile(r"\s+")


def parse_html(text: str) -> etree._Element | None:
    """Parse leniently; None for empty or unparseable text (the caller reports 0 entries)."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text or "")
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def clean(text: str | None) -> str:
    """Collapse whitespace (incl. &nbsp;) so titles compare equal to what a reader sees."""
    return _WS.sub(" ", text or "").strip()


def cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def find_date(text: str) -> str | None:
    m = DATE_RE.search(text or "")
    return _WS.sub("", m.group(0)) if m else None


def usable_href(href: str | None) -> bool:
    if not href:
        return False
    h = href.strip().lower()
    return not (h.startswith(("javascript:", "mailto:", "tel:", "#")) or h == "")


def anchor_title(a: etree._Element) -> str:
    """a@title when present (lists truncate long titles with …), else the link text."""
    return clean(a.get("title")) or clean(a.text_content())


def is_nav(el: etree._Element) -> bool:
    """True when the element or an ancestor is page chrome (menus, header, footer, breadcrumb)."""
    for node in el.iterancestors():
        if not isinstance(node.tag, str):
            continue
        if node.tag in ("nav", "header", "footer"):
            return True
        tokens = f"{node.get('class', '')} {node.get('id', '')}".lower().split()
        for tok in tokens:
            if tok in NAV_CLASSES or any(t in tok for t in NAV_TOKENS):
                return True
    return False


def row_anchor(row: etree._Element) -> etree._Element | None:
    """The row's main link: the usable anchor with the longest title."""
    best, best_len = None, -1
    for a in row.iter("a"):
        if usable_href(a.get("href")):
            n = len(anchor_title(a))
            if n > best_len:
                best, best_len = a, n
    return best


def date_outside(row: etree._Element, anchor: etree._Element) -> str | None:
    """The date in the row's text outside its links (titles often contain dates themselves)."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.tag == "a" or not isinstance(node.tag, str):
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(row)
    return find_date(" ".join(parts))


_BLOCKS = ("div", "li", "tr", "dl", "ul", "ol", "table", "p")


def _div_row(div: etree._Element) -> bool:
    """A `div` that is one list row: `<div><a>标题</a><p>2017-10-13</p></div>` (万载县 2017).

    Only small leaf divs qualify (a link among at most four children, no nested rows), so page
    wrappers never become rows."""
    children = [c for c in div if isinstance(c.tag, str)]
    if not children or len(children) > 4:
        return False
    if not any(c.tag == "a" or (c.tag in ("span", "p", "h3", "h4", "em", "strong") and c.find(".//a") is not None)
               for c in children):
        return False
    return not any(isinstance(d.tag, str) and d.tag in _BLOCKS for d in div.iterdescendants()
                   if d.tag != "p")


def _rows(root: etree._Element) -> Iterator[etree._Element]:
    for tag in ROW_TAGS:
        yield from root.iter(tag)
    yield from (d for d in root.iter("div") if _div_row(d))


def candidate_rows(root: etree._Element, *, min_cjk: int, need_date: bool) -> dict:
    """Group qualifying rows by their parent container: {parent: [(row, anchor, date)]}."""
    groups: dict[etree._Element, list] = {}
    for row in _rows(root):
        a = row_anchor(row)
        if a is None:
            continue
        title = anchor_title(a)
        if cjk_count(title) < min_cjk and len(title) < min_cjk * 2:
            continue
        date = date_outside(row, a)
        detail_like = bool(DETAIL_HREF_RE.search(a.get("href", "")))
        if need_date and not date:
            continue
        if not (date or detail_like):
            continue
        parent = row.getparent()
        if parent is not None and parent.tag == "tbody":
            parent = parent.getparent()
        groups.setdefault(parent, []).append((row, a, date))
    return {p: rows for p, rows in groups.items() if p is not None and not is_nav(rows[0][0])}


def entries_from_rows(url: str, rows: Iterable) -> list[ListEntry]:
    out: list[ListEntry] = []
    seen: set[str] = set()
    for _row, a, date in rows:
        link = urljoin(url, a.get("href", "").strip())
        if link in seen:
            continue
        seen.add(link)
        out.append(ListEntry(url=link, title=anchor_title(a), date_text=date))
    return out


def list_entries(url: str, root: etree._Element | None, *, min_cjk: int = 2,
                 need_date: bool = False) -> list[ListEntry]:
    """Entries of the largest qualifying list container on the page."""
    if root is None:
        return []
    groups = candidate_rows(root, min_cjk=min_cjk, need_date=need_date)
    if not groups:
        return []
    best = max(groups.values(), key=len)  # max() keeps the first of equals: document order
    return entries_from_rows(url, best)


def fragment_entries(url: str, html_fragments: Iterable[str]) -> list[ListEntry]:
    """Entries from standalone record fragments (Hanweb CDATA records): one link per record."""
    out: list[ListEntry] = []
    seen: set[str] = set()
    for frag in html_fragments:
        if not frag.strip():
            continue
        try:
            node = lxml.html.fragment_fromstring(frag, create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        a = row_anchor(node)
        if a is None:
            continue
        link = urljoin(url, a.get("href", "").strip())
        if link in seen:
            continue
        seen.add(link)
        out.append(ListEntry(url=link, title=anchor_title(a), date_text=date_outside(node, a)))
    return out


EMPTY_MARKERS = ("暂无", "没有相关", "无相关", "无记录", "没有记录", "没有找到", "无数据", "无信息")
MIN_HUB_LINKS = 3


def sub_column_links(url: str, root: etree._Element) -> list[tuple[str, str]]:
    """(name, url) of links to sub-columns: folders below this column page's own folder."""
    here = urlsplit(url)
    base_dir = here.path if here.path.endswith("/") else here.path.rsplit("/", 1)[0] + "/"
    found: dict[str, str] = {}
    if base_dir == "/":  # the site's top folders are its main menu, not sub-columns of this page
        return []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not usable_href(href) or is_nav(a):
            continue
        target = urlsplit(urljoin(url, href))
        path = target.path
        if target.netloc != here.netloc or target.query or not path.startswith(base_dir) or path == base_dir:
            continue
        rest = path[len(base_dir):]
        if rest.endswith("/"):
            rest = rest[:-1]
        elif rest.endswith(("/index.html", "/index.htm", "/index.shtml")):
            rest = rest.rsplit("/", 1)[0]
        else:
            continue
        if rest and "/" not in rest:
            found.setdefault(path, clean(a.text_content()) or rest)
    return [(name, link) for link, name in found.items()]


def raise_if_hub(url: str, root: etree._Element | None, entries: list, declared: bool) -> None:
    """A column page with no entries, no declared size and no "暂无信息" marker that links to several
    sub-columns is a navigation hub (柘城县 /xxgk/zdly/ 2018): say so instead of reading it as empty."""
    if entries or declared or root is None or list_entries(url, root):
        return  # list_entries: some dated/detail-like list is there, only this adapter did not read it
    text = clean(root.text_content())
    if any(marker in text for marker in EMPTY_MARKERS):
        return
    subs = sub_column_links(url, root)
    if len(subs) >= MIN_HUB_LINKS:
        names = "、".join(name for name, _ in subs[:4])
        raise NotAListPage(f"栏目页是导航页，没有条目列表，列出{len(subs)}个子栏目（{names}等）；"
                           f"请在名册中登记子栏目的列表页")

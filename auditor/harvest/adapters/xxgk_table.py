"""信息公开目录 tables: one row per document, columns named by a header row.

Column order differs between platforms (序号/索引号/标题/发布机构/生成日期/发布日期, or
标题/文号/发布日期 …), so cells are mapped by header text, never by position. The publish date
comes from the 发布日期 column only: falling back to 生成日期 would report a date the site does
not show as the publish date. TRS xxgk shells use `dl/dt` "tables" with the same headers.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import etree

from ._html import anchor_title, clean, find_date, parse_html, raise_if_hub, row_anchor
from .base import ListAdapter, ListEntry, ListPage
from .declared import declared_size
from .static_paging import link_pager, unread_pager

TITLE_HEADERS = ("标题", "名称", "文件名称", "信息名称")
DATE_HEADERS = ("发布日期", "发布时间", "公开日期", "公开时间", "日期", "时间", "生成日期", "成文日期")
_HEADER_HINT = re.compile(r"索引号|日期|时间|发布机构|文号")


def _cells(row: etree._Element) -> list[etree._Element]:
    tags = ("dt", "dd") if row.tag == "dl" else ("th", "td")
    return [c for c in row if isinstance(c.tag, str) and c.tag in tags]


def _header_map(row: etree._Element) -> dict[str, int] | None:
    """Column index by header text, when the row is a header row (标题 + a date/索引号 column)."""
    texts = [clean(c.text_content()).replace(" ", "") for c in _cells(row)]
    if len(texts) < 2 or any(len(t) > 8 for t in texts):
        return None
    title_col = next((i for i, t in enumerate(texts) if t in TITLE_HEADERS), None)
    if title_col is None or not any(_HEADER_HINT.search(t) for t in texts):
        return None
    mapping = {"title": title_col}
    for name in DATE_HEADERS:
        if name in texts:
            mapping["date"] = texts.index(name)
            break
    return mapping


def _header_rows(root: etree._Element):
    for row in root.iter("tr", "dl"):
        mapping = _header_map(row)
        if mapping:
            yield row, mapping


def _data_rows(header: etree._Element):
    """Rows after the header in the same table (tbody or not), or dl siblings/cousins."""
    if header.tag == "tr":
        table = next((a for a in header.iterancestors("table")), None)
        if table is None:
            return []
        return [r for r in table.iter("tr") if r is not header and
                next(r.iterancestors("table"), None) is table]
    container = header.getparent()
    holder = container.getparent() if container is not None else None
    scope = holder if holder is not None else container
    return [d for d in scope.iter("dl") if d is not header]


def table_entries(url: str, root: etree._Element | None) -> list[ListEntry] | None:
    """Entries of the first 信息公开目录 table; None when the page has no such table."""
    if root is None:
        return None
    found = False
    for header, mapping in _header_rows(root):
        found = True
        out: list[ListEntry] = []
        seen: set[str] = set()
        for row in _data_rows(header):
            cells = _cells(row)
            if len(cells) <= mapping["title"]:
                continue
            a = row_anchor(cells[mapping["title"]])
            if a is None:
                continue
            link = urljoin(url, a.get("href", "").strip())
            if link in seen:
                continue
            seen.add(link)
            date = None
            if "date" in mapping and mapping["date"] < len(cells):
                date = find_date(cells[mapping["date"]].text_content())
            out.append(ListEntry(url=link, title=anchor_title(a), date_text=date))
        if out:
            return out
    return [] if found else None


class XxgkTableAdapter(ListAdapter):
    """Standalone 信息公开目录 tables (platform unknown); paging from pager links if any."""

    name = "xxgk_table"

    def detect(self, url: str, text: str) -> bool:
        if "标题" not in text or not _HEADER_HINT.search(text):
            return False
        root = parse_html(text)
        return root is not None and next(_header_rows(root), None) is not None

    def parse_list(self, url: str, text: str) -> ListPage:
        root = parse_html(text)
        entries = table_entries(url, root) or []
        total, nxt = link_pager(url, root)
        raise_if_hub(url, root, entries, bool(total or declared_size(text)))
        return ListPage(entries=entries, next_requests=nxt, total_pages=total, adapter=self.name,
                        pager_unread=unread_pager(url, root, total, nxt))

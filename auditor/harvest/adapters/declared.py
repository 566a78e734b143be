"""What a list page says of its own size: the only way to know a column was read whole.

Real CMSs state it in many ways — EmpireCMS `Total record <b>175</b>`, TRS `createPageHTML(9, 0, …)`
and `countnum=6348; countPage=56`, Hanweb `<totalrecord>`/`<totalpage>`, gkmlpt-style JSON `total`,
and most templates 共N条 / 共N页 / 第x页/共y页. This module reads all of them from the raw text, so
every adapter (and the crawler, for adapters that do not say) gets the same answer. Pure functions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[\s\u3000\xa0]+")

# (pattern on tag-stripped text, what it counts); the first that matches wins for each kind.
_ITEM_PATTERNS = (
    re.compile(r"Total\s*record\s*:?\s*(\d{1,7})", re.I),
    re.compile(r"共\s*有?\s*(\d{1,7})\s*条"),
    re.compile(r"(?:总|共有?)\s*记录\s*(?:数|条数)?\s*[:：]?\s*(\d{1,7})"),
    re.compile(r"(?:信息|记录|文章)\s*总数\s*[:：]?\s*(\d{1,7})"),
    re.compile(r"(\d{1,7})\s*条记录"),
)
_PAGE_PATTERNS = (
    re.compile(r"第\s*\d{1,5}\s*页\s*[/／]\s*共\s*(\d{1,5})\s*页"),
    re.compile(r"共\s*(\d{1,5})\s*页"),
    re.compile(r"\b\d{1,5}\s*/\s*(\d{1,5})\s*页"),
    re.compile(r"页次\s*[:：]?\s*\d{1,5}\s*/\s*(\d{1,5})"),
)
# in scripts and markup, on the raw text
_RAW_ITEMS = (
    re.compile(r"Total\s*record['\"]?\s*>(?:\s|&nbsp;|<[^>]{0,40}>)*(\d{1,7})", re.I),  # EmpireCMS title attr
    re.compile(r"<totalrecord>\s*(\d{1,7})\s*</totalrecord>", re.I),
    re.compile(r"\b(?:countnum|totalRecord|recordCount|totalCount|totalNum)\s*[=:]\s*['\"]?(\d{1,7})", re.I),
    re.compile(r"\"(?:total|totalcount|totalrecord|totalrecords|recordcount|totalelements)\"\s*:\s*(\d{1,7})",
               re.I),
)
_RAW_PAGES = (
    re.compile(r"<totalpage>\s*(\d{1,5})\s*</totalpage>", re.I),
    re.compile(r"createPageHTML\s*\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d{1,5})\s*,"),
    re.compile(r"\b(?:countPage|totalPage|pageCount|totalPages|maxPageNum)\s*[=:]\s*['\"]?(\d{1,5})", re.I),
    re.compile(r"\"(?:totalpage|totalpages|pagecount|pagetotal)\"\s*:\s*(\d{1,5})", re.I),
)


@dataclass(frozen=True)
class DeclaredSize:
    """The list's own statement of its size, with the text it was read from (evidence)."""

    total_items: int | None = None
    total_pages: int | None = None
    evidence: str = ""

    def __bool__(self) -> bool:
        return self.total_items is not None or self.total_pages is not None


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> tuple[int, str] | None:
    """The first pattern that matches; its first non-zero value (scripts initialise counters to 0
    before setting them: `var maxPageNum=0; … maxPageNum = 199;`), else its zero."""
    for pattern in patterns:
        zero = None
        for m in pattern.finditer(text):
            if int(m.group(1)):
                return int(m.group(1)), m.group(0)
            zero = zero or (0, m.group(0))
        if zero:
            return zero
    return None


def shown_page_count(shown: str) -> int | None:
    """The page count a pager shows in its text (共N页, 1/30页, 页次：1/14 …), None when it shows none."""
    found = _first(_PAGE_PATTERNS, shown)
    return found[0] if found else None


def plain_text(text: str) -> str:
    """Markup removed, entities decoded, whitespace collapsed: `共<b>175</b>条` reads as 共 175 条."""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text)))


def declared_size(text: str) -> DeclaredSize:
    """Items and pages the list page declares, from scripts/markup first, then the visible pager text."""
    raw_items = _first(_RAW_ITEMS, text)
    raw_pages = _first(_RAW_PAGES, text)
    shown = plain_text(text)
    items = raw_items or _first(_ITEM_PATTERNS, shown)
    pages = raw_pages or _first(_PAGE_PATTERNS, shown)
    if items and items[0] == 0 and pages is None:
        return DeclaredSize(0, None, items[1].strip())
    evidence = "; ".join(e[1].strip()[:80] for e in (items, pages) if e)
    return DeclaredSize(items[0] if items else None, pages[0] if pages else None, evidence)

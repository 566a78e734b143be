"""JSON list APIs (TRS 检索 API, 开普云, custom `/api/list?page=N` endpoints).

Shapes differ by vendor (`data.list`, `rows`, `result.records`, `datas` …), so the adapter looks
for the list of objects that best carries a title-ish and a URL-ish key anywhere in the
document, and reads paging from the count keys next to it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from ._html import clean
from .base import ListAdapter, ListEntry, ListPage, RequestSpec
from .static_paging import PAGE_PARAMS, _with_param

TITLE_KEYS = ("title", "doctitle", "name", "subject", "headline", "bt", "wjmc", "xxmc")
URL_KEYS = ("url", "docurl", "link", "chnldocurl", "docpuburl", "puburl", "href", "linkurl",
            "detailurl", "external_url")
DATE_KEYS = ("pubdate", "pub_date", "publishtime", "publishdate", "docreltime", "date",
             "date_published", "releasetime", "reltime", "fbrq", "fbsj", "createtime", "time",
             "updated", "published")
PAGES_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "pagetotal")
COUNT_KEYS = ("total", "totalcount", "totalrecord", "totalrecords", "recordcount",
              "totalelements", "totalnum", "count")
SIZE_KEYS = ("pagesize", "perpage", "size", "limit", "rows_per_page")
_TAG = re.compile(r"<[^>]+>")


def _pick(obj: dict, keys: tuple[str, ...]) -> Any:
    lower = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        val = lower.get(key)
        if val not in (None, ""):
            return val
    return None


def _lists(node: Any, parent: dict | None = None):
    """Every list of objects in the document, with the object that holds it."""
    if isinstance(node, dict):
        for val in node.values():
            yield from _lists(val, node)
    elif isinstance(node, list):
        if node and all(isinstance(x, dict) for x in node):
            yield node, parent
        for val in node:
            yield from _lists(val, parent)


def _score(records: list[dict]) -> int:
    return sum(1 for r in records if _pick(r, TITLE_KEYS) and _pick(r, URL_KEYS))


def find_records(doc: Any) -> tuple[list[dict], dict | None]:
    best: tuple[list[dict], dict | None] = ([], None)
    for records, parent in _lists(doc):
        if _score(records) > _score(best[0]):
            best = (records, parent)
    return best


def _int(val: Any) -> int | None:
    try:
        return int(str(val).strip())
    except (TypeError, ValueError):
        return None


def records_to_entries(url: str, records: list[dict]) -> list[ListEntry]:
    out, seen = [], set()
    for rec in records:
        title, link = _pick(rec, TITLE_KEYS), _pick(rec, URL_KEYS)
        if not title or not link or not isinstance(link, str):
            continue
        link = urljoin(url, link.strip())
        if link in seen:
            continue
        seen.add(link)
        date = _pick(rec, DATE_KEYS)
        out.append(ListEntry(link, clean(_TAG.sub("", str(title))),
                             None if date is None else str(date)))
    return out


def load_json(text: str) -> Any:
    stripped = (text or "").strip().lstrip("\ufeff")
    m = re.fullmatch(r"[\w$.]+\s*\((.*)\)\s*;?", stripped, re.S)  # JSONP
    if m:
        stripped = m.group(1)
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


class JsonListAdapter(ListAdapter):
    name = "json_list"

    def detect(self, url: str, text: str) -> bool:
        doc = load_json(text)
        return doc is not None and _score(find_records(doc)[0]) > 0

    def parse_list(self, url: str, text: str) -> ListPage:
        doc = load_json(text)
        records, parent = find_records(doc) if doc is not None else ([], None)
        entries = records_to_entries(url, records)
        total = self._total_pages(doc, parent, len(records))
        return ListPage(entries, self._next(url, total), total, self.name)

    @staticmethod
    def _total_pages(doc: Any, parent: dict | None, n: int) -> int | None:
        for holder in (parent, doc if isinstance(doc, dict) else None):
            if not holder:
                continue
            pages = _int(_pick(holder, PAGES_KEYS))
            if pages is not None:
                return pages
            count = _int(_pick(holder, COUNT_KEYS))
            size = _int(_pick(holder, SIZE_KEYS)) or n
            if count is not None and size:
                return max(1, math.ceil(count / size))
        return None

    @staticmethod
    def _next(url: str, total: int | None) -> list[RequestSpec]:
        if not total or total < 2:
            return []
        query = dict(parse_qsl(urlsplit(url).query))
        key = next((k for k in PAGE_PARAMS if k in query and query[k].isdigit()), None)
        if key is None:
            return []
        current = int(query[key])
        if current > 1:
            return []
        start = current  # 0- or 1-based, whichever the first request used
        return [RequestSpec(_with_param(url, key, i)) for i in range(start + 1, start + total)]

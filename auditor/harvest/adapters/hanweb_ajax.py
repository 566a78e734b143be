"""Hanweb (大汉) jpage lists: records inline as CDATA in a `<datastore>`, the rest via dataproxy.jsp.

The column page `/col/colN/index.html` carries the first records in
`<script type="text/xml"><datastore>…<record><![CDATA[<li>…</li>]]></record>…`, and the jpage
call (`totalRecord`, `perPage`, `ajaxParam`/nextgroup with columnid, unitid, webid …) that the
browser uses to POST `/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`
with form fields. The XML answer has the same records plus `<totalrecord>`/`<totalpage>`.
One adapter reads both, so the crawler can feed it the column page and every proxy answer.
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from ._html import fragment_entries
from .base import ListAdapter, ListPage, RequestSpec

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_XML_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_XML_PAGES = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.I)
_FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid",
              "webname", "permissiontype")


def _js_value(text: str, *names: str) -> str | None:
    """`name: 12`, `name = '12'`, `"name":"x"` in inline scripts (first match wins)."""
    for name in names:
        m = re.search(rf"""["']?\b{name}\b["']?\s*[:=]\s*(?:"([^"]*)"|'([^']*)'|([\w.%/-]+))""",
                      text, re.I)
        if m:
            return next(g for g in m.groups() if g is not None)
    return None


def _form_fields(url: str, text: str) -> dict[str, str]:
    """The dataproxy form: defaults < script values (ajaxParam) < the nextgroup link."""
    fields = {"col": "1", "appid": "1", "webid": "1", "path": "/", "sourceContentType": "1",
              "permissiontype": "0"}
    col = re.search(r"/col/col(\d+)/", url)
    if col:
        fields["columnid"] = col.group(1)
    for key in ("columnid", "unitid", "webid", "webname"):
        val = _js_value(text, key)
        if val:
            fields[key] = val
    m = _NEXTGROUP.search(text)
    href = re.search(r"""href\s*=\s*["']([^"']+)""", m.group(1)) if m else None
    if href:
        query = urlsplit(html.unescape(href.group(1))).query
        for key, val in parse_qsl(query, keep_blank_values=True):
            if key in _FORM_KEYS:
                fields[key] = val
    if "webname" in fields:
        fields["webname"] = unquote(unquote(fields["webname"]))
    return fields


def _records(text: str) -> list[str]:
    return _RECORD.findall(text)


class HanwebAjaxAdapter(ListAdapter):
    name = "hanweb_ajax"

    def detect(self, url: str, text: str) -> bool:
        return "<datastore" in text.lower() or (
            "dataproxy.jsp" in url and "<record" in text.lower())

    def parse_list(self, url: str, text: str) -> ListPage:
        entries = fragment_entries(url, _records(text))
        if "dataproxy.jsp" in urlsplit(url).path or _XML_TOTAL.search(text):
            return self._proxy_answer(entries, text)
        val = _js_value(text, "totalRecord")
        total_records = int(val) if val and val.isdigit() else None
        per = _js_value(text, "perPage", "pageSize")
        per_page = int(per) if per and per.isdigit() and int(per) > 0 else max(len(entries), 1)
        if total_records is None:
            return ListPage(entries, [], None, self.name)  # no count: page total unknown
        pages = max(1, math.ceil(total_records / per_page))
        fields = _form_fields(url, text)
        proxy = urljoin(url, PROXY_PATH)
        nxt = []
        start = len(_records(text)) + 1
        while start <= total_records:
            end = min(start + per_page - 1, total_records)
            nxt.append(RequestSpec(
                f"{proxy}?startrecord={start}&endrecord={end}&perpage={per_page}",
                method="POST", formdata=dict(fields)))
            start = end + 1
        return ListPage(entries, nxt, pages, self.name, declared_total=total_records)

    def _proxy_answer(self, entries, text: str) -> ListPage:
        pages = _XML_PAGES.search(text)
        return ListPage(entries, [], int(pages.group(1)) if pages else None, self.name)

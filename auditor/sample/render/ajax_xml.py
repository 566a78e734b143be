"""Hanweb jpage style: first records inline in a `<datastore>`, the rest from dataproxy.jsp.

The column page embeds `<script type="text/xml"><datastore>` with one page of CDATA records and
the jpage call carrying totalRecord/perPage/ajaxParam; browsers then POST (or GET)
`/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P` with the column's form
fields and receive an XML `<datastore>` with `<totalrecord>`/`<totalpage>`. The proxy answer is
computed per request (any start/end), canonical page splits are also listed in `pages`.
"""

from __future__ import annotations

import math
from urllib.parse import quote

from auditor.sample.plan import PlanColumn, PlanSite

from .common import (
    EPOCH,
    Page,
    RenderedSite,
    SiteBuilder,
    breadcrumb,
    column_moment,
    content_type,
    encode,
    esc,
    html_page,
    list_date,
    shell,
)
from .hanweb import column_numbers, column_path, detail_path_for, unit_ids

THEME = "hanweb"
PROXY = "/module/web/jpage/dataproxy.jsp"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _js(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("<", "\\x3c")


class _Column:
    def __init__(self, site: PlanSite, column: PlanColumn, number: int,
                 item_paths: dict[tuple[str, str], str]) -> None:
        self.site, self.column, self.number = site, column, number
        self.records = []
        for item in column.items:
            when = list_date(item)
            span = f"<span>{when}</span>" if when else ""
            href = item_paths[(column.key, item.uid)]
            self.records.append(f'<li><a href="{esc(href)}" target="_blank" title="{esc(item.title)}">'
                                f"{esc(item.title)}</a>{span}</li>")

    def record_xml(self, start: int, end: int) -> str:
        return "".join(f"<record>{_cdata(r)}</record>\n" for r in self.records[start - 1:end])


def _proxy_answer(site: PlanSite, col: _Column | None, start: int, end: int, per: int) -> Page:
    total = len(col.records) if col else 0
    pages = math.ceil(total / per) if per > 0 else 0
    records = col.record_xml(start, end) if col else ""
    text = (f'<?xml version="1.0" encoding="{site.encoding}"?>\n<datastore>\n'
            f"<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
            f"<recordset>\n{records}</recordset>\n</datastore>\n")
    moment = column_moment(col.column) if col else EPOCH
    return Page(200, content_type(site, "text/xml"), encode(site, text), moment)


def _int(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def render(site: PlanSite) -> RenderedSite:
    numbers = column_numbers(site)
    webid, unitid = unit_ids(site)
    b = SiteBuilder(site, THEME, detail_path_for(numbers))
    per = site.page_size
    cols = {numbers[c.key]: _Column(site, c, numbers[c.key], b.item_paths) for c in site.columns}
    for column in site.columns:
        n = numbers[column.key]
        count = max(1, math.ceil(len(column.items) / per))
        b.column_pages[column.key] = [column_path(n)] + [
            f"{PROXY}?startrecord={(k - 1) * per + 1}&endrecord={min(k * per, len(column.items))}"
            f"&perpage={per}&columnid={n}&unitid={unitid}" for k in range(2, count + 1)]
    nav = b.nav()
    webname_q = quote(quote(site.name))
    for column in site.columns:
        n, col = numbers[column.key], cols[numbers[column.key]]
        total = len(col.records)
        next_group = (f"{PROXY}?page=1&appid=1&webid={webid}&path=/&columnid={n}&unitid={unitid}"
                      f"&webname={webname_q}&permissiontype=0")
        group_link = _cdata('<a href="' + next_group + '"></a>')
        datastore = (f'<div id="{unitid}"><script type="text/xml"><datastore>\n'
                     f"<nextgroup>{group_link}</nextgroup>\n"
                     f"<recordset>\n{col.record_xml(1, per)}</recordset>\n</datastore></script></div>")
        jpage = (
            '<script language="javascript" src="/module/jslib/jquery/jpage/jquery.jpage.js"></script>\n'
            "<script type=\"text/javascript\">\n$(document).ready(function(){\n"
            f"  $('#{unitid}').jpage({{\n    dataStore: null,\n    proxyUrl: '{PROXY}',\n"
            f"    totalRecord: {total},\n    perPage: {per},\n    groupSize: 1,\n"
            "    barPosition: 'bottom',\n    showMode: 'full',\n"
            "    dataBefore: '<ul class=\"list\">',\n    dataAfter: '</ul>',\n"
            f"    ajaxParam: {{col: 1, appid: 1, webid: {webid}, path: '/', columnid: {n}, "
            f"sourceContentType: 1, unitid: '{unitid}', webname: '{_js(site.name)}', "
            "permissiontype: 0}\n  });\n});\n</script>")
        body = (f"{breadcrumb(column, column_path(n))}\n"
                f'<div class="list-box"><div class="list-title">{esc(column.name)}</div>\n'
                f"{datastore}\n{jpage}</div>")
        text = shell(site, f"{column.name}_{site.name}", body,
                     metas={"ColumnName": column.name}, theme=THEME, nav=nav)
        b.add(column_path(n), html_page(site, text, column_moment(column)))
        for k in range(2, max(1, math.ceil(total / per)) + 1):
            start, end = (k - 1) * per + 1, min(k * per, total)
            b.add(f"{PROXY}?columnid={n}&endrecord={end}&perpage={per}&startrecord={start}",
                  _proxy_answer(site, col, start, end, per))

    def dynamic(path: str, params: dict[str, str]) -> Page | None:
        if path != PROXY:
            return None
        col = cols.get(_int(params.get("columnid"), -1))
        size = max(1, _int(params.get("perpage"), per))
        if "startrecord" in params:
            start = max(1, _int(params.get("startrecord"), 1))
            end = _int(params.get("endrecord"), start + size - 1)
        else:
            page_no = max(1, _int(params.get("page"), 1))
            start, end = (page_no - 1) * size + 1, page_no * size
        return _proxy_answer(site, col, start, end, size)

    return b.finish(dynamic)

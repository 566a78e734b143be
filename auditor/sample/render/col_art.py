"""Hanweb 政府信息公开 style without AJAX: a 信息公开目录 table, `?uid=U&pageNum=K` paging.

List pages are `/col/col<N>/index.html` then `/col/col<N>/index.html?uid=<unitid>&pageNum=2` …;
rows are a table with 序号/索引号/标题/发布机构/生成日期/发布日期, details `/art/Y/M/D/art_N_M.html`.
"""

from __future__ import annotations

import math

from auditor.sample.plan import PlanColumn, PlanSite

from .common import RenderedSite, SiteBuilder, breadcrumb, column_moment, esc, html_page, list_date, shell
from .hanweb import column_numbers, column_path, detail_path_for, unit_ids

THEME = "xxgk"
HEADERS = ("序号", "索引号", "标题", "发布机构", "生成日期", "发布日期")


def page_url(number: int, unitid: int, k: int) -> str:
    base = column_path(number)
    return base if k == 1 else f"{base}?uid={unitid}&pageNum={k}"


def _pager(number: int, unitid: int, k: int, count: int, total: int) -> str:
    parts = [f"<span>共 {count} 页</span>", f"<span>共 {total} 条</span>"]
    if k > 1:
        parts += [f'<a href="{esc(page_url(number, unitid, 1))}">首页</a>',
                  f'<a href="{esc(page_url(number, unitid, k - 1))}">上一页</a>']
    if k < count:
        parts += [f'<a href="{esc(page_url(number, unitid, k + 1))}">下一页</a>',
                  f'<a href="{esc(page_url(number, unitid, count))}">尾页</a>']
    return '<div class="pagination">' + " ".join(parts) + "</div>"


def _table(column: PlanColumn, chunk, offset: int, item_paths) -> str:
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    rows = []
    for i, item in enumerate(chunk, offset + 1):
        href = item_paths[(column.key, item.uid)]
        written = item.written_date.isoformat() if item.written_date and item.show_written else ""
        cells = (str(i), esc(item.index_no),
                 f'<a href="{esc(href)}" target="_blank" title="{esc(item.title)}">{esc(item.title)}</a>',
                 esc(item.publisher), written, list_date(item) or "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<table class="xxgk-list" width="100%"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody></table>")


def render(site: PlanSite) -> RenderedSite:
    numbers = column_numbers(site)
    _webid, unitid = unit_ids(site)
    b = SiteBuilder(site, THEME, detail_path_for(numbers))
    per = site.page_size
    counts = {c.key: max(1, math.ceil(len(c.items) / per)) for c in site.columns}
    for column in site.columns:
        n = numbers[column.key]
        b.column_pages[column.key] = [page_url(n, unitid, k) for k in range(1, counts[column.key] + 1)]
    nav = b.nav()
    for column in site.columns:
        n, count = numbers[column.key], counts[column.key]
        for k in range(1, count + 1):
            chunk = column.items[(k - 1) * per:k * per]
            body = (f"{breadcrumb(column, column_path(n))}\n"
                    f'<div class="xxgk-box"><div class="list-title">{esc(column.name)}</div>\n'
                    f"{_table(column, chunk, (k - 1) * per, b.item_paths)}\n"
                    f"{_pager(n, unitid, k, count, len(column.items))}</div>")
            text = shell(site, f"{column.name}_{site.name}", body,
                         metas={"ColumnName": column.name}, theme=THEME, nav=nav)
            page = html_page(site, text, column_moment(column))
            b.add(page_url(n, unitid, k), page)
            if k == 1:
                b.add(f"{column_path(n)}?uid={unitid}&pageNum=1", page)
    return b.finish()

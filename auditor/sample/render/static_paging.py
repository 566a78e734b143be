"""TRS WCM style: `/xxgk/<column>/index.html`, `index_1.html` …, details `./YYYYMM/tYYYYMMDD_n.html`.

The page count lives in the inline `createPageHTML(countPage, currentPage, "index", "html")`
call exactly as TRS publishes it; a static pager is printed too, as many TRS templates do.
"""

from __future__ import annotations

import math

from auditor.sample.plan import PlanColumn, PlanItem, PlanSite

from .common import (RenderedSite, SiteBuilder, breadcrumb, column_moment, esc, html_page,
                     item_day, list_date, shell, stable_int, url_path)

THEME = "trs"


def column_dir(column: PlanColumn) -> str:
    return url_path("xxgk", column.key) + "/"


def page_name(k: int) -> str:
    return "index.html" if k == 0 else f"index_{k}.html"


def detail_path(column: PlanColumn, item: PlanItem, bump: int) -> str:
    day = item_day(item)
    n = 1_000_000 + stable_int("trs", item.uid, mod=9_000_000) + bump
    return f"{column_dir(column)}{day:%Y%m}/t{day:%Y%m%d}_{n}.html"


def _pager(k: int, count: int) -> str:
    links = [f"<span>共{count}页</span>"]
    if k > 0:
        links += [f'<a href="{page_name(0)}">首页</a>', f'<a href="{page_name(k - 1)}">上一页</a>']
    if k < count - 1:
        links += [f'<a href="{page_name(k + 1)}">下一页</a>', f'<a href="{page_name(count - 1)}">尾页</a>']
    return (f'<div class="page"><script>var currentPage = {k}; var countPage = {count}; '
            f'createPageHTML(countPage, currentPage, "index", "html");</script></div>'
            f'<div class="page-static">{" ".join(links)}</div>')


def render(site: PlanSite) -> RenderedSite:
    b = SiteBuilder(site, THEME, detail_path)
    counts = {}
    for column in site.columns:
        count = max(1, math.ceil(len(column.items) / site.page_size))
        counts[column.key] = count
        b.column_pages[column.key] = [column_dir(column) + page_name(k) for k in range(count)]
    nav = b.nav()
    for column in site.columns:
        base = column_dir(column)
        count = counts[column.key]
        for k in range(count):
            chunk = column.items[k * site.page_size:(k + 1) * site.page_size]
            rows = []
            for item in chunk:
                rel = "./" + b.item_paths[(column.key, item.uid)][len(base):]
                when = list_date(item)
                span = f"<span>{when}</span>" if when else ""
                rows.append(f'<li><a href="{esc(rel)}" target="_blank" title="{esc(item.title)}">'
                            f"{esc(item.title)}</a>{span}</li>")
            body = (f"{breadcrumb(column, base + page_name(0))}\n"
                    f'<div class="list-box"><div class="list-title">{esc(column.name)}</div>\n'
                    f'<ul class="list">\n' + "\n".join(rows) + "\n</ul>\n"
                    f"{_pager(k, count)}</div>")
            text = shell(site, f"{column.name}_{site.name}", body,
                         metas={"ColumnName": column.name}, theme=THEME, nav=nav)
            b.add(base + page_name(k), html_page(site, text, column_moment(column)))
    return b.finish()

"""TRS WCM style: `/xxgk/<column>/index.html`, `index_1.html` …, details `./YYYYMM/tYYYYMMDD_n.html`.

The page count lives in the inline `createPageHTML(countPage, currentPage, "index", "html")`
call exactly as TRS publishes it; a static pager is printed too, as many TRS templates do, with
the list's own size (共N条 共P页). Two real habits are rendered on request of the plan column:
`pager_host` (an old template: no script, static pager links absolute on a host that no longer
answers) and `served_pages` (the script declares every page, only the first N were generated).
"""

from __future__ import annotations

import math

from auditor.sample.plan import PlanColumn, PlanItem, PlanSite

from .common import (
    RenderedSite,
    SiteBuilder,
    breadcrumb,
    column_moment,
    esc,
    html_page,
    item_day,
    list_date,
    shell,
    stable_int,
    url_path,
)

THEME = "trs"


def column_dir(column: PlanColumn) -> str:
    return url_path("xxgk", column.key) + "/"


def page_name(k: int) -> str:
    return "index.html" if k == 0 else f"index_{k}.html"


def detail_path(column: PlanColumn, item: PlanItem, bump: int) -> str:
    day = item_day(item)
    n = 1_000_000 + stable_int("trs", item.uid, mod=9_000_000) + bump
    return f"{column_dir(column)}{day:%Y%m}/t{day:%Y%m%d}_{n}.html"


def _pager(k: int, count: int, total: int, host_base: str | None = None) -> str:
    """TRS pager; with `host_base` the old template: absolute links on another host, no script."""
    def href(n: int) -> str:
        return host_base + page_name(n) if host_base else page_name(n)

    links = [f"<span>共{total}条</span>", f"<span>共{count}页</span>"]
    if k > 0:
        links += [f'<a href="{esc(href(0))}">首页</a>', f'<a href="{esc(href(k - 1))}">上一页</a>']
    if k < count - 1:
        links += [f'<a href="{esc(href(k + 1))}">下一页</a>', f'<a href="{esc(href(count - 1))}">尾页</a>']
    static = f'<div class="page-static">{" ".join(links)}</div>'
    if host_base:
        return static
    return (f'<div class="page"><script>var currentPage = {k}; var countPage = {count}; '
            f'createPageHTML(countPage, currentPage, "index", "html");</script></div>{static}')


def render(site: PlanSite) -> RenderedSite:
    b = SiteBuilder(site, THEME, detail_path)
    counts = {}
    for column in site.columns:
        count = max(1, math.ceil(len(column.items) / column.size(site.page_size)))
        counts[column.key] = count
        served = count if column.served_pages is None else min(count, column.served_pages)
        b.column_pages[column.key] = [column_dir(column) + page_name(k) for k in range(served)]
    nav = b.nav()
    for column in site.columns:
        base = column_dir(column)
        count = counts[column.key]
        per = column.size(site.page_size)
        host_base = column.pager_host.rstrip("/") + base if column.pager_host else None
        for k in range(len(b.column_pages[column.key])):
            chunk = column.items[k * per:(k + 1) * per]
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
                    f"{_pager(k, count, len(column.items), host_base)}</div>")
            text = shell(site, f"{column.name}_{site.name}", body,
                         metas={"ColumnName": column.name}, theme=THEME, nav=nav)
            b.add(base + page_name(k), html_page(site, text, column_moment(column)))
    return b.finish()

"""Render the sample district's plan into pages of real CMS platform styles.

`render_site(site)` dispatches on `site.style` (static_paging = TRS, ajax_xml = Hanweb jpage,
col_art = Hanweb 信息公开目录); `render_feed(feed)` renders a 政务新媒体 feed. Rendering is
pure: the same plan always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from auditor.sample.plan import PlanSite

from . import ajax_xml, col_art, static_paging
from .common import Page, RenderedSite, norm_target
from .feeds import render_feed

STYLES: dict[str, Callable[[PlanSite], RenderedSite]] = {
    "static_paging": static_paging.render,
    "ajax_xml": ajax_xml.render,
    "col_art": col_art.render,
}


def render_site(site: PlanSite) -> RenderedSite:
    try:
        renderer = STYLES[site.style]
    except KeyError:
        raise ValueError(f"site {site.key!r}: unknown style {site.style!r}; "
                         f"known styles: {', '.join(sorted(STYLES))}") from None
    return renderer(site)


__all__ = ["Page", "RenderedSite", "STYLES", "norm_target", "render_feed", "render_site"]

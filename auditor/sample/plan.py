"""The content plan of the sample district: what every site publishes, independent of how it is rendered.

The generator decides *what* exists (and which defects are seeded); the renderers decide *how* each
platform style shows it. Keeping the two apart lets the ground truth be computed from the plan alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class PlanAttachment:
    """A file linked from a detail page; `missing` seeds a dead attachment link (HTTP 404)."""

    name: str
    filename: str
    kind: str  # pdf | doc | xls
    missing: bool = False


@dataclass
class PlanItem:
    """One published item (one detail page)."""

    uid: str
    title: str
    publish_date: date | None
    written_date: date | None
    index_no: str
    publisher: str
    doc_no: str | None
    category: str
    body: str
    attachments: list[PlanAttachment] = field(default_factory=list)
    dead: bool = False  # listed on the column page but the detail page answers 404
    show_date: bool = True  # False: the detail page and list omit the publish date
    # real-portal habits (see /work/shared/domain/real-portal-habits.md)
    show_meta: bool = True  # False: no 信息公开 meta table (no 索引号/发布机构/成文日期/文号 labels)
    show_written: bool = True  # False: the 成文日期 cell is empty (and lists leave 生成日期 blank)
    source: str | None = None  # the 来源 label when it is not the publisher (本网, 某市采购网, 上级机关)
    doc_no_in_body: bool = False  # 文号 only as the first body line (reposts), the meta cell empty
    signature: str | None = None  # a signature block (issuer line, then a date-only line) closing the body


@dataclass
class PlanColumn:
    """A list column of a site; items are ordered newest first."""

    key: str
    name: str
    path: list[str]
    kind: str  # catalog | news | notice | other
    items: list[PlanItem] = field(default_factory=list)
    page_size: int | None = None  # list page size when it differs from the site's
    # pager links of pages 2.. are absolute on this base URL (an old host that no longer answers)
    pager_host: str | None = None
    # only the first N list pages are served although the page count script declares them all
    served_pages: int | None = None

    def size(self, site_page_size: int) -> int:
        return self.page_size or site_page_size

    def listed_pages(self, site_page_size: int) -> int:
        """How many list pages a crawler that follows the pager can read (host and serving limits)."""
        per = self.size(site_page_size)
        count = max(1, -(-len(self.items) // per))
        if self.pager_host:
            return 1
        if self.served_pages is not None:
            return min(count, self.served_pages)
        return count

    def visible_items(self, site_page_size: int) -> list[PlanItem]:
        """Items listed on the list pages a crawler can read (items are newest first)."""
        return self.items[: self.listed_pages(site_page_size) * self.size(site_page_size)]


@dataclass
class PlanSite:
    """A website in one platform style."""

    key: str
    name: str
    style: str  # static_paging | ajax_xml | col_art
    encoding: str = "utf-8"  # utf-8 | gbk
    columns: list[PlanColumn] = field(default_factory=list)
    unreachable: bool = False
    page_size: int = 15
    hosts: list[str] = field(default_factory=list)  # other host names the site owns (registry `hosts:`)


@dataclass
class PlanFeed:
    """A 政务新媒体 account exported as a feed (JSON or RSS)."""

    key: str
    name: str
    format: str  # json | rss
    items: list[PlanItem] = field(default_factory=list)


@dataclass
class DistrictPlan:
    sites: list[PlanSite]
    feeds: list[PlanFeed]

    def site(self, key: str) -> PlanSite:
        return next(s for s in self.sites if s.key == key)

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


@dataclass
class PlanColumn:
    """A list column of a site; items are ordered newest first."""

    key: str
    name: str
    path: list[str]
    kind: str  # catalog | news | notice | other
    items: list[PlanItem] = field(default_factory=list)


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

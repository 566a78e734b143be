"""What every check reads: the audit's inputs, gathered once from the store by
auditor.scoring.gather.build_context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.catalog.workdays import WorkingCalendar
from auditor.catalog.yardstick import Yardstick
from auditor.store.models import (
    Channel,
    ColumnHealth,
    CrawlRun,
    Item,
    ItemListing,
    LinkCheck,
    Match,
    Site,
    SiteProbe,
    Unit,
)


@dataclass
class AuditContext:
    session: Session
    catalog: Catalog
    # an auditor.scheme.Scheme; not imported here, because the scheme's `checks:` model is built from the
    # check classes of this package
    scheme: Any
    cal: WorkingCalendar
    as_of: date
    audit_run_id: int
    crawl_runs: list[CrawlRun]
    units: list[Unit]
    entries: dict[str, list[CatalogEntry]]
    channels: dict[str, list[Channel]]
    health: dict[int, list[ColumnHealth]]  # channel id -> health rows of the recent crawl runs, newest first
    matches: dict[str, list[Match]]  # unit id -> matches of this audit run
    items: dict[int, Item]
    listings: dict[int, list[tuple[ItemListing, Channel]]]
    not_applicable: dict[str, set[str]]  # unit id -> entry ids declared 无此事项
    sites: dict[str, Site]
    probes: dict[str, list[SiteProbe]]  # site id -> probes of the monitoring window, newest run first
    links: list[LinkCheck]  # link checks of the latest crawl run
    evidence: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (unit, entry) -> offline codes
    unit_catalogs: dict[str, str] = field(default_factory=dict)  # unit id -> its published catalog file
    # crawl runs of the window that did not complete (audited on request): their columns count as not crawled
    incomplete_runs: list[CrawlRun] = field(default_factory=list)
    # unit id -> what it is held to (its own published catalog or the national rows); `entries` is
    # each yardstick's obligation list
    yardsticks: dict[str, Yardstick] = field(default_factory=dict)

    @property
    def latest_crawl(self) -> CrawlRun | None:
        return self.crawl_runs[0] if self.crawl_runs else None

"""The hand-built scoring store: a tiny district (one 区级 民政局 on 社会救助, one catalog and one news column)
written straight into the database, so each scoring case states exactly what the crawler saw. Frozen AS_OF."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.scheme import load_scheme
from auditor.scoring.engine import run_audit
from auditor.store.db import open_db
from auditor.store.models import (
    Channel,
    ColumnHealth,
    CrawlRun,
    Finding,
    Item,
    ItemListing,
    Score,
    Site,
    SiteProbe,
    Unit,
)

AS_OF = date(2026, 11, 20)
SITE = "http://127.0.0.1:9/"


class Store:
    """A tiny district: one 区级 department (民政局, 社会救助) with one catalog column and one news column."""

    def __init__(self, tmp_path: Path, column_status: str = "ok", site_ok: bool = True) -> None:
        self.factory = open_db(str(tmp_path / "t.db"))
        with self.factory() as s:
            run = CrawlRun(started_at=datetime(2026, 11, 20, 1), finished_at=datetime(2026, 11, 20, 2),
                           status="complete", stats={})
            s.add(run)
            s.add(Site(id="mz", name="民政局网站", base_url=SITE, home_url=SITE, platform="auto", owner_unit_id="mzj"))
            s.add(Unit(id="mzj", district="d", name="云溪区民政局", kind="department", level="区级",
                       domains_lead=["社会救助"], domains_share=[], contact={}))
            s.flush()
            self.catalog_col = Channel(unit_id="mzj", code="WEBSITE", site_id="mz", name="社会救助",
                                       url=SITE + "shjz/", column_path="法定主动公开内容/社会救助",
                                       column_kind="catalog", domain="社会救助")
            self.news_col = Channel(unit_id="mzj", code="WEBSITE", site_id="mz", name="民政动态",
                                    url=SITE + "news/", column_path="民政动态", column_kind="news")
            s.add_all([self.catalog_col, self.news_col])
            s.flush()
            s.add(ColumnHealth(crawl_run_id=run.id, channel_id=self.catalog_col.id, url=self.catalog_col.url,
                               status=column_status, entries=0, pages=1, undated_entries=0))
            s.add(ColumnHealth(crawl_run_id=run.id, channel_id=self.news_col.id, url=self.news_col.url,
                               status="ok", entries=30, pages=2, undated_entries=0, latest_date=date(2026, 11, 18)))
            s.add(SiteProbe(crawl_run_id=run.id, site_id="mz", url=SITE, ok=site_ok, http_status=200 if site_ok else None,
                            elapsed_ms=20, error=None if site_ok else "ConnectionRefusedError",
                            home_latest_date=date(2026, 11, 18) if site_ok else None, probed_at=datetime(2026, 11, 20)))
            s.commit()
            self.run_id = run.id
            self.n = 0

    def publish(self, title: str, published: date | None, written: date | None, channel: str = "catalog") -> int:
        """An item as the crawler stores it: listed in a column, detail page extracted."""
        self.n += 1
        col = {"catalog": self.catalog_col, "news": self.news_col}.get(channel) or self.feed()
        with self.factory() as s:
            item = Item(canonical_url=f"{SITE}art/{self.n}.html", site_id="mz", title=title, list_title=title,
                        publish_date=published, publish_date_source="label", written_date=written,
                        written_date_source="label", fetched_at=datetime(2026, 11, 20), provenance={},
                        first_seen_run=self.run_id, last_seen_run=self.run_id)
            s.add(item)
            s.flush()
            s.add(ItemListing(item_id=item.id, channel_id=col.id, last_seen_run=self.run_id))
            s.commit()
            return item.id

    def feed(self) -> Channel:
        """The unit's 政务新媒体 feed (created on first use)."""
        if getattr(self, "feed_col", None) is None:
            with self.factory() as s:
                self.feed_col = Channel(unit_id="mzj", code="NEWMEDIA", name="云溪民政 微信公众号",
                                        url=SITE + "feed.json", column_kind="feed")
                s.add(self.feed_col)
                s.flush()
                s.add(ColumnHealth(crawl_run_id=self.run_id, channel_id=self.feed_col.id, url=self.feed_col.url,
                                   status="ok", entries=1, pages=1, undated_entries=0))
                s.commit()
                s.refresh(self.feed_col)
                s.expunge(self.feed_col)
        return self.feed_col

    def crawl(self, column_status: str = "ok", site_ok: bool = True, relist: bool = True,
              probes: list[tuple[bool, float]] | None = None) -> int:
        """Another crawl run: the catalog column's status, the site's probes, whether items were listed again."""
        with self.factory() as s:
            run = CrawlRun(started_at=datetime(2026, 11, 20, 3 + self.n), finished_at=datetime(2026, 11, 20, 4 + self.n),
                           status="complete", stats={})
            s.add(run)
            s.flush()
            s.add(ColumnHealth(crawl_run_id=run.id, channel_id=self.catalog_col.id, url=self.catalog_col.url,
                               status=column_status, entries=self.n, pages=1, undated_entries=0))
            s.add(ColumnHealth(crawl_run_id=run.id, channel_id=self.news_col.id, url=self.news_col.url,
                               status="ok", entries=30, pages=2, undated_entries=0, latest_date=date(2026, 11, 18)))
            for ok, ms in probes or [(site_ok, 20.0)]:
                s.add(SiteProbe(crawl_run_id=run.id, site_id="mz", url=SITE, ok=ok, http_status=200 if ok else None,
                                elapsed_ms=ms, error=None if ok else "ConnectionRefusedError",
                                home_latest_date=date(2026, 11, 18) if ok else None, probed_at=datetime(2026, 11, 20)))
            if relist and column_status == "ok":
                for listing in s.scalars(select(ItemListing)):
                    listing.last_seen_run = run.id
            s.commit()
            self.run_id = run.id
            return run.id

    def audit(self, catalog, cal, scheme="default") -> tuple[list[Finding], dict[str, float]]:
        with self.factory() as s:
            scheme = load_scheme(scheme) if isinstance(scheme, str) else scheme
            run_id = run_audit(s, catalog, scheme, cal, AS_OF)
            self.last_audit = run_id
            findings = list(s.scalars(select(Finding).where(Finding.audit_run_id == run_id)))
            scores = {f"{sc.dimension or 'overall'}": sc.score for sc in s.scalars(
                select(Score).where(Score.audit_run_id == run_id, Score.domain.is_(None)))}
        return findings, scores


def defects(findings, rule=None):
    return [f for f in findings if f.status == "defect" and (rule is None or f.rule == rule)]


BSZN = "shehui_jiuzhu.zdshbz_bszn"  # 低保办事指南, matched by the title below
BSZN_TITLE = "低保办事指南（2026年版）"


def variant(catalog: Catalog, entry_id: str = BSZN, **changes) -> Catalog:
    """The catalog with one entry changed (re-validated, so its deadline is re-parsed)."""
    entries = [CatalogEntry.model_validate(e.model_dump() | changes) if e.id == entry_id else e
               for e in catalog.entries]
    return Catalog(version=catalog.version, effective=catalog.effective, entries=entries)

"""A tiny audited store for the review workspace tests (test_web, the browser tests).

Two units judged on 社会救助 — 云溪区民政局 (mzj, 区级) and 云溪区东城街道办事处 (dcjd, 乡级) — each with one
healthy catalog column. mzj's column lists a few loosely worded titles, so that after one audit run there are
review-band matches as well as 未公开 findings (the matcher decides which titles land in the band; the store
records the first review-band match it finds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Channel, ColumnHealth, CrawlRun, Item, ItemListing, Match, Site, SiteProbe, Unit

AS_OF = date(2026, 11, 20)
# Titles that tend to sit between the accept and review thresholds (vague, no catalog label quoted whole).
REVIEW_CANDIDATES = ("临时救助有关事项说明", "社会救助工作简报", "低保办理流程", "特困供养事项通知")


@dataclass
class ReviewStore:
    db_url: str
    factory: sessionmaker[Session]
    audit_run_id: int
    review_match_id: int
    review_item_id: int
    review_entry_id: str
    review_title: str
    accounts: list[tuple[str, str, str, str | None]]


def build_review_store(folder: Path, *, site: str = "http://127.0.0.1:9/", catalog=None,
                       scheme_name: str = "default") -> ReviewStore:
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit
    from auditor.web.accounts import create_demo_accounts

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db_url = resolve_db_url(str(folder / "review.db"))
    factory = open_db(db_url)
    with factory() as s:
        run = CrawlRun(started_at=datetime(2026, 11, 20, 1), finished_at=datetime(2026, 11, 20, 2),
                       status="complete", stats={})
        s.add(run)
        s.add(Site(id="portal", name="云溪区门户网站", base_url=site, home_url=site, platform="auto",
                   owner_unit_id="mzj"))
        s.add_all([
            Unit(id="mzj", district="yunxi", name="云溪区民政局", kind="department", level="区级",
                 domains_lead=["社会救助"], domains_share=[], contact={}),
            Unit(id="dcjd", district="yunxi", name="云溪区东城街道办事处", kind="subdistrict", level="乡级",
                 domains_lead=[], domains_share=["社会救助"], contact={}),
        ])
        s.flush()
        columns = {}
        for unit_id, path in (("mzj", "mzj/shjz/"), ("dcjd", "dcjd/shjz/")):
            col = Channel(unit_id=unit_id, code="WEBSITE", site_id="portal", name="社会救助", url=site + path,
                          column_path="法定主动公开内容/社会救助", column_kind="catalog", domain="社会救助")
            s.add(col)
            s.flush()
            s.add(ColumnHealth(crawl_run_id=run.id, channel_id=col.id, url=col.url, status="ok", entries=1, pages=1,
                               undated_entries=0, latest_date=date(2026, 10, 10)))
            columns[unit_id] = col
        s.add(SiteProbe(crawl_run_id=run.id, site_id="portal", url=site, ok=True, http_status=200, elapsed_ms=20,
                        home_latest_date=date(2026, 11, 18), probed_at=datetime(2026, 11, 20)))
        for n, title in enumerate(REVIEW_CANDIDATES, 1):
            item = Item(canonical_url=f"{site}mzj/shjz/art/{n}.html", site_id="portal", title=title,
                        list_title=title, publish_date=date(2026, 10, 10), publish_date_source="label",
                        written_date=date(2026, 10, 9), written_date_source="label",
                        fetched_at=datetime(2026, 11, 20), provenance={}, first_seen_run=run.id,
                        last_seen_run=run.id, body_excerpt="")
            s.add(item)
            s.flush()
            s.add(ItemListing(item_id=item.id, channel_id=columns["mzj"].id, last_seen_run=run.id))
        s.commit()
    with factory() as s:
        run_id = run_audit(s, catalog or load_catalog(), load_scheme(scheme_name), WorkingCalendar(), AS_OF)
    with factory() as s:
        matches = list(s.scalars(select(Match).where(Match.audit_run_id == run_id, Match.unit_id == "mzj")
                                 .order_by(Match.id)))
        accepted = {m.entry_id for m in matches if m.decision == "accept"}
        # a review-band match whose entry is otherwise unpublished, so confirming it changes the score
        review = next((m for m in matches if m.decision == "review" and m.entry_id
                       and m.entry_id not in accepted), None)
        if review is None:
            raise RuntimeError(f"none of {REVIEW_CANDIDATES} fell in the matcher's review band: "
                               "add a title to tests/factories/review.py REVIEW_CANDIDATES")
        title = s.get(Item, review.item_id).title
        accounts = create_demo_accounts(s)
    return ReviewStore(db_url=db_url, factory=factory, audit_run_id=run_id, review_match_id=review.id,
                       review_item_id=review.item_id, review_entry_id=review.entry_id or "", review_title=title,
                       accounts=accounts)

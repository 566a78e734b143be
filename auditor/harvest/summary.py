"""What one crawl run did, per site and column: the table `auditor crawl` ends with.

List pages, items, details fetched / failed / skipped (off-site, not archived) and the column's
coverage with its reason — so "0 failures" can never hide a column read to page 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.store.models import Channel, ColumnHealth, CrawlRun, Unit


@dataclass(frozen=True)
class ColumnLine:
    site_id: str
    unit_name: str
    column: str
    url: str
    pages: int
    pages_failed: int
    pages_skipped: int
    entries: int
    declared_total: int | None
    details_fetched: int
    details_failed: int
    details_skipped: int
    coverage: str
    reason: str


@dataclass(frozen=True)
class CrawlSummary:
    run_id: int
    status: str
    log_path: str | None
    replay: list[dict]
    columns: list[ColumnLine]

    @property
    def coverage_counts(self) -> Counter:
        return Counter(c.coverage for c in self.columns)


def crawl_summary(session: Session, run_id: int) -> CrawlSummary:
    run = session.get(CrawlRun, run_id)
    stats = dict(run.stats or {}) if run else {}
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    lines: dict[str, ColumnLine] = {}
    rows = session.execute(select(ColumnHealth, Channel).join(Channel, Channel.id == ColumnHealth.channel_id)
                           .where(ColumnHealth.crawl_run_id == run_id).order_by(Channel.site_id, Channel.id))
    for h, ch in rows:
        if h.url in lines:  # one column shared by several units: one line
            continue
        lines[h.url] = ColumnLine(
            site_id=ch.site_id or ("feed" if ch.code == "NEWMEDIA" else ch.code.lower()),
            unit_name=units.get(ch.unit_id, ch.unit_id), column=ch.column_path or ch.name, url=h.url,
            pages=h.pages, pages_failed=h.pages_failed or 0, pages_skipped=h.pages_skipped or 0, entries=h.entries,
            declared_total=h.declared_total, details_fetched=h.details_fetched or 0,
            details_failed=h.details_failed or 0, details_skipped=h.details_skipped or 0,
            coverage=h.coverage or ("complete" if h.status == "ok" else h.status),
            reason=h.coverage_reason or h.error or "")
    return CrawlSummary(run_id, run.status if run else "unknown", stats.get("log_path"), list(stats.get("replay") or []),
                        list(lines.values()))


def print_crawl_summary(factory, run_id: int, console) -> None:
    """Per site and column: list pages, items, details fetched / failed / skipped, coverage and why."""
    from rich.table import Table

    with factory() as session:
        summary = crawl_summary(session, run_id)
    for site in dict.fromkeys(c.site_id for c in summary.columns):
        table = Table(title=f"站点 {site}", title_justify="left")
        for col, justify in (("栏目", "left"), ("单位", "left"), ("列表页", "right"), ("条目", "right"),
                             ("声明", "right"), ("详情已取", "right"), ("失败", "right"), ("跳过", "right"),
                             ("覆盖", "left"), ("说明", "left")):
            table.add_column(col, justify=justify, overflow="fold")
        for c in (c for c in summary.columns if c.site_id == site):
            pages = f"{c.pages}" + (f" (+{c.pages_failed}失败/{c.pages_skipped}跳过)" if c.pages_failed or c.pages_skipped
                                    else "")
            table.add_row("/".join(c.column.split("/")[-2:]), c.unit_name, pages, str(c.entries), "—" if c.declared_total is None
                          else str(c.declared_total), str(c.details_fetched), str(c.details_failed),
                          str(c.details_skipped), c.coverage, c.reason)
        console.print(table)
    counts = summary.coverage_counts
    replayed = ", ".join(f"{r['host']}←{r['path']}" for r in summary.replay)
    print(f"crawl run {run_id} {summary.status}: {len(summary.columns)} columns — "
          f"{counts.get('complete', 0)} complete, {counts.get('partial', 0)} partial, "
          f"{counts.get('failed', 0)} failed" + (f"; replayed from saved copies: {replayed}" if replayed else ""))
    if summary.log_path:
        print(f"crawler log: {summary.log_path}")

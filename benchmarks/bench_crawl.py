"""Benchmarks of the harvest (issue 4), each printing its figures.

1. throughput: the full audit spider (extraction, store, snapshots, politeness) against a bare Scrapy
   spider fetching the very same URLs (taken from the portal's request log), in the same run, on the
   same generated site, with the same Scrapy settings (see `bare_settings`); target ratio ≥ 0.8.
2. incremental: an unchanged re-crawl against the full crawl of the same site: requests, full
   (non-304) downloads and response bytes; target ≤ 3 % of the full crawl's downloads.
3. memory: peak RSS of the crawler process on a generated site of 20,000 pages; target ≤ 500 MB.

    python benchmarks/bench_crawl.py [throughput|incremental|memory …] [--items N] [--big-items N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# The generated portal is on loopback: lift the polite 1 request/s per host of real crawls (issue 17).
os.environ.setdefault("AUDITOR_HOST_RATE", "1000000")
sys.path.insert(0, str(ROOT))

from auditor.catalog.loader import load_catalog  # noqa: E402
from auditor.harvest.launch import run_crawl  # noqa: E402
from auditor.sample.plan import DistrictPlan, PlanAttachment, PlanColumn, PlanItem, PlanSite  # noqa: E402
from auditor.sample.server import SamplePortal  # noqa: E402
from auditor.stages import load_registry_for  # noqa: E402
from auditor.store.db import open_db, resolve_db_url  # noqa: E402
from auditor.store.models import CrawlRun  # noqa: E402
from auditor.store.sync import sync_registry  # noqa: E402

BODY = ("为进一步做好社会救助工作，根据《社会救助暂行办法》有关规定，现将有关事项公示如下。"
        "公示期间如有异议，请与区民政局社会救助科联系。") * 6


def big_plan(items: int, columns: int = 10) -> DistrictPlan:
    """One TRS-style site with `items` detail pages over `columns` columns (15 per list page)."""
    per = max(1, items // columns)
    cols = []
    for c in range(columns):
        rows = []
        for i in range(per):
            n = c * per + i
            day = date(2026, 6, 30) - timedelta(days=n % 900)
            atts = [PlanAttachment(name=f"附件{n}.pdf", filename=f"b{n}.pdf", kind="pdf")] if n % 25 == 0 else []
            rows.append(PlanItem(uid=f"b-{n:06d}", title=f"关于第{n}批社会救助对象名单的公示", publish_date=day,
                                 written_date=day - timedelta(days=2), index_no=f"113301/2026-{n:06d}",
                                 publisher="云溪区民政局", doc_no=None, category="社会救助", body=BODY,
                                 attachments=atts))
        cols.append(PlanColumn(key=f"c{c:02d}", name=f"社会救助{c}", path=["首页", f"社会救助{c}"], kind="catalog",
                               items=rows))
    return DistrictPlan(sites=[PlanSite(key="big", name="云溪区民政局", style="static_paging", columns=cols)], feeds=[])


def registry(portal: SamplePortal, plan: DistrictPlan) -> dict:
    site = portal.sites["big"]
    base = portal.urls["big"]
    return {"district": {"id": "b", "name": "基准区"},
            "sites": [{"id": "big", "name": "云溪区民政局", "url": base + "/", "platform": "static_paging"}],
            "units": [{"id": "mzj", "name": "云溪区民政局", "kind": "department", "level": "区级",
                       "domains": {"lead": ["社会救助"]},
                       "channels": [{"type": "website", "site": "big", "columns": [
                           {"name": c.name, "url": base + site.column_url(c.key), "domain": "社会救助"}
                           for c in plan.sites[0].columns]}]}]}


class Setup:
    def __init__(self, tmp: Path, portal: SamplePortal, plan: DistrictPlan) -> None:
        self.path = tmp / "registry.yaml"
        self.path.write_text(yaml.safe_dump(registry(portal, plan), allow_unicode=True), encoding="utf-8")
        self.url = resolve_db_url(str(tmp / "bench.db"))
        self.factory = open_db(self.url)
        with self.factory() as s:
            sync_registry(s, load_registry_for(self.path, load_catalog()))
            s.commit()

    def crawl(self, **settings) -> tuple[int, float, dict]:
        t0, cpu0 = time.monotonic(), child_cpu()
        run_id = run_crawl(self.factory, self.url, registry_path=str(self.path), settings=settings)
        seconds = time.monotonic() - t0
        with self.factory() as s:
            stats = dict(s.get(CrawlRun, run_id).stats)
        stats["bench/crawler_cpu_s"] = child_cpu() - cpu0
        return run_id, seconds, stats


def child_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: the crawler's own work, which other
    sessions on a shared machine do not inflate the way they inflate wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ bare spider (child process)
# Scrapy components the project replaces by its own subclass: the bare spider gets the stock one back.
REPLACED = {"scrapy.extensions.throttle.AutoThrottle", "scrapy.downloadermiddlewares.retry.RetryMiddleware"}


def bare_settings(overrides: dict | None = None) -> Settings:  # noqa: F821 - scrapy imported in the child
    """The full spider's Scrapy settings (concurrency, AutoThrottle, delays, timeouts, robots.txt, priority
    queue, retries…) without the project's own code: no pipeline, middleware or extension of ours (the
    stock AutoThrottle and RetryMiddleware in place of our subclasses). Only what the auditor adds is timed."""
    from scrapy.settings import Settings

    from auditor.harvest import settings as ours

    settings = Settings()
    settings.setmodule(ours, priority="project")
    for name in ("ITEM_PIPELINES", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS"):
        stock = {k: v for k, v in settings.getdict(name).items()
                 if not str(k).startswith("auditor.") and not (v is None and k in REPLACED)}
        settings.set(name, stock, priority="cmdline")
    settings.set("SPIDER_MODULES", [], priority="cmdline")
    settings.set("LOG_FORMATTER", "scrapy.logformatter.LogFormatter", priority="cmdline")
    for key, value in (overrides or {}).items():  # the Scrapy settings the full spider was given too
        if not key.startswith("AUDITOR_"):
            settings.set(key, value, priority="cmdline")
    return settings


def bare_child(url_file: str, overrides: str = "{}") -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    entries = json.loads(Path(url_file).read_text())

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):
            for method, url in entries:
                yield scrapy.Request(url, method=method, callback=self.parse, errback=self.failed, dont_filter=True)

        def parse(self, response):
            return None

        def failed(self, failure):
            return None

    process = CrawlerProcess(bare_settings(json.loads(overrides)))
    process.crawl(Bare)
    process.start()


def run_bare(entries: list[tuple[str, str]], tmp: Path, settings: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the bare spider's process."""
    url_file = tmp / "bare.json"
    url_file.write_text(json.dumps(entries))
    t0, cpu0 = time.monotonic(), child_cpu()
    subprocess.run([sys.executable, __file__, "--bare-child", str(url_file), "--bare-settings",
                    json.dumps(settings or {})], check=True, cwd=str(ROOT),
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.monotonic() - t0, child_cpu() - cpu0


# ------------------------------------------------------------------ benchmarks
def bench_throughput(items: int, **settings) -> dict:
    plan = big_plan(items)
    with tempfile.TemporaryDirectory() as tmpdir, SamplePortal(plan) as portal:
        tmp = Path(tmpdir)
        setup = Setup(tmp, portal, plan)
        base = portal.urls["big"]
        _, full_s, stats = setup.crawl(AUDITOR_PROBES=1, **settings)
        log = [(m, p) for _, m, p, _ in portal.request_log if p != "/robots.txt"]
        entries = [(m, base + p) for m, p in log]
        bare_s, bare_cpu = run_bare(entries, tmp, settings)
    full_rate, bare_rate = len(entries) / full_s, len(entries) / bare_s
    ratio = full_rate / bare_rate
    full_cpu = stats["bench/crawler_cpu_s"]
    label = "throughput" + (f" ({', '.join(f'{k}={v}' for k, v in settings.items())})" if settings else "")
    print(f"{label}: {len(entries)} requests; full spider {full_s:.1f} s = {full_rate:.0f} pages/s; "
          f"bare Scrapy spider, same URLs {bare_s:.1f} s = {bare_rate:.0f} pages/s; "
          f"ratio {ratio:.2f} (target ≥ 0.80) {'OK' if ratio >= 0.8 else 'BELOW TARGET'}; crawler CPU "
          f"{full_cpu:.1f} s vs {bare_cpu:.1f} s = CPU ratio {bare_cpu / full_cpu:.2f} "
          f"({full_cpu / len(entries) * 1000:.2f} vs {bare_cpu / len(entries) * 1000:.2f} ms CPU a request)")
    return {"requests": len(entries), "full_s": full_s, "bare_s": bare_s, "ratio": ratio,
            "cpu_ratio": bare_cpu / full_cpu}


def bench_incremental(items: int) -> dict:
    plan = big_plan(items)
    with tempfile.TemporaryDirectory() as tmpdir, SamplePortal(plan) as portal:
        setup = Setup(Path(tmpdir), portal, plan)
        _, full_s, full = setup.crawl()
        first_log = list(portal.request_log)
        portal.clear_log()
        _, again_s, again = setup.crawl()
        second_log = list(portal.request_log)

    def downloads(log: list) -> int:  # answers with a body: everything but 304s and HEADs
        return sum(1 for _, m, _, st in log if st != 304 and m != "HEAD")

    req = len(second_log) / len(first_log)
    dl = downloads(second_log) / downloads(first_log)
    by = again.get("downloader/response_bytes", 0) / max(full.get("downloader/response_bytes", 1), 1)
    print(f"incremental: full crawl {len(first_log)} requests, {downloads(first_log)} downloads, "
          f"{full.get('downloader/response_bytes', 0) / 1e6:.1f} MB in {full_s:.1f} s; unchanged re-crawl "
          f"{len(second_log)} requests ({req:.0%}, all conditional or HEAD but {downloads(second_log)}), "
          f"{downloads(second_log)} downloads ({dl:.2%}), "
          f"{again.get('downloader/response_bytes', 0) / 1e6:.2f} MB ({by:.2%}) in {again_s:.1f} s; "
          f"target ≤ 3 % of downloads: {'OK' if dl <= 0.03 else 'ABOVE TARGET'}")
    return {"requests_share": req, "downloads_share": dl, "bytes_share": by}


def bench_memory(items: int) -> dict:
    plan = big_plan(items)
    with tempfile.TemporaryDirectory() as tmpdir, SamplePortal(plan) as portal:
        setup = Setup(Path(tmpdir), portal, plan)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        _, seconds, stats = setup.crawl()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        pages = len(portal.request_log)
    print(f"memory: {pages} pages ({items} detail pages) crawled in {seconds:.1f} s; crawler peak RSS "
          f"{peak_mb:.0f} MB (target ≤ 500 MB) {'OK' if peak_mb <= 500 else 'ABOVE TARGET'}"
          + (" (an earlier child was bigger)" if before / 1024 > peak_mb else ""))
    return {"pages": pages, "peak_mb": peak_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=["throughput", "incremental", "memory"])
    parser.add_argument("--items", type=int, default=2000, help="detail pages for throughput/incremental")
    parser.add_argument("--big-items", type=int, default=18700, help="detail pages of the memory site "
                        "(+ list pages and attachments ≈ 20,000 pages)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON",
                        help="a Scrapy setting for the full spider, e.g. --set AUTOTHROTTLE_ENABLED=false")
    parser.add_argument("--bare-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--bare-settings", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_child:
        bare_child(args.bare_child, args.bare_settings)
        return 0
    for which in args.which:
        extra = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
        if which == "throughput" and not extra:  # default settings, then extraction in one worker process
            bench_throughput(args.items)
            extra = {"AUDITOR_EXTRACT_WORKERS": 1}
        {"throughput": lambda extra=extra: bench_throughput(args.items, **extra),
         "incremental": lambda: bench_incremental(args.items), "memory": lambda: bench_memory(args.big_items)}[which]()
    return 0


if __name__ == "__main__":
    sys.exit(main())

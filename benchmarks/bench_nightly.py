"""Nightly re-audit benchmark (issue 17): request counts of list-driven re-crawls, spider throughput,
and a simulated province night from the measured per-request costs.

On a generated portal of N detail pages (default 10,000, TRS-style paging, 15 entries a list page):
1. a full crawl (first night);
2. an unchanged re-crawl (next night): requests as a share of the full crawl's (target ≤ 5 %);
3. a re-crawl after 1 % new items, newest first in their columns: its requests, and every new item
   must be found;
4. throughput: the full spider against a bare Scrapy spider fetching the very same URLs with the same
   Scrapy settings, in the same run (target ≥ 0.8; wall-time ratio, and the crawler processes' CPU
   ratio, which a loaded shared machine distorts less);
5. a province night, simulated from those measurements: 100 county portals of N pages (one host
   each) + 1,500 township columns (on their county's host), 1 % daily change, 1 request/s per host,
   3 crawler workers. Night length = max(the busiest host's requests / rate, all requests × measured
   spider seconds per request / workers).

The loopback portal is crawled with AUDITOR_HOST_RATE lifted (politeness is simulated in step 5, not
waited for). The machine may be shared: times are ratios of runs on the same machine, in the same run.

    python benchmarks/bench_nightly.py [--items 10000] [--columns 20] [--skip-throughput]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("AUDITOR_HOST_RATE", "1000000")  # loopback: politeness is simulated below

from bench_crawl import BODY, Setup, big_plan, run_bare  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from auditor.harvest.canonical import canonical_url  # noqa: E402
from auditor.sample.server import SamplePortal  # noqa: E402
from auditor.store.models import Item  # noqa: E402

DAY = 740000  # a fixed rotation day: the three nights are consecutive days of the 30-night rotation


def _requests(portal: SamplePortal) -> list[tuple[str, str]]:
    return [(m, p) for _, m, p, _ in portal.request_log if p != "/robots.txt"]


def add_new_items(plan, share: float) -> list[str]:
    """1 % new items, at the top of their columns (newest first, as portals list them)."""
    site = plan.sites[0]
    total = sum(len(c.items) for c in site.columns)
    per_column = max(1, math.ceil(total * share / len(site.columns)))
    uids = []
    for c, column in enumerate(site.columns):
        for k in range(per_column):
            uid = f"new-{c:02d}-{k:03d}"
            template = column.items[0]
            column.items.insert(0, replace(template, uid=uid, title=f"关于新增第{c}-{k}批临时救助对象的公示",
                                           publish_date=date(2026, 7, 2), written_date=date(2026, 7, 1),
                                           index_no=f"113301/2026-N{c:02d}{k:03d}", attachments=[], body=BODY))
            uids.append((column.key, uid))
    return uids


def simulate_province(per_county_requests: int, column_requests: float, seconds_per_request: float, *,
                      counties: int = 100, townships: int = 1500, rate: float = 1.0, workers: int = 3) -> dict:
    """Hours of one night for the province: politeness bound (busiest host) vs crawler CPU bound."""
    towns_per_host = math.ceil(townships / counties)
    host_requests = per_county_requests + towns_per_host * column_requests
    total = counties * host_requests
    polite_s = host_requests / rate  # hosts are crawled in parallel, each at `rate`
    cpu_s = total * seconds_per_request / workers
    return {"host_requests": host_requests, "total_requests": total, "polite_h": polite_s / 3600,
            "cpu_h": cpu_s / 3600, "hours": max(polite_s, cpu_s) / 3600}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10000, help="detail pages of the generated portal")
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--change", type=float, default=0.01, help="share of new items in the third night")
    parser.add_argument("--township-items", type=int, default=150, help="entries of a township column")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    plan = big_plan(args.items, args.columns)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmpdir, SamplePortal(plan) as portal:
        tmp = Path(tmpdir)
        setup = Setup(tmp, portal, plan)
        base = portal.urls["big"]
        night = {"AUDITOR_PROBES": 1, "AUDITOR_DAY": DAY}
        _, full_s, full_stats = setup.crawl(**night)
        full = _requests(portal)
        portal.clear_log()
        _, same_s, _ = setup.crawl(**{**night, "AUDITOR_DAY": DAY + 1})
        same = _requests(portal)
        new = add_new_items(plan, args.change)
        portal.replace_site(plan.sites[0])
        portal.clear_log()
        _, new_s, _ = setup.crawl(**{**night, "AUDITOR_DAY": DAY + 2})
        changed = _requests(portal)
        site = portal.sites["big"]
        new_urls = {canonical_url(base + site.item_paths[key]) for key in new}
        with setup.factory() as s:
            found = set(s.scalars(select(Item.canonical_url).where(Item.canonical_url.in_(new_urls),
                                                                   Item.fetched_at.is_not(None))))
            items = s.scalar(select(func.count(Item.id)))
        bare_s, bare_cpu = (None, None) if args.skip_throughput else run_bare([(m, base + p) for m, p in full], tmp)
    p_same = len(same) / len(full)
    q_new = len(changed) / len(full)
    ratio = (bare_s / full_s) if bare_s else float("nan")
    full_cpu = full_stats["bench/crawler_cpu_s"]
    print(f"full crawl: {len(full)} requests ({args.items} detail pages, {items} items stored) in {full_s:.1f} s"
          f" = {len(full) / full_s:.0f} requests/s" + (f"; bare Scrapy spider (same URLs, same Scrapy settings) "
                                                          f"{bare_s:.1f} s; crawler CPU {full_cpu:.1f} s vs "
                                                          f"{bare_cpu:.1f} s = CPU ratio {bare_cpu / full_cpu:.2f} "
                                                          f"({full_cpu / len(full) * 1000:.2f} vs "
                                                          f"{bare_cpu / len(full) * 1000:.2f} ms CPU a request)"
                                                          if bare_s else ""))
    print(f"unchanged re-crawl: {len(same)} requests ({p_same:.2%}) in {same_s:.1f} s; "
          f"new-item re-crawl: {len(changed)} requests ({q_new:.2%}) in {new_s:.1f} s, "
          f"new items found {len(found)}/{len(new_urls)}" + (" OK" if found == new_urls else " MISSING SOME"))
    # a township column: its first list page (+ a page per 15 new entries) and tonight's revalidation share
    town = 1 + math.ceil(args.township_items * args.change / 15) + args.township_items / 30 \
        + args.township_items * args.change
    sim = simulate_province(len(changed), town, full_s / len(full))
    print(f"province: {sim['total_requests']:.0f} requests a night ({sim['host_requests']:.0f} on the busiest "
          f"host = {sim['polite_h']:.2f} h at 1 request/s; crawler time {sim['cpu_h']:.2f} h on 3 workers at "
          f"{full_s / len(full) * 1000:.1f} ms a request, measured); initial full crawl of a county "
          f"{len(full) / 3600:.1f} h at 1 request/s")
    print(f"machine load average {load:.1f} at the start (2 shared cores): absolute times are pessimistic")
    verdicts = [p_same <= 0.05, found == new_urls, bare_s is None or ratio >= 0.8, sim["hours"] <= 1.0]
    print(f"targets: unchanged ≤ 5 % {'OK' if verdicts[0] else 'NO'}; every new item found "
          f"{'OK' if verdicts[1] else 'NO'}; throughput ≥ 0.8 {'OK' if verdicts[2] else 'NO'}; "
          f"province ≤ 1 h {'OK' if verdicts[3] else 'NO'}")
    print(f"nightly: unchanged re-crawl requests {p_same:.1%} of full; new-item re-crawl requests {q_new:.1%} of "
          f"full; throughput ratio {ratio:.2f}; province {sim['hours']:.2f} hours on 3 workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())

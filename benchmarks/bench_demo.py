"""Benchmark: the whole demo (generate, serve, crawl, match, score, report) on the sample district.

Prints wall time per stage, detail pages and pages/s; the issue's target is < 60 s on 2 cores.
Baseline in the same process: a bare fetch of every detail page with urllib over 8 threads, to
show how much of the crawl is the auditor's own work.
"""

from __future__ import annotations

import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from auditor.catalog.loader import load_catalog
from auditor.demo import run_demo
from auditor.sample.generate import build_sample
from auditor.sample.server import SamplePortal


def bare_fetch_seconds() -> tuple[float, int]:
    sample = build_sample(load_catalog())
    with SamplePortal(sample.plan) as portal:
        urls = [portal.urls[key] + path for key, site in portal.sites.items() for path in site.pages
                if "/art/" in path or "/t20" in path]
        t0 = time.monotonic()

        def worker(chunk: list[str]) -> None:
            for u in chunk:
                try:
                    urllib.request.urlopen(u, timeout=10).read()
                except Exception:  # noqa: BLE001 - 404s are part of the sample
                    pass

        threads = [threading.Thread(target=worker, args=(urls[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - t0, len(urls)


def main() -> None:
    base_s, base_n = bare_fetch_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_demo(Path(tmp))
    print(f"demo: total {result.seconds:.1f} s (crawl {result.crawl_seconds:.1f} s), "
          f"{result.pages} detail pages, {result.pages / result.crawl_seconds:.0f} pages/s crawled")
    print(f"baseline: bare urllib fetch of {base_n} detail pages in {base_s:.1f} s "
          f"({base_n / base_s:.0f} pages/s); crawl/baseline throughput ratio "
          f"{(result.pages / result.crawl_seconds) / (base_n / base_s):.2f}")
    print(f"target total < 60 s: {'met' if result.seconds < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()

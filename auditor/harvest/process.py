"""Entry point of the crawler child process: one Scrapy CrawlerProcess per crawl run.

Crawls run in their own process because Twisted's reactor cannot be restarted; the parent keeps
the sample portal, the progress display and the run bookkeeping.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from auditor.harvest import settings as default_settings

# Cyclic GC thresholds of the crawler process. Python's defaults (700, 10, 10) ran a collection every
# 700 allocations and a full one over the whole heap (the run's known URLs, validators, store ids …)
# every 70,000: 4 % of a 10,000-page crawl's CPU. Every page allocates thousands of short-lived objects
# (lxml proxies, strings, items) that reference counting frees; cycles (Twisted failures) are still
# collected, less often.
GC_THRESHOLDS = (10000, 20, 100)


def build_settings(db: str, run_id: int, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("AUDITOR_DB", db, priority="cmdline")
    settings.set("AUDITOR_CRAWL_RUN", run_id, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    redis_url = settings.get("AUDITOR_DISTRIBUTED")
    if redis_url:
        from auditor.harvest.distributed import distributed_settings

        for key, value in distributed_settings(redis_url, run_id).items():
            if key not in (overrides or {}):
                settings.set(key, value, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="internal: run one crawl into the store")
    parser.add_argument("--db", required=True)
    parser.add_argument("--run", type=int, required=True)
    parser.add_argument("--spider", default="audit")
    parser.add_argument("--units", default=None)
    parser.add_argument("--settings-json", default="{}")
    parser.add_argument("--stats-out", default=None, help="write the final stats JSON here (else stdout)")
    parser.add_argument("--parent-pid", type=int, default=None, help="stop when this process is gone")
    args = parser.parse_args(argv)
    if args.parent_pid:
        _watch_parent(args.parent_pid)
    gc.set_threshold(*GC_THRESHOLDS)
    process = CrawlerProcess(build_settings(args.db, args.run, json.loads(args.settings_json)))
    crawler = process.create_crawler(args.spider)
    process.crawl(crawler, db=args.db, units=args.units)
    process.start()
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in crawler.stats.get_stats().items()}
    payload = json.dumps({"stats": stats}, default=str)
    if args.stats_out:
        Path(args.stats_out).write_text(payload, encoding="utf-8")
    else:
        print(payload)
    return 0


def _watch_parent(parent_pid: int) -> None:
    """End this crawler when the process that started it is gone (kill -9 included), where the parent-death
    signal is not available: a crawl nobody waits for must not go on writing into a run that recovery
    marks interrupted. What the pipeline committed stays; `resume-crawl` goes on from there."""
    import os
    import signal
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())

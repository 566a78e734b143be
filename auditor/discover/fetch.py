"""Run the discovery spider in a child process (Twisted's reactor cannot restart) and watch its progress.

The child uses the project's Scrapy settings (auditor/harvest/settings.py: robots.txt, AutoThrottle,
retries with backoff, download caps, the replay of saved copies) with discovery's own politeness on top,
and writes one JSON line per page; the parent counts lines for its progress display.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from auditor.discover.pages import CrawlOutcome, count_lines, read_records

# Discovery reads few pages from a site it does not know yet: slower and narrower than an audit crawl.
DISCOVER_SETTINGS: dict = {
    "CONCURRENT_REQUESTS": 4,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 0.5,
    "ITEM_PIPELINES": {},
    "DEPTH_LIMIT": 0,
}


def build_settings(out: str, max_pages: int, replay: dict[str, str], overrides: dict | None):
    from scrapy.settings import Settings

    from auditor.harvest import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    for key, value in DISCOVER_SETTINGS.items():
        settings.set(key, value, priority="cmdline")
    settings.set("CLOSESPIDER_PAGECOUNT", max_pages + 20, priority="cmdline")  # robots.txt answers count too
    if replay:  # the project's ReplayMiddleware (auditor/harvest/replay.py) answers these hosts from the copies
        settings.set("AUDITOR_REPLAY", json.dumps([{"host": h, "path": p} for h, p in replay.items()]),
                     priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="internal: run the discovery spider")
    parser.add_argument("--starts", required=True, help="JSON list of start URLs")
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-pages", type=int, default=400)
    parser.add_argument("--max-depth", type=int, default=7)
    parser.add_argument("--no-details", action="store_true", help="do not read an item page per list")
    parser.add_argument("--replay-json", default="{}")
    parser.add_argument("--settings-json", default="{}")
    args = parser.parse_args(argv)
    from scrapy.crawler import CrawlerProcess

    from auditor.discover.spider import DiscoverSpider

    process = CrawlerProcess(build_settings(args.out, args.max_pages, json.loads(args.replay_json),
                                            json.loads(args.settings_json)))
    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, starts=args.starts, out=args.out, max_pages=args.max_pages, max_depth=args.max_depth,
                  sample_details=not args.no_details)
    process.start()
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in crawler.stats.get_stats().items()}
    print(json.dumps({"stats": stats}, default=str))
    return 0


def run_discovery_crawl(starts: list[str], *, max_pages: int = 400, max_depth: int = 7,
                        replay: dict[str, str] | None = None, settings: dict | None = None,
                        progress: Callable[[int], None] | None = None, work_dir: Path | None = None,
                        poll: float = 0.5, sample_details: bool = True) -> CrawlOutcome:
    """Crawl in a child process; `progress(pages read so far)` is called while it runs."""
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="auditor-discover-"))
    work.mkdir(parents=True, exist_ok=True)
    out = work / "pages.jsonl"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "auditor.discover.fetch", "--starts", json.dumps(starts), "--out", str(out),
           "--max-pages", str(max_pages), "--max-depth", str(max_depth),
           "--replay-json", json.dumps(replay or {}), "--settings-json", json.dumps(settings or {})]
    if not sample_details:
        cmd.append("--no-details")
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)
    while child.poll() is None:
        if progress:
            progress(count_lines(out))
        time.sleep(poll)
    stdout, stderr = child.communicate()
    if progress:
        progress(count_lines(out))
    stats: dict = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                stats = json.loads(line).get("stats", {})
            except json.JSONDecodeError:
                pass
    if child.returncode != 0:
        from auditor.errors import AuditorError

        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise AuditorError(f"the discovery crawl failed (exit {child.returncode}): {tail}",
                           hint="run again with a smaller --max-pages, or check the URL")
    return CrawlOutcome(read_records(out), stats)


if __name__ == "__main__":
    sys.exit(main())

"""Harvest commands beyond `auditor crawl`: resume a stopped crawl, join a distributed crawl, show and
prune evidence snapshots, import items of channels that cannot be crawled.

Registered by auditor/cli.py through `add_parser(subparsers)`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from auditor.errors import AuditorError


def _factory(args: argparse.Namespace):
    from auditor.store.db import open_db, require_existing_db

    url = require_existing_db(getattr(args, "db", None))  # every harvest command here works on stored data
    return open_db(url), url


def cmd_import_items(args: argparse.Namespace) -> int:
    from auditor.harvest.importer import import_items

    factory, _ = _factory(args)
    with factory() as session:
        res = import_items(session, Path(args.csv), args.unit, args.channel)
    verb = "created" if res.created_channel else "existing"
    print(f"{args.unit} / {args.channel} ({res.channel_code}, {verb} channel {res.channel_id}): "
          f"{res.items_new} new, {res.items_updated} updated item(s)")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from auditor.harvest.launch import resume_crawl

    factory, url = _factory(args)
    run_id = resume_crawl(factory, url, args.run)
    from rich.console import Console

    from auditor.harvest.summary import print_crawl_summary

    print_crawl_summary(factory, run_id, Console() if sys.stdout.isatty() else Console(width=200))
    print(f"crawl run {run_id} resumed")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """One more process for a running distributed crawl run (on this machine or another)."""
    import os

    from auditor.harvest.launch import _run_children, crawl_settings
    from auditor.store.models import CrawlRun

    if not os.environ.get("AUDITOR_DISTRIBUTED"):
        raise AuditorError("a crawl worker needs distributed mode", where="AUDITOR_DISTRIBUTED",
                           hint="set AUDITOR_DISTRIBUTED=redis://host:port/0 on every worker")
    factory, url = _factory(args)
    with factory() as session:
        run = session.get(CrawlRun, args.run)
        if run is None:
            raise AuditorError(f"no crawl run {args.run}", hint="`auditor runs` lists the crawl runs")
        registry_path = run.registry_path
    _run_children(factory, url, args.run, "audit", None, crawl_settings(registry_path, None), None, 1)
    print(f"crawl worker done for run {args.run}")
    return 0


def cmd_snapshot_show(args: argparse.Namespace) -> int:
    from auditor.harvest.snapshots import show_snapshot

    factory, _ = _factory(args)
    with factory() as session:
        snap = show_snapshot(session, args.url, run_id=args.run)
    meta = {"url": snap.url, "final_url": snap.final_url, "redirects": snap.redirects,
            "fetched_at": snap.fetched_at.isoformat(timespec="seconds"), "crawl_run": snap.crawl_run_id,
            "http_status": snap.http_status, "sha256": snap.sha256, "size": snap.size, "truncated": snap.truncated,
            "content_type": snap.content_type}
    if args.out:
        Path(args.out).write_bytes(snap.body)
        meta["saved_to"] = args.out
    if args.meta or args.out:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
    else:
        print(json.dumps(meta, ensure_ascii=False), file=sys.stderr)
        sys.stdout.write(snap.text())
    return 0


def cmd_snapshot_prune(args: argparse.Namespace) -> int:
    from auditor.harvest.snapshots import prune_snapshots

    factory, _ = _factory(args)
    with factory() as session:
        res = prune_snapshots(session, args.keep_runs)
    print(f"pruned {res['fetches']} fetch record(s) and {res['snapshots']} snapshot(s)")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `import-items`, `resume-crawl`, `crawl-worker` and `snapshot show|prune`."""
    imp = sub.add_parser("import-items", help="import items of a channel that cannot be crawled (CSV)")
    imp.add_argument("csv", help="CSV with columns title, url, publish_date, channel (UTF-8 or GB18030)")
    imp.add_argument("--unit", required=True, help="unit id from the registry")
    imp.add_argument("--channel", required=True, help="channel name, e.g. 云溪民政 微信公众号 or 社区公示栏")
    imp.set_defaults(func=cmd_import_items)

    res = sub.add_parser("resume-crawl", help="go on with a stopped crawl run (stored pages are not re-fetched)")
    res.add_argument("run", type=int, help="crawl run id (see `auditor runs`)")
    res.set_defaults(func=cmd_resume)

    wk = sub.add_parser("crawl-worker", help="join a distributed crawl run (needs AUDITOR_DISTRIBUTED=redis://…)")
    wk.add_argument("--run", type=int, required=True, help="crawl run id to join")
    wk.set_defaults(func=cmd_worker)

    snap = sub.add_parser("snapshot", help="evidence snapshots of fetched pages")
    ssub = snap.add_subparsers(dest="snapshot_cmd", required=True)
    show = ssub.add_parser("show", help="the latest snapshot of a page (e.g. an item's URL)")
    show.add_argument("url")
    show.add_argument("--run", type=int, default=None, help="the snapshot of this crawl run")
    show.add_argument("--out", default=None, help="write the raw bytes to this file")
    show.add_argument("--meta", action="store_true", help="print only the fetch facts as JSON")
    show.add_argument("--db", default=argparse.SUPPRESS, help="database file or URL")
    show.set_defaults(func=cmd_snapshot_show)
    prune = ssub.add_parser("prune", help="keep fetch records of the last N crawl runs (+ latest of each URL)")
    prune.add_argument("--keep-runs", type=int, default=5)
    prune.add_argument("--db", default=argparse.SUPPRESS, help="database file or URL")
    prune.set_defaults(func=cmd_snapshot_prune)

"""`auditor discover`: propose a units registry from a portal's address, and check a draft.

Registered by auditor/cli.py through `add_parser(subparsers)`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.errors import AuditorError, ConfigError

EXAMPLES = """examples:
  auditor discover http://www.example.gov.cn/ --out draft.yaml
  auditor discover http://www.example.gov.cn/ http://mzj.example.gov.cn/ --out draft.yaml --max-pages 800
  auditor discover http://www.example.gov.cn/ --out draft.yaml --replay www.example.gov.cn=./saved-site
  auditor discover --check draft.yaml
"""
DEFAULT_POLICY_DOCS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "policy-docs"


@contextmanager
def progress_reporter(label: str, *, every: float = 5.0, stream=None) -> Iterator[Callable[[int], None]]:
    """A rich status line on a terminal; elsewhere one plain line every `every` seconds."""
    stream = stream or sys.stdout
    if stream.isatty():
        from rich.console import Console

        with Console(file=stream).status(label) as status:
            yield lambda n: status.update(f"{label} · {n} pages read")
        return
    last = [0.0, -1]

    def update(n: int) -> None:
        now = time.monotonic()
        if n != last[1] and now - last[0] >= every:
            print(f"{label}: {n} pages read", file=stream, flush=True)
            last[0], last[1] = now, n

    yield update


def _replay(values: list[str] | None) -> dict[str, str]:
    """--replay HOST=PATH options → {host: saved copy}, read as `auditor crawl --replay` reads them."""
    from auditor.harvest.replay import parse_replay_option

    sources = [parse_replay_option(v) for v in values or []]
    return {s.host: str(s.path) for s in sources}


def _settings(args: argparse.Namespace) -> dict:
    settings: dict = {}
    if args.delay is not None:
        settings["DOWNLOAD_DELAY"] = args.delay
        if args.delay == 0:
            settings["AUTOTHROTTLE_ENABLED"] = False
    return settings


def _print_summary(draft, out: Path) -> None:
    s = draft.summary()
    cols = ", ".join(f"{k} {v}" for k, v in s["columns"].items()) or "none"
    print(f"{draft.district_name}: {s['units']} units ({s['departments']} departments, {s['subdistricts']} "
          f"subdistricts); columns: {cols}")
    print(f"domains covered: {len(s['domains_covered'])} of {len(s['domains_covered']) + len(s['domains_uncovered'])}"
          f" ({', '.join(s['domains_covered']) or 'none'})")
    print(f"not placed: {s['unplaced']} column(s); not read: {s['unread']} page(s) — see {out.name}.evidence.md")
    print(f"wrote {out} (validate with `auditor units validate {out}`)")


def cmd_discover(args: argparse.Namespace) -> int:
    from auditor.catalog.column_domain import index_for
    from auditor.catalog.loader import load_catalog

    catalog = load_catalog()
    replay = _replay(args.replay)
    if args.check:
        return _check(args, catalog, replay)
    if not args.urls or not args.out:
        raise ConfigError("auditor discover needs a portal URL and --out FILE (or --check FILE)",
                          hint="e.g. auditor discover http://www.example.gov.cn/ --out draft.yaml")
    for url in args.urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"not an http(s) URL: {url!r}", hint="give the portal's address, e.g. http://www.x.gov.cn/")
    from auditor.discover.analyse import analyse
    from auditor.discover.draft import build_draft
    from auditor.discover.fetch import run_discovery_crawl
    from auditor.discover.leads import read_leads
    from auditor.discover.report import write_draft

    with progress_reporter("discover") as update:
        outcome = run_discovery_crawl(args.urls, max_pages=args.max_pages, max_depth=args.max_depth, replay=replay,
                                      settings=_settings(args), progress=update)
    leads = read_leads(Path(args.policy_docs), catalog)
    draft = build_draft(analyse(outcome.records), catalog, index_for(catalog), leads, args.urls)
    out = Path(args.out)
    _, _, md = write_draft(draft, out, source=", ".join(args.urls))
    if not draft.units:
        raise AuditorError(f"no unit found in {len(outcome.records)} page(s) read from {', '.join(args.urls)}; "
                           f"what was read is in {md}",
                           hint="raise --max-pages, give the 政府信息公开 page or the units' sites as further URLs")
    _print_summary(draft, out)
    return 0


def _check(args: argparse.Namespace, catalog, replay: dict[str, str]) -> int:
    from auditor.discover.check import run_check
    from auditor.units.loader import load_registry

    registry = load_registry(Path(args.check), set(catalog.domains()))
    with progress_reporter("check") as update:
        report = run_check(registry, catalog, replay=replay, settings=_settings(args), progress=update)
    for c in report.columns:
        if c.state != "ok":
            print(f"{c.state:11} {c.owner} / {c.name} ({c.kind}{' ' + c.domain if c.domain else ''}): {c.detail}"
                  f" — {c.url}")
    n = len(report.columns)
    print(f"{n} column(s): {len(report.by_state('ok'))} ok, {len(report.by_state('empty'))} empty, "
          f"{len(report.by_state('contradicts'))} contradict their domain, {len(report.by_state('unread'))} "
          f"unread (unverified, not empty)")
    print(f"catalog domains no unit covers: {', '.join(report.uncovered_domains) or 'none'}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("discover", help="propose a draft units registry from a portal's address (or --check one)",
                       description="Crawls the portal's navigation politely and writes a draft registry with the "
                                   "evidence of every proposal in FILE.evidence.md / .json.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("urls", nargs="*", help="the portal's address (first), then any unit sites it does not link")
    p.add_argument("--out", help="the draft registry to write (YAML)")
    p.add_argument("--check", metavar="FILE", help="re-read one list page per column of FILE and report problems")
    p.add_argument("--replay", action="append", metavar="HOST=PATH",
                   help="answer requests to HOST from a saved copy (HTTrack/wget folder or WARC file; repeatable)")
    p.add_argument("--max-pages", type=int, default=400, help="pages to read at most (default 400)")
    p.add_argument("--max-depth", type=int, default=7, help="link depth from the start page (default 7)")
    p.add_argument("--delay", type=float, default=None, help="seconds between requests to one site (default 0.5)")
    p.add_argument("--policy-docs", default=str(DEFAULT_POLICY_DOCS),
                   help="folder of implementation plans naming 牵头单位 (default ../shared/domain/policy-docs)")
    p.set_defaults(func=cmd_discover)

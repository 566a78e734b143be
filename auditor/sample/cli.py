"""`auditor sample serve`: the sample district alone on 127.0.0.1, so any command can be pointed at it."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path

EXAMPLES = """examples:
  auditor sample serve --port 8700 --registry-out sample-registry.yaml
  # in another terminal, audit it as you would a real district:
  auditor crawl --registry sample-registry.yaml && auditor score --as-of 2026-11-20
"""


def cmd_sample_serve(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.sample.generate import build_sample
    from auditor.sample.registry import write_registry
    from auditor.sample.server import FEEDS, SamplePortal

    sample = build_sample(load_catalog(), WorkingCalendar())
    portal = SamplePortal(sample.plan, base_port=args.port or 0)
    stop = threading.Event()
    # Ctrl-C and a polite kill both stop it cleanly, even when started with SIGINT ignored (a background job)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        urls = portal.start()
        registry = write_registry(sample, portal, Path(args.registry_out))
        if args.truth_out:
            Path(args.truth_out).write_text(json.dumps(sample.truth.to_json(), ensure_ascii=False, indent=1),
                                            encoding="utf-8")
        print(f"示例区县 sample district {sample.spec['district']['name']} (audit date {sample.as_of}):", flush=True)
        for site in sample.plan.sites:
            note = "  (seeded: does not answer)" if site.unreachable else ""
            print(f"  {site.name}: {urls[site.key]}/{note}", flush=True)
        print(f"  政务新媒体 feeds: {urls[FEEDS]}/", flush=True)
        print(f"registry: {registry.resolve()}", flush=True)
        if args.truth_out:
            print(f"ground truth: {Path(args.truth_out).resolve()}", flush=True)
        print("serving until Ctrl-C", flush=True)
        while not stop.wait(0.5):
            pass
        print("stopped", flush=True)
    finally:
        portal.stop()
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sample", help="the fictional sample district 云溪区 (serve it on 127.0.0.1)",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="sample_command", metavar="COMMAND", required=True)
    s = sub.add_parser("serve", help="serve the sample district's sites until Ctrl-C and write its registry",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--port", type=int, default=0,
                   help="first port: sites listen on PORT, PORT+1, … (default: any free ports)")
    s.add_argument("--registry-out", default="sample-registry.yaml",
                   help="where to write the units registry pointing at the served sites "
                        "(default: sample-registry.yaml)")
    s.add_argument("--truth-out", default=None, help="also write the ground truth (JSON) of the sample here")
    s.set_defaults(func=cmd_sample_serve)

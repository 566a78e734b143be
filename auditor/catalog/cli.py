"""`auditor catalog …`: validate the catalog files, look at a row, try a 公开时限 phrase.

Editors of catalogs/*.yaml need a quick way to see every problem and how a phrase will be read;
this is that, hooked into the main CLI by auditor/cli.py (add_parser / run).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from auditor.catalog.deadline import parse_time_limit
from auditor.catalog.loader import load_catalog, validate_catalog
from auditor.catalog.workdays import default_calendar


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `catalog validate|stats|show|deadline` under the main parser."""
    p = sub.add_parser("catalog", help="validate / inspect the 标准目录 catalog")
    p.add_argument("--dir", default=None, help="catalog directory (default: catalogs/ or $AUDITOR_CATALOG_DIR)")
    csub = p.add_subparsers(dest="catalog_cmd", required=True)
    csub.add_parser("validate", help="list every problem as file:row:field")
    csub.add_parser("stats", help="rows per domain, backed vs unbacked")
    show = csub.add_parser("show", help="one entry as JSON, with its parsed deadline")
    show.add_argument("id")
    dl = csub.add_parser("deadline", help="parse a 公开时限 phrase; with --from, compute the due date")
    dl.add_argument("phrase")
    dl.add_argument("--from", dest="start", type=date.fromisoformat, default=None)
    dl.add_argument("--applies-to", default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch one `catalog` sub-command; returns the exit status."""
    path = Path(args.dir) if getattr(args, "dir", None) else None
    cmd = args.catalog_cmd
    if cmd == "validate":
        problems = validate_catalog(path)
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem(s)" if problems else "catalog: OK")
        return 1 if problems else 0
    if cmd == "deadline":
        rule = parse_time_limit(args.phrase)
        out = {"rule": rule.to_json()}
        if args.start:
            due = rule.due_date(args.start, default_calendar(), args.applies_to)
            out["due"] = None if due is None else {"date": due.date.isoformat(), "fallback_used": due.fallback_used}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    catalog = load_catalog(path)
    if cmd == "show":
        entry = catalog.by_id.get(args.id)
        if entry is None:
            print(f"no entry {args.id!r}", file=sys.stderr)
            return 1
        data = entry.model_dump(mode="json")
        data["deadline"] = entry.deadline.to_json()
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    total, backed = Counter(), Counter()
    for e in catalog.entries:
        total[e.domain] += 1
        backed[e.domain] += e.source != "unbacked"
    print(f"catalog {catalog.version} (effective {catalog.effective}): {len(catalog.entries)} rows")
    for domain in catalog.domains():
        print(f"{domain}\t{total[domain]}\t{backed[domain]} backed")
    return 0

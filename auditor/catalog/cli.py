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
from auditor.catalog.loader import check_catalog, load_catalog
from auditor.catalog.models import LEVELS, Catalog, CatalogEntry
from auditor.catalog.workdays import default_calendar
from auditor.errors import CatalogError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `catalog validate|stats|show|deadline` under the main parser."""
    p = sub.add_parser("catalog", help="validate / inspect the 标准目录 catalog")
    p.add_argument("--dir", default=None, help="catalog directory (default: catalogs/ or $AUDITOR_CATALOG_DIR)")
    csub = p.add_subparsers(dest="catalog_cmd", required=True)
    csub.add_parser("validate", help="list every problem as file:row:field; rows per domain when OK")
    csub.add_parser("stats", help="rows per domain, backed vs unbacked")
    ls = csub.add_parser("list", help="catalog rows: a table, or one JSON object per line with --json")
    ls.add_argument("--domain", default=None, help="domain name (社会救助) or code (shehui_jiuzhu)")
    ls.add_argument("--level", choices=LEVELS, default=None, help="only rows of this 公开层级")
    ls.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    df = csub.add_parser("diff", help="check a unit's own catalog (.csv/.xlsx/.html) against the national one")
    df.add_argument("unit_catalog", help="the unit's published catalog file")
    df.add_argument("--domain", default=None, help="domain name or code (default: from the file's title/rows)")
    df.add_argument("--level", choices=LEVELS, default=None, help="the unit's level: which national rows it must list")
    df.add_argument("--format", dest="fmt", choices=("csv", "xlsx", "html"), default=None,
                    help="force the file format (default: from the extension/content)")
    df.add_argument("--json", action="store_true", help="one JSON finding per line instead of a table")
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
        problems, catalog = check_catalog(path)
        for p in problems:
            print(p, file=sys.stderr)
        if problems or catalog is None:
            print(f"{len(problems)} problem(s)")
            return 1
        counts = Counter(e.domain for e in catalog.entries)
        for domain in catalog.domains():
            print(f"{domain}\t{counts[domain]}")
        print(f"catalog: OK ({len(catalog.entries)} rows in {len(counts)} domains)")
        return 0
    if cmd == "diff":
        return _diff(args, path)
    if cmd == "deadline":
        rule = parse_time_limit(args.phrase)
        out = {"rule": rule.to_json(), "observed_by": rule.observed_by}
        if not rule.assessable:
            out["not_assessable"] = rule.reason
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
    if cmd == "list":
        return _list(catalog, args)
    total, backed = Counter(), Counter()
    for e in catalog.entries:
        total[e.domain] += 1
        backed[e.domain] += e.backed
    print(f"catalog {catalog.version} (effective {catalog.effective}): {len(catalog.entries)} rows")
    for domain in catalog.domains():
        print(f"{domain}\t{total[domain]}\t{backed[domain]} backed")
    n, b = len(catalog.entries), sum(backed.values())
    elements = sum(e.backed and e.source_element for e in catalog.entries)
    print(f"backed: {b} of {n} rows ({100 * b / max(n, 1):.1f} %), {elements} of them one element of a "
          f"wider published row; reconstructed: {n - b}")
    return 0


def entry_json(e: CatalogEntry) -> dict:
    """The fields `catalog list --json` prints for one row."""
    return {
        "id": e.id, "domain": e.domain, "domain_code": e.domain_code, "level1": e.level1, "level2": e.level2,
        "level3": e.level3, "time_limit": e.time_limit, "deadline_kind": e.deadline.kind,
        "channels": [c.model_dump(mode="json") for c in e.channels], "required_channels": e.required_channels,
        "mode": e.mode, "levels": list(e.levels), "level": list(e.levels), "stage": e.stage,
        "stage_inferred": e.stage_inferred, "source": e.source, "backed": e.backed,
    }


def _select(catalog: Catalog, domain: str | None) -> list[CatalogEntry]:
    if domain is None:
        return list(catalog.entries)
    rows = catalog.by_domain(domain)
    if not rows:
        raise CatalogError(f"unknown domain {domain!r}", where="--domain",
                           hint="use a name or code from `auditor catalog stats`")
    return rows


def _list(catalog: Catalog, args: argparse.Namespace) -> int:
    rows = [e for e in _select(catalog, args.domain) if args.level is None or args.level in e.levels]
    if args.json:
        for e in rows:
            print(json.dumps(entry_json(e), ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"标准目录 {catalog.version}: {len(rows)} rows", show_lines=False)
    for col in ("id", "一级事项", "二级事项", "公开时限", "渠道 (■ required)", "方式", "层级", "五公开", "source"):
        table.add_column(col, overflow="fold")
    for e in rows:
        chans = " ".join(("■" if c.required else "□") + c.code for c in e.channels)
        stage = (e.stage or "—") + ("*" if e.stage and e.stage_inferred else "")
        table.add_row(e.id, e.level1, e.level2, e.time_limit or "(art. 26 default)", chans, e.mode,
                      "/".join(e.levels), stage, "backed" if e.source != "unbacked" else "unbacked")
    Console(width=max(160, Console().width)).print(table)
    print("* stage inferred from the item name")
    return 0


def _diff(args: argparse.Namespace, path: Path | None) -> int:
    from auditor.catalog.diff import diff_unit_catalog
    from auditor.catalog.unit_catalog import read_unit_catalog

    unit = read_unit_catalog(Path(args.unit_catalog), args.fmt)  # unreadable input fails before the load
    catalog = load_catalog(path)
    findings = diff_unit_catalog(unit, catalog, args.domain, args.level, calendar=default_calendar())
    for w in unit.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        for f in findings:
            print(json.dumps(f.to_json(), ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{unit.source}: {len(unit.rows)} rows, {len(findings)} finding(s)")
    for col in ("rule", "severity", "national row", "unit row", "message"):
        table.add_column(col, overflow="fold")
    for f in findings:
        table.add_row(f.rule, f.severity, f.entry_id or "—",
                      "—" if f.unit_row is None else " ".join(filter(None, [f.sheet, f"row {f.unit_row}"])),
                      f.message)
    Console(width=max(160, Console().width)).print(table)
    counts = Counter(f.rule for f in findings)
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no findings: the unit catalog conforms")
    return 0

"""Matcher commands: `auditor match eval [--gold FILE]` and `auditor match-titles IN.csv --out OUT.csv`.

`auditor match` itself (match the store) is defined in auditor/cli.py; `eval` is added to it as an
optional sub-command, so `auditor match --scheme X` keeps working.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _thresholds(scheme_name: str):  # noqa: ANN202
    from auditor.match.matcher import Thresholds
    from auditor.scoring.rules import load_scheme

    scheme = load_scheme(scheme_name)
    return Thresholds(scheme.matching.accept, scheme.matching.review)


def cmd_eval(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.match.evaluate import GOLD, evaluate, format_report, load_gold
    from auditor.match.matcher import Matcher

    catalog = load_catalog()
    rows = load_gold(Path(args.gold) if args.gold else GOLD, catalog)
    report = evaluate(rows, catalog, Matcher(_thresholds(args.eval_scheme)))
    if args.errors:
        for row, pred in report.errors[: args.errors]:
            print(f"{row.line}\t{row.expected or '-'}\t→ {pred or '-'}\t{row.title}")
    for line in format_report(report):
        print(line)
    return 0


def cmd_match_titles(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.match.matcher import Matcher
    from auditor.match.titles import match_rows, read_rows, write_results

    catalog = load_catalog()
    rows = read_rows(Path(args.file), catalog)
    results = match_rows(rows, catalog, Matcher(_thresholds(args.scheme)))
    write_results(Path(args.out), rows, results, catalog)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.decision] = counts.get(r.decision, 0) + 1
    print(f"{len(rows)} titles → {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    match = subparsers.choices.get("match")
    if match is None:  # the store command lives in auditor/cli.py; stand alone if it is ever removed
        match = subparsers.add_parser("match", help="matcher commands")
    msub = match.add_subparsers(dest="match_command", required=False, metavar="{eval}")
    ev = msub.add_parser("eval", help="precision/recall/F1 per domain on a labelled gold set, with a baseline")
    ev.add_argument("--gold", default=None, help="gold CSV (default: tests/fixtures/gold/gold.csv)")
    ev.add_argument("--scheme", dest="eval_scheme", default="default", help="scheme whose matching thresholds apply")
    ev.add_argument("--errors", type=int, default=0, metavar="N", help="also list the first N wrong rows")
    ev.set_defaults(func=cmd_eval)

    mt = subparsers.add_parser("match-titles", help="match titles from a CSV file (no store) and write the best entry")
    mt.add_argument("file", help="CSV with columns title, column, unit_level, domains [, published]")
    mt.add_argument("--out", required=True, help="output CSV (adds domain, level1, level2, entry_id, score, decision)")
    mt.add_argument("--scheme", default="default", help="scheme whose matching thresholds apply")
    mt.set_defaults(func=cmd_match_titles)

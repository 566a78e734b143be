"""Matcher commands: `auditor match eval [--gold FILE]`, `auditor match export-labels --out FILE` and
`auditor match-titles IN.csv --out OUT.csv`.

`auditor match` itself (match the store) is defined in auditor/cli.py; `eval` is added to it as an
optional sub-command, so `auditor match --scheme X` keeps working.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _thresholds(scheme_name: str):
    from auditor.match.matcher import Thresholds
    from auditor.scheme import load_scheme

    scheme = load_scheme(scheme_name)
    return Thresholds(scheme.matching.accept, scheme.matching.review)


def cmd_eval(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.match.evaluate import GOLD, REAL, evaluate, format_report, load_gold, select_split, write_figures
    from auditor.match.matcher import Matcher

    catalog = load_catalog()
    matcher = Matcher(_thresholds(args.eval_scheme), catalog_entries=catalog.entries)
    if args.gold:
        sets = [(Path(args.gold), args.split)]
    else:  # both sets: the real one (when present) first, the generated one last
        sets = ([(REAL, args.split)] if REAL.exists() else []) + [(GOLD, None)]
    for path, split in sets:
        rows = select_split(load_gold(path, catalog), split)
        if args.calibrate:
            from auditor.match.evaluate import calibrate

            print(f"{'accept':>6} {'P':>6} {'R':>6} {'F1':>6} {'neg acc':>8} {'in review band (accept-15)':>27}")
            for pt in calibrate(rows, catalog):
                c = pt.counts
                print(f"{pt.accept:>6.0f} {c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f} {pt.negatives_accepted:>8.3f} "
                      f"{pt.review_recall:>27.3f}")
        report = evaluate(rows, catalog, matcher)
        if args.errors:
            for row, pred in report.errors[: args.errors]:
                print(f"{row.line}\t{row.expected or '-'}\t→ {pred or '-'}\t{row.title}")
        name = f"{path.name}" + (f" split={split}" if split and split != "all" else "") + f" ({len(rows)} rows)"
        for line in format_report(report, name if len(sets) > 1 or split else ""):
            print(line)
        if args.figures and path == sets[0][0]:
            write_figures(Path(args.figures), report, path, split, args.eval_scheme, matcher.thresholds)
    return 0


def cmd_export_labels(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.match.labels import label_rows, write_labels
    from auditor.store.db import open_db

    catalog = load_catalog()
    factory = open_db(args.db)
    with factory() as session:
        rows = label_rows(session)
    write_labels(Path(args.out), rows, catalog)
    pos = sum(1 for r in rows if r.expected)
    print(f"{len(rows)} reviewed titles → {args.out}: {pos} positive, {len(rows) - pos} negative")
    return 0


def cmd_match_titles(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.match.matcher import Matcher
    from auditor.match.titles import match_rows, read_rows, write_results

    catalog = load_catalog()
    rows = read_rows(Path(args.file), catalog)
    results = match_rows(rows, catalog, Matcher(_thresholds(args.scheme), catalog_entries=catalog.entries))
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
    msub = match.add_subparsers(dest="match_command", required=False, metavar="{eval,export-labels}")
    ev = msub.add_parser("eval", help="precision/recall/F1 per domain on a labelled gold set, with a baseline",
                         description="Measure the matcher on labelled titles: precision, recall and F1 per domain "
                                     "and overall, the share of positives given the right domain and the share of "
                                     "negatives accepted. The last line is `overall precision=P recall=R f1=F "
                                     "baseline_f1=B` for the set given.",
                         epilog="examples:\n  auditor match eval\n"
                                "  auditor match eval --gold tests/fixtures/real_titles/real_titles.csv --split held\n"
                                "  auditor match eval --gold tests/fixtures/real_titles/real_titles.csv --split held "
                                "--figures rules/matcher_figures.yaml",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    ev.add_argument("--gold", default=None,
                    help="labelled CSV (default: the real set tests/fixtures/real_titles/real_titles.csv when "
                         "present, then the generated set tests/fixtures/gold/gold.csv)")
    ev.add_argument("--split", default=None, choices=("dev", "held", "all"),
                    help="only rows of this split (sets with a `split` column); thresholds are chosen on dev, "
                         "figures are reported on held")
    ev.add_argument("--calibrate", action="store_true",
                    help="also print precision/recall/negatives accepted for each accept threshold (choose the "
                         "thresholds in rules/ from the dev split with this)")
    ev.add_argument("--figures", default=None, metavar="FILE",
                    help="write the figures of the (first) set to FILE (YAML, under the split's key) for the "
                         "report's methodology, e.g. rules/matcher_figures.yaml")
    ev.add_argument("--scheme", dest="eval_scheme", default="default", help="scheme whose matching thresholds apply")
    ev.add_argument("--errors", type=int, default=0, metavar="N", help="also list the first N wrong rows")
    ev.set_defaults(func=cmd_eval)

    ex = msub.add_parser("export-labels", help="reviewer relinks/confirms/rejects as labelled titles (eval CSV format)",
                         description="Write every reviewed item (latest active confirm, relink or reject) as a "
                                     "labelled row in the format of tests/fixtures/real_titles/real_titles.csv, "
                                     "so a district's reviews grow the development set.",
                         epilog="example:\n  auditor match export-labels --out reviewed.csv\n"
                                "  auditor match eval --gold reviewed.csv",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("--out", required=True, help="output CSV")
    ex.set_defaults(func=cmd_export_labels)

    mt = subparsers.add_parser("match-titles", help="match titles from a CSV file (no store) and write the best entry")
    mt.add_argument("file", help="CSV with columns title, column, unit_level, domains [, published]")
    mt.add_argument("--out", required=True, help="output CSV (adds domain, level1, level2, entry_id, score, decision)")
    mt.add_argument("--scheme", default="default", help="scheme whose matching thresholds apply")
    mt.set_defaults(func=cmd_match_titles)

"""Report commands beyond `auditor report`: `auditor pdf` writes the PDFs with options.

    auditor pdf [--run N] --out DIR [--units] [--unit ID …] [--matches] [--match-eval] [--workers N]

(`auditor report --format pdf` writes the district summary PDF and every unit's PDF with the defaults.)
Without options only the district summary (audit-run-N.pdf: rankings and summary tables) is written;
`--units` adds one PDF per unit (units/<id>.pdf); `--unit` writes only the named units' scorecards;
`--matches` lists every matched item in the scorecards (long; the XLSX 匹配 sheet has them anyway);
`--match-eval` measures the matcher on the gold set (as `auditor match eval`) for the methodology appendix.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_pdf(args: argparse.Namespace) -> int:
    from auditor.errors import AuditorError
    from auditor.report.pdf import write_pdf
    from auditor.report.report_context import build_report_context
    from auditor.report.trends import attach_match_eval
    from auditor.store.db import open_existing_db
    from auditor.store.runs import resolve_audit_run

    factory = open_existing_db(args.db)
    with factory() as session:
        run_id = resolve_audit_run(session, args.run)
        ctx = build_report_context(session, run_id)
    if args.match_eval:
        ctx = attach_match_eval(ctx)
    out = Path(args.out)
    if args.unit:
        known = {u.id for u in ctx.units}
        unknown = [u for u in args.unit if u not in known]
        if unknown:
            raise AuditorError(f"unknown unit(s) in audit run {run_id}: {', '.join(unknown)}",
                               hint=f"choose from {', '.join(sorted(known))}")
    written = write_pdf(ctx, out, per_unit=bool(args.units or args.unit), unit_ids=args.unit,
                        district=not args.unit, matches=args.matches, workers=args.workers)
    for p in written:
        print(p)
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("pdf", help="write the district report PDF (and per-unit PDFs) of an audit run")
    p.add_argument("--run", type=int, default=None, help="audit run id (default: the latest complete run)")
    p.add_argument("--out", default="reports-out")
    p.add_argument("--units", action="store_true", help="also write one PDF per unit under units/")
    p.add_argument("--unit", action="append", metavar="ID", help="only this unit's scorecard (repeatable)")
    p.add_argument("--matches", action="store_true", help="list every matched item in the scorecards")
    p.add_argument("--workers", type=int, default=2, help="processes rendering PDFs (default 2; 1 = no pool)")
    p.add_argument("--match-eval", action="store_true",
                   help="measure the matcher on the gold set for the methodology appendix (slow)")
    p.set_defaults(func=cmd_pdf)

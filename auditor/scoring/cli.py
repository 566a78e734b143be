"""`auditor rules …`, `auditor upcoming`, `auditor deltas`: the scoring stage's commands.

Hooked into the main CLI by auditor/cli.py (STAGE_CLIS → add_parser).
"""

from __future__ import annotations

import argparse
import json

from auditor.errors import AuditorError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `rules validate|show|list`, `upcoming` and `deltas` under the main parser."""
    r = sub.add_parser("rules", help="validate / show rule sets and scoring schemes (rules/*.yaml)")
    rsub = r.add_subparsers(dest="rules_cmd", required=True)
    v = rsub.add_parser("validate", help="check scheme files; every problem with file, line and key")
    v.add_argument("schemes", nargs="*", help="scheme names or paths (default: every shipped scheme)")
    s = rsub.add_parser("show", help="a scheme as loaded (defaults filled in), as JSON")
    s.add_argument("scheme")
    rsub.add_parser("list", help="the shipped schemes")
    r.set_defaults(func=run_rules)

    u = sub.add_parser("upcoming", help="obligations falling due in the next N working days (per unit)")
    u.add_argument("--run", type=int, default=None, help="audit run id (default: the latest complete run)")
    u.add_argument("--unit", default=None)
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=run_upcoming)

    d = sub.add_parser("deltas", help="score changes per unit vs the previous run of the same scheme, with reasons")
    d.add_argument("--run", type=int, default=None, help="audit run id (default: the latest complete run)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_deltas)


def run_rules(args: argparse.Namespace) -> int:
    from auditor.scheme import load_scheme, shipped_schemes

    if args.rules_cmd == "list":
        for name in shipped_schemes():
            s = load_scheme(name)
            print(f"{name}\t{s.version}\t{s.scoring.method}\t{s.title}")
        return 0
    if args.rules_cmd == "show":
        print(json.dumps(load_scheme(args.scheme).model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    names = args.schemes or shipped_schemes()
    errors = []
    for name in names:
        try:
            s = load_scheme(name)
            print(f"ok\t{name}\t{s.name}@{s.version}\tchecks: {', '.join(s.checks.enabled())}")
        except AuditorError as exc:
            errors.append(str(exc))
    if errors:
        raise AuditorError("\n".join(errors))
    return 0


def _latest(factory, run: int | None) -> int:
    from auditor.store.runs import resolve_audit_run

    with factory() as session:
        return resolve_audit_run(session, run)


def run_upcoming(args: argparse.Namespace) -> int:
    from auditor.scoring.upcoming import upcoming_obligations
    from auditor.store.db import open_existing_db

    factory = open_existing_db(args.db)
    run_id = _latest(factory, args.run)
    with factory() as session:
        rows = upcoming_obligations(session, run_id, args.unit)
    if args.json:
        print(json.dumps([dict(o.__dict__, due_date=o.due_date.isoformat()) for o in rows], ensure_ascii=False,
                         indent=2))
        return 0
    for o in rows:
        print(f"{o.unit_id}\t{o.due_date}\t{o.working_days_left:>3}个工作日\t{o.kind}\t{o.entry_id}\t{o.title}")
    print(f"{len(rows)} upcoming obligations (audit run {run_id})")
    return 0


def run_deltas(args: argparse.Namespace) -> int:
    from auditor.scoring.lifecycle import score_deltas
    from auditor.store.db import open_existing_db

    factory = open_existing_db(args.db)
    run_id = _latest(factory, args.run)
    with factory() as session:
        rows = score_deltas(session, run_id)
        data = [{"unit": d.unit_id, "score": d.score, "previous_score": d.previous_score, "delta": d.delta,
                 "previous_run": d.previous_run_id, "reasons": d.reasons} for d in rows]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for d in data:
        why = "; ".join(f"{r['reason']} {r['points']:+.2f} ({r['count']})" for r in d["reasons"]) or "-"
        delta = "n/a" if d["delta"] is None else f"{d['delta']:+.2f}"
        print(f"{d['unit']}\t{d['score']}\t{delta}\t{why}")
    return 0

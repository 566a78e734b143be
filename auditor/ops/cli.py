"""`auditor ops …`: scheduled operation (registered by auditor/cli.py through add_parser)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path


def _when(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date-time: {text!r} (use YYYY-MM-DDTHH:MM[+08:00])") from None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ops", help="scheduled operation: schedule, run history, crash recovery")
    osub = p.add_subparsers(dest="ops_command", required=True)

    s = osub.add_parser("schedule", help="run the jobs of a schedule file at their cron times (until Ctrl-C)")
    s.add_argument("file")
    s.add_argument("--once", action="store_true", help="run the jobs due in (--since, --until] now, then exit")
    s.add_argument("--since", type=_when, default=None, help="with --once: start of the window (ISO date-time)")
    s.add_argument("--until", type=_when, default=None, help="with --once: end of the window (default: now)")
    s.set_defaults(func=cmd_schedule)

    v = osub.add_parser("validate", help="check a schedule file (cron expressions, registries, keys)")
    v.add_argument("file")
    v.set_defaults(func=cmd_validate)

    r = osub.add_parser("run", help="run one job of a schedule file now")
    r.add_argument("file")
    r.add_argument("job")
    r.set_defaults(func=cmd_run)

    h = osub.add_parser("runs", help="history of scheduled runs, with status and timings")
    h.add_argument("--json", action="store_true")
    h.add_argument("--limit", type=int, default=50)
    h.set_defaults(func=cmd_runs)

    c = osub.add_parser("recover", help="mark crawl/audit runs left 'running' by a killed process as interrupted")
    c.add_argument("--all-running", action="store_true",
                   help="treat every 'running' run as orphaned (only when nothing else is running)")
    c.set_defaults(func=cmd_recover)


def _factory(args: argparse.Namespace, *, existing: bool = False):
    """The store; `existing`: history and recovery read runs, so a missing database is an error, not a new one."""
    from auditor.store.db import open_db, require_existing_db, resolve_db_url

    url = resolve_db_url(getattr(args, "db", None))
    return open_db(require_existing_db(url) if existing else url), url


def cmd_validate(args: argparse.Namespace) -> int:
    from auditor.ops.schedule import load_schedule

    loaded = load_schedule(Path(args.file))
    print(f"{args.file}: OK ({len(loaded.schedule.jobs)} job(s))")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from auditor.ops.schedule import load_schedule, run_due, serve

    loaded = load_schedule(Path(args.file))
    factory, url = _factory(args)
    if args.once:
        until = args.until or datetime.now(timezone.utc)
        since = args.since or until.replace(hour=0, minute=0, second=0, microsecond=0)
        ids = run_due(factory, url, loaded, since, until)
        print(json.dumps({"ops_runs": ids}))
        return 0
    print(f"scheduling {len(loaded.schedule.jobs)} job(s) ({loaded.schedule.timezone}); Ctrl-C stops")
    serve(factory, url, loaded, blocking=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from auditor.ops.schedule import load_schedule, run_job
    from auditor.store.models_ops import OpsRun

    loaded = load_schedule(Path(args.file))
    factory, url = _factory(args)
    run_id = run_job(factory, url, loaded, loaded.schedule.job(args.job), trigger="manual")
    with factory() as s:
        run = s.get(OpsRun, run_id)
        print(f"ops run {run_id}: {run.status} crawl={run.crawl_run_id} audit={run.audit_run_id} "
              f"timings={json.dumps(run.timings)}")
        if run.error:
            print(run.error.splitlines()[0])
        return 0 if run.status == "complete" else 1


def cmd_runs(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from auditor.store.models_ops import OpsRun

    factory, _ = _factory(args, existing=True)
    with factory() as s:
        rows = list(s.scalars(select(OpsRun).order_by(OpsRun.id.desc()).limit(args.limit)))
    data = [{"id": r.id, "job": r.job_id, "status": r.status, "trigger": r.trigger,
             "scheduled_for": r.scheduled_for.isoformat() if r.scheduled_for else None,
             "started_at": r.started_at.isoformat(), "finished_at": r.finished_at.isoformat() if r.finished_at else None,
             "crawl_run": r.crawl_run_id, "audit_run": r.audit_run_id, "timings": r.timings,
             "error": (r.error or "").splitlines()[0] if r.error else None} for r in reversed(rows)]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    for d in data:
        t = " ".join(f"{k}={v:.1f}s" for k, v in d["timings"].items())
        print(f"{d['id']}\t{d['job']}\t{d['status']}\t{d['started_at']}\tcrawl={d['crawl_run']}\t"
              f"audit={d['audit_run']}\t{t}" + (f"\t{d['error']}" if d["error"] else ""))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from auditor.ops.recovery import recover_interrupted

    factory, _ = _factory(args, existing=True)
    rep = recover_interrupted(factory, held_lock=args.all_running, audit_lock_held=args.all_running)
    print(json.dumps({"crawl_runs": rep.crawl_runs, "audit_runs": rep.audit_runs, "ops_runs": rep.ops_runs}))
    return 0

"""`auditor` command line: the stages as commands, plus `demo` which runs them all on the sample district.

User errors end in one line naming the file/key/URL and the fix (exit 1), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError

STAGE_CLIS = ("auditor.catalog.cli", "auditor.match.cli", "auditor.harvest.cli", "auditor.scoring.cli",
              "auditor.report.cli", "auditor.web.cli", "auditor.ops.cli", "auditor.sample.cli",
              "auditor.discover.cli")


AS_OF_RANGE = (date(2000, 1, 1), date(2099, 12, 31))  # audit dates the working calendar can reason about


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _audit_date(text: str) -> date:
    """An --as-of date within AS_OF_RANGE: refused here, before any audit run is created."""
    day = _date(text)
    low, high = AS_OF_RANGE
    if not low <= day <= high:
        raise argparse.ArgumentTypeError(f"audit date {text} is outside {low} … {high} (deadlines are counted in "
                                         "working days of the Chinese calendar)")
    return day


def _console():
    """rich on a terminal; on a pipe or log file, wide enough that tables of Chinese text stay readable."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)


# ---------------------------------------------------------------------------- commands
def cmd_units_validate(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.units.loader import validate_registry

    try:
        domains = set(load_catalog().domains())
    except AuditorError:
        domains = None
    problems = validate_registry(Path(args.file), domains)  # a folder or unreadable file is one problem
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    for warning in _domain_warnings(Path(args.file)):
        print(warning, file=sys.stderr)
    print(f"{args.file}: OK")
    return 0


def _domain_warnings(path: Path) -> list[str]:
    """Columns whose declared domain contradicts their name (warnings only; see auditor/units/domain_hints)."""
    from auditor.catalog.loader import load_catalog
    from auditor.units.domain_hints import column_domain_warnings

    try:
        return column_domain_warnings(path, load_catalog())
    except AuditorError as exc:
        return [f"warning: column names not checked against domains: {exc}"]


def cmd_extract(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from auditor.harvest.extract.cli import extract_file

    path = Path(args.file)
    if not path.is_file():
        raise AuditorError("file not found", where=str(path), hint="give the path of a saved HTML page")
    parts = urlsplit(args.url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise AuditorError(f"not an http(s) URL: {args.url[:200]!r}", where="--url",
                           hint="give the page's original address, e.g. http://www.example.gov.cn/art/1.html")
    print(json.dumps(extract_file(path, args.url), ensure_ascii=False, indent=2))
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.harvest.replay import parse_replay_option
    from auditor.stages import crawl, load_registry_for
    from auditor.store.db import open_db, resolve_db_url

    catalog = load_catalog()
    registry = load_registry_for(Path(args.registry), catalog)
    replay = [parse_replay_option(v) for v in args.replay or []]
    url = resolve_db_url(args.db)
    factory = open_db(url)
    _recover(factory)
    with _progress("抓取 crawling") as update:
        run_id = crawl(factory, url, registry, str(args.registry), units=args.units or None,
                       progress=lambda p, i: update(f"{p} pages, {i} items"), workers=args.workers, replay=replay)
    from auditor.harvest.summary import print_crawl_summary

    print_crawl_summary(factory, run_id, _console())
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from auditor.catalog.loader import load_catalog
    from auditor.match.matcher import Thresholds
    from auditor.match.matching import run_matching
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import recent_crawl_runs
    from auditor.store.db import open_existing_db
    from auditor.store.models import AuditRun, Match

    catalog, scheme = load_catalog(), load_scheme(args.scheme)
    factory = open_existing_db(args.db)
    with factory() as session:
        from datetime import datetime

        crawl_ids = recent_crawl_runs(session, 1)
        run = AuditRun(started_at=datetime.now(), status="matched", as_of=args.as_of or date.today(),
                       scheme=scheme.name, crawl_run_id=crawl_ids[0] if crawl_ids else None,
                       catalog_version=catalog.version, rules_version=f"{scheme.name}@{scheme.version}", summary={})
        session.add(run)
        session.flush()
        run_matching(session, catalog, run.id, Thresholds(scheme.matching.accept, scheme.matching.review))
        session.commit()
        rows = session.execute(select(Match.unit_id, Match.decision, func.count()).where(Match.audit_run_id == run.id)
                               .group_by(Match.unit_id, Match.decision)).all()
    for unit_id, decision, n in rows:
        print(f"{unit_id}\t{decision}\t{n}")
    print(f"match run {run.id} stored (matches only; `auditor score` runs a full audit)")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.scheme import load_scheme
    from auditor.stages import score, summarise
    from auditor.store.db import open_existing_db

    catalog, scheme = load_catalog(), load_scheme(args.scheme)
    factory = open_existing_db(args.db)
    _recover(factory)
    run_id = score(factory, catalog, scheme, WorkingCalendar(), args.as_of or date.today(),
                   allow_incomplete_crawl=args.allow_incomplete_crawl)
    with factory() as session:
        _print_summary(summarise(session, run_id), f"audit run {run_id} · {scheme.title}")
        from auditor.store.models import AuditRun

        for c in (session.get(AuditRun, run_id).summary or {}).get("incomplete_crawl_runs") or []:
            print(f"warning: crawl run {c['id']} is {c['status']}: every entry of its columns is unverified "
                  "(--allow-incomplete-crawl)", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from auditor.store.db import open_existing_db

    factory = open_existing_db(args.db)
    out = Path(args.out)
    written = _write_reports(factory, _run_id(factory, args.run), out, args.format.split(","))
    for p in written:
        print(p)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    args.format = args.format or "xlsx"
    return cmd_report(args)


def cmd_runs(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from auditor.store.db import open_existing_db
    from auditor.store.models import AuditRun, CrawlRun

    factory = open_existing_db(args.db)
    with factory() as session:
        print("crawl runs:")
        for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id)):
            print(f"  {r.id}\t{r.status}\t{r.started_at:%Y-%m-%d %H:%M:%S}\t{r.finished_at or ''}")
        print("audit runs:")
        for a in session.scalars(select(AuditRun).order_by(AuditRun.id)):
            print(f"  {a.id}\t{a.status}\tas_of={a.as_of}\tscheme={a.scheme}\tcrawl={a.crawl_run_id}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from auditor.demo import run_demo

    result = run_demo(Path(args.out), progress_factory=_progress, with_pdf=not args.no_pdf)
    _print_summary(result.summary, f"云溪区（示例）审计结果 · audit run {result.audit_run_id}")
    print(f"\nreports: {result.out / 'index.html'}\nexport:  {result.xlsx} (+ CSV, JSON)\n"
          f"pdf:     {result.pdf or 'skipped — ' + (result.pdf_note or 'not written')}\n"
          f"ground truth: {result.out / 'ground-truth.json'}\n"
          f"{result.pages} detail pages crawled in {result.crawl_seconds:.1f} s; total {result.seconds:.1f} s")
    roles = {}
    for username, password, role, _unit in result.accounts:
        roles.setdefault(role, []).append(f"{username}/{password}")
    print(f"review workspace: auditor --db {result.out / 'audit.db'} serve  →  http://127.0.0.1:8000/")
    for role, creds in roles.items():
        print(f"  {role}: {', '.join(creds[:4])}{' …' if len(creds) > 4 else ''}")
    return 0


# ---------------------------------------------------------------------------- helpers
def _recover(factory) -> None:
    """Runs left 'running' by a killed process are marked interrupted before a new run starts."""
    from auditor.ops.recovery import recover_interrupted

    report = recover_interrupted(factory)
    if report.crawl_runs or report.audit_runs:
        print(f"recovered interrupted runs: crawl {report.crawl_runs or '-'}, audit {report.audit_runs or '-'}",
              file=sys.stderr)


def _run_id(factory, run: int | None) -> int:
    from auditor.store.runs import resolve_audit_run

    with factory() as session:
        return resolve_audit_run(session, run)


def _write_reports(factory, run_id: int, out: Path, formats: list[str]) -> list[Path]:
    from auditor.report.output import check_formats, write_reports
    from auditor.report.report_context import build_report_context

    formats = check_formats(formats)  # an unknown name fails before the context is built
    with factory() as session:  # one context for every format
        ctx = build_report_context(session, run_id)
    done = write_reports(ctx, out, formats)
    for why in done.skipped.values():
        print(f"pdf: skipped — {why}", file=sys.stderr)
    return done.paths


class _progress:
    """A rich status line while a stage works; on a non-terminal, a plain progress line every few seconds."""

    EVERY_S = 5.0

    def __init__(self, label: str) -> None:
        self.label = label
        self.status = None
        self.last_line = 0.0

    def __enter__(self) -> Callable[[str], None]:
        import time

        if sys.stdout.isatty():
            self.status = _console().status(self.label)
            self.status.__enter__()
        self.last_line = time.monotonic()

        def update(text: str) -> None:
            if self.status is not None:
                self.status.update(f"{self.label} · {text}")
                return
            now = time.monotonic()
            if now - self.last_line >= self.EVERY_S:
                self.last_line = now
                print(f"{self.label} · {text}", flush=True)

        return update

    def __exit__(self, *exc: Any) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)


def _print_summary(rows, title: str) -> None:
    """One table per level (区级 departments, 乡级 subdistricts), ranked units first by rank, then the units
    that could not be fully assessed; the reasons are listed under each table."""
    from rich.console import Console
    from rich.table import Table

    from auditor.report.labels import LEVELS, level_key

    console = Console() if sys.stdout.isatty() else Console(width=160)  # a pipe gets whole names
    console.print(title)
    for level in sorted({r.level for r in rows}, key=level_key):
        members = sorted((r for r in rows if r.level == level),
                         key=lambda r: (r.rank is None, r.rank or 0, -(r.score or 0), r.unit_id))
        table = Table(title=f"{LEVELS.get(level, level)}（{level}）", title_justify="left")
        for col, justify in (("排名", "right"), ("单位", "left"), ("得分", "right"), ("等级", "left"),
                             ("评估", "left"), ("未公开", "right"), ("逾期", "right"), ("时限无法评估", "right"),
                             ("渠道", "right"), ("网站", "right"), ("待核实", "right")):
            table.add_column(col, justify=justify, no_wrap=True)
        for r in members:
            table.add_row(str(r.rank or "—"), f"{r.name}（{r.unit_id}）", "—" if r.score is None else f"{r.score:.1f}",
                          r.grade, r.assessment_label, str(r.missing), str(r.late), str(r.no_anchor),
                          str(r.channel_gaps), str(r.site_health), str(r.unverified - r.no_anchor))
        console.print(table)
        for r in members:
            if r.reasons:
                console.print(f"  {r.name}：{r.assessment_label} — {'；'.join(r.reasons)}", highlight=False)
    console.print("columns: rank within level (units not fully assessed rank after, or not at all), unit, score, "
                  "grade, assessment status, missing, late, timeliness not assessable (no 成文日期), channel gaps, "
                  "site-health defects, unverified (crawl incomplete or offline-only)")


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The `auditor` command line: core commands here, each stage's own commands from its cli module."""
    p = argparse.ArgumentParser(prog="auditor", description="基层政务公开标准化规范化 compliance auditor")
    p.add_argument("--db", default=None, help="database: an SQLite file path or a URL (default: $AUDITOR_DB or ./auditor.db)")
    sub = p.add_subparsers(dest="command", required=True)
    _accept_db_after_command(sub)
    _add_crawl_commands(sub)
    _add_audit_commands(sub)

    # Each stage may contribute commands through `auditor/<stage>/cli.py: add_parser(subparsers)`.
    for module in STAGE_CLIS:
        package = module.rsplit(".", 1)[0]
        if importlib.util.find_spec(package) is not None and importlib.util.find_spec(module) is not None:
            importlib.import_module(module).add_parser(sub)
    from auditor.cli_examples import add_examples

    add_examples(p)
    return p


def _accept_db_after_command(sub: Any) -> None:
    """`--db` is accepted after the command too (`auditor score --db x.db`), for every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database file or URL")
    plain_add_parser = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs["parents"] = [*kwargs.get("parents", []), common]
        return plain_add_parser(name, **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]


def _add_crawl_commands(sub: Any) -> None:
    """demo, units validate, crawl: what gets pages into the database."""
    d = sub.add_parser("demo", help="serve the sample district on 127.0.0.1 and run the whole audit on it")
    d.add_argument("--out", default="demo-out", help="output folder (default: demo-out)")
    d.add_argument("--no-pdf", action="store_true", help="skip the PDF report (the slowest step)")
    d.set_defaults(func=cmd_demo)

    u = sub.add_parser("units", help="units registry")
    usub = u.add_subparsers(dest="units_command", required=True)
    uv = usub.add_parser("validate", help="report every problem of a registry file with file, line and key")
    uv.add_argument("file")
    uv.set_defaults(func=cmd_units_validate)

    c = sub.add_parser("crawl", help="crawl every channel of the registry into the database")
    c.add_argument("--registry", required=True)
    c.add_argument("--units", nargs="*", help="only these unit ids")
    c.add_argument("--replay", action="append", metavar="HOST=PATH",
                   help="answer HOST from a saved copy (HTTrack/wget folder or WARC file); repeatable")
    c.add_argument("--workers", type=int, default=1,
                   help="crawler processes sharing the run (distributed mode: AUDITOR_DISTRIBUTED=redis://…)")
    c.set_defaults(func=cmd_crawl)


def _add_audit_commands(sub: Any) -> None:
    """match, score, report, export, runs, extract: what is made of the stored pages."""
    m = sub.add_parser("match", help="match harvested items to catalog entries (stored as a match run)")
    m.add_argument("--scheme", default="default")
    m.add_argument("--as-of", type=_audit_date, default=None)
    m.set_defaults(func=cmd_match)

    s = sub.add_parser("score", help="match + check + score as a new audit run",
                       epilog="example: auditor score --as-of 2026-06-30 --scheme guoban  (refuses when the newest "
                              "crawl run is not complete; --allow-incomplete-crawl audits it with its columns unverified)")
    s.add_argument("--as-of", type=_audit_date, default=None, help="audit date YYYY-MM-DD (default: today)")
    s.add_argument("--scheme", default="default", help="scoring scheme in rules/ (default: default)")
    s.add_argument("--allow-incomplete-crawl", action="store_true",
                   help="audit even though the newest crawl run is running/failed/interrupted: every entry of "
                        "its columns is then unverified (never missing)")
    s.set_defaults(func=cmd_score)

    r = sub.add_parser("report", help="write reports and exports of an audit run")
    r.add_argument("--run", type=int, default=None, help="audit run id (default: the latest complete run)")
    r.add_argument("--format", default="html,xlsx", help="comma list of html,xlsx,csv,json,pdf")
    r.add_argument("--out", default="reports-out")
    r.set_defaults(func=cmd_report)

    e = sub.add_parser("export", help="export an audit run (xlsx by default)")
    e.add_argument("--run", type=int, default=None)
    e.add_argument("--format", default="xlsx")
    e.add_argument("--out", default="reports-out")
    e.set_defaults(func=cmd_export)

    runs = sub.add_parser("runs", help="list crawl and audit runs")
    runs.set_defaults(func=cmd_runs)

    x = sub.add_parser("extract", help="extract metadata from a saved detail page as JSON")
    x.add_argument("file")
    x.add_argument("--url", required=True, help="the page's original URL (resolves links, URL dates)")
    x.set_defaults(func=cmd_extract)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AuditorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OverflowError:  # e.g. --run 99999999999999999999: larger than any id the database can hold
        print("error: a number on the command line is too large (ids are at most 18 digits) — `auditor runs` "
              "lists the runs", file=sys.stderr)
        return 1
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError):
            raise
        from auditor.store.db import describe_db_error

        print(f"error: {describe_db_error(exc, getattr(args, 'db', None))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

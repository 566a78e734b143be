"""Run a crawl of the registry's channels into the store and record it as a crawl run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from auditor.errors import AuditorError
from auditor.processes import live_holder
from auditor.store.models import ColumnHealth, CrawlRun, Item, ItemListing
from auditor.vocabulary import utcnow

ProgressFn = Callable[[int, int], None]  # (pages fetched, items stored)


def robots_overrides(registry_path: str) -> dict[str, str]:
    """Sites the registry lets us crawl against robots.txt: site id -> the recorded reason."""
    if not registry_path or not Path(registry_path).is_file():
        return {}
    from auditor.units.loader import load_registry

    registry = load_registry(Path(registry_path))
    return {s.id: s.robots_reason or "" for s in registry.sites if s.robots == "ignore"}


def log_dir(db_url: str) -> Path:
    """Where crawler logs go: $AUDITOR_LOG_DIR, else `crawl-logs/` beside an SQLite file, else ./crawl-logs."""
    if os.environ.get("AUDITOR_LOG_DIR"):
        return Path(os.environ["AUDITOR_LOG_DIR"])
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        return Path(db_url[len("sqlite:///"):]).parent / "crawl-logs"
    return Path("crawl-logs").resolve()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the crawler child is killed when the process that started it dies (even by kill -9)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the child's own parent watch (process.py) still ends it
        pass


@dataclass
class Child:
    """One crawler process: its output goes to a log file (never an unread pipe), its stats to a JSON file."""

    proc: subprocess.Popen
    log_path: Path
    stats_path: Path


def _spawn(db_url: str, run_id: int, spider: str, units: list[str] | None, settings: dict, n: int = 0) -> Child:
    folder = log_dir(db_url)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    log_path = folder / f"crawl-run-{run_id}-{stamp}-{n}.log"
    stats_path = log_path.with_suffix(".stats.json")
    cmd = [sys.executable, "-m", "auditor.harvest.process", "--db", db_url, "--run", str(run_id),
           "--spider", spider, "--settings-json", json.dumps(settings), "--stats-out", str(stats_path),
           "--parent-pid", str(os.getpid())]
    if units:
        cmd += ["--units", ",".join(units)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")  # the top-level spiders/ package
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=root, preexec_fn=_die_with_parent if os.name == "posix" else None)
    return Child(proc, log_path, stats_path)


def _child_stats(child: Child) -> dict:
    try:
        return json.loads(child.stats_path.read_text(encoding="utf-8")).get("stats", {})
    except (OSError, ValueError):
        return {}


def fill_detail_counts(session: Session, run_id: int) -> None:
    """Per column of the run: its listed details fetched, failed, skipped (off-site / not archived).

    Counted from the store once the crawl is over, because detail pages finish long after their
    column's list pages (and, in distributed mode, in other processes)."""
    listed = (select(ItemListing.channel_id, Item.detail_state, Item.fetched_at, Item.http_status)
              .join(Item, Item.id == ItemListing.item_id).where(ItemListing.last_seen_run == run_id))
    counts: dict[int, list[int]] = {}
    for channel_id, state, fetched_at, status in session.execute(listed):
        c = counts.setdefault(channel_id, [0, 0, 0])
        if state:
            c[2] += 1
        elif fetched_at is not None and (status or 0) < 400:
            c[0] += 1
        else:
            c[1] += 1
    for h in session.scalars(select(ColumnHealth).where(ColumnHealth.crawl_run_id == run_id)):
        h.details_fetched, h.details_failed, h.details_skipped = counts.get(h.channel_id, [0, 0, 0])


def _coverage_counts(session: Session, run_id: int) -> dict[str, int]:
    rows = session.execute(select(ColumnHealth.coverage, func.count(func.distinct(ColumnHealth.url)))
                           .where(ColumnHealth.crawl_run_id == run_id).group_by(ColumnHealth.coverage))
    return {str(cov or "unknown"): n for cov, n in rows}


def _log_tail(path: Path, limit: int = 4000) -> str:
    """The end of a child's log: the error a failed crawl ended with."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _merge(total: dict, stats: dict) -> None:
    for k, v in stats.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            continue
        if isinstance(v, (int, float)) and isinstance(total.get(k), (int, float)) and not k.endswith("_time"):
            total[k] = total[k] + v
        else:
            total[k] = v


def crawl_settings(registry_path: str, settings: dict | None) -> dict:
    """The child's Scrapy settings: the caller's, plus the registry's robots overrides and distributed mode."""
    merged = dict(settings or {})
    ignore = robots_overrides(registry_path)
    if ignore and "AUDITOR_ROBOTS_IGNORE" not in merged:
        merged["AUDITOR_ROBOTS_IGNORE"] = json.dumps(ignore, ensure_ascii=False)
    if os.environ.get("AUDITOR_DISTRIBUTED") and "AUDITOR_DISTRIBUTED" not in merged:
        merged["AUDITOR_DISTRIBUTED"] = os.environ["AUDITOR_DISTRIBUTED"]
    return merged


def run_crawl(factory: sessionmaker[Session], db_url: str, *, registry_path: str = "", spider: str = "audit",
              units: list[str] | None = None, settings: dict | None = None,
              progress: ProgressFn | None = None, workers: int = 1) -> int:
    """Crawl in a child process (or `workers` processes sharing the run, in distributed mode); returns
    the crawl run id. The run is "complete" only if every process finished its crawl; a crawl stopped
    early is "interrupted" and can be resumed with `resume_crawl`."""
    merged = crawl_settings(registry_path, settings)
    if workers > 1 and not merged.get("AUDITOR_DISTRIBUTED"):
        raise AuditorError("several crawl workers need distributed mode",
                           hint="set AUDITOR_DISTRIBUTED=redis://host:port/0")
    with factory() as session:
        run = CrawlRun(started_at=utcnow(), status="running", registry_path=registry_path,
                       stats={"settings": json.dumps({k: v for k, v in merged.items()}, ensure_ascii=False)[:2000],
                              "pid": os.getpid(), "host": socket.gethostname(),
                              "replay": json.loads(merged.get("AUDITOR_REPLAY") or "[]")})
        session.add(run)
        session.commit()
        run_id = run.id
    _run_children(factory, db_url, run_id, spider, units, merged, progress, workers)
    return run_id


def resume_crawl(factory: sessionmaker[Session], db_url: str, run_id: int, *, spider: str = "audit",
                 units: list[str] | None = None, settings: dict | None = None,
                 progress: ProgressFn | None = None) -> int:
    """Go on with a crawl run that was stopped: detail pages it already stored are not fetched again."""
    with factory() as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise AuditorError(f"no crawl run {run_id}", hint="`auditor runs` lists the crawl runs")
        if run.status == "complete":
            raise AuditorError(f"crawl run {run_id} is complete; nothing to resume", hint="start a new crawl")
        holder = live_holder(run.stats)
        if run.status == "running" and holder:
            raise AuditorError(f"crawl run {run_id} is still being crawled by process {holder}",
                               hint="wait for it to finish, or stop that process first")
        registry_path = run.registry_path
        replay = list((run.stats or {}).get("replay") or [])
        run.status = "running"
        run.stats = {**(run.stats or {}), "pid": os.getpid(), "host": socket.gethostname()}
        session.commit()
    merged = crawl_settings(registry_path, settings)
    merged["AUDITOR_RESUME"] = True
    if replay and "AUDITOR_REPLAY" not in merged:  # a resumed audit of a saved copy reads the same copy
        merged["AUDITOR_REPLAY"] = json.dumps(replay, ensure_ascii=False)
    _run_children(factory, db_url, run_id, spider, units, merged, progress, 1)
    return run_id


def _run_children(factory: sessionmaker[Session], db_url: str, run_id: int, spider: str, units: list[str] | None,
                  settings: dict, progress: ProgressFn | None, workers: int) -> None:
    children = [_spawn(db_url, run_id, spider, units, settings, n) for n in range(workers)]
    with factory() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        logs = [str(c.log_path) for c in children]
        run.stats = {**(run.stats or {}), "log_path": logs[0], "log_paths": logs,
                     "child_pids": [c.proc.pid for c in children]}
        session.commit()
    while any(c.proc.poll() is None for c in children):
        if progress is not None:
            with factory() as session:
                items = session.scalar(select(func.count(Item.id)).where(Item.last_seen_run == run_id)) or 0
                pages = session.scalar(select(func.count(Item.id)).where(Item.last_seen_run == run_id,
                                                                         Item.fetched_at.is_not(None))) or 0
            progress(pages, items)
        time.sleep(0.3)
    stats: dict = {}
    errors: list[str] = []
    finished = True
    for c in children:
        child = _child_stats(c)
        _merge(stats, child)
        code = c.proc.returncode
        if code != 0:
            why = f"crawler process exited with {code}" + (f" (killed by signal {-code})" if code < 0 else "")
            errors.append((_log_tail(c.log_path).rstrip() + "\n" + why + f"\nlog: {c.log_path}").lstrip())
        elif child.get("finish_reason", "finished") != "finished":
            finished = False
    with factory() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.finished_at = utcnow()
        run.status = "failed" if errors else ("complete" if finished else "interrupted")
        previous = dict(run.stats or {})
        sessions = int(previous.get("sessions", 0)) + 1
        run.stats = {**previous, **{k: v for k, v in stats.items() if isinstance(v, (int, float, str))},
                     "sessions": sessions, "workers": len(children), "child_pids": [],
                     "coverage": _coverage_counts(session, run_id)}
        fill_detail_counts(session, run_id)
        if errors:
            run.stats["error"] = errors[0]
        session.commit()
    keep = int(settings.get("AUDITOR_SNAPSHOT_KEEP_RUNS", 5) or 0)
    if keep and not errors:
        from auditor.harvest.snapshots import prune_snapshots

        with factory() as session:
            prune_snapshots(session, keep)
    if errors:
        last = [ln for ln in errors[0].strip().splitlines() if not ln.startswith("log: ")][-1:]
        raise AuditorError(f"crawl run {run_id} failed: {last[0] if last else 'no output'}",
                           hint=f"the crawler log has the full error: {children[0].log_path}")

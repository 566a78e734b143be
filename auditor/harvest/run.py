"""Run a crawl of the registry's channels into the store and record it as a crawl run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from auditor.errors import AuditorError
from auditor.store.models import CrawlRun, Item

ProgressFn = Callable[[int, int], None]  # (pages fetched, items stored)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def robots_overrides(registry_path: str) -> dict[str, str]:
    """Sites the registry lets us crawl against robots.txt: site id -> the recorded reason."""
    if not registry_path or not Path(registry_path).is_file():
        return {}
    from auditor.units.loader import load_registry

    registry = load_registry(Path(registry_path))
    return {s.id: s.robots_reason or "" for s in registry.sites if s.robots == "ignore"}


def _spawn(db_url: str, run_id: int, spider: str, units: list[str] | None, settings: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "auditor.harvest.process", "--db", db_url, "--run", str(run_id),
           "--spider", spider, "--settings-json", json.dumps(settings)]
    if units:
        cmd += ["--units", ",".join(units)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")  # the top-level spiders/ package
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)


def _child_stats(out: str) -> dict:
    stats: dict = {}
    for line in out.splitlines():
        if line.startswith("{"):
            try:
                stats = json.loads(line).get("stats", {})
            except json.JSONDecodeError:
                pass
    return stats


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
        run = CrawlRun(started_at=_now(), status="running", registry_path=registry_path,
                       stats={"settings": json.dumps({k: v for k, v in merged.items()}, ensure_ascii=False)[:2000],
                              "pid": os.getpid(), "host": socket.gethostname()})
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
        registry_path = run.registry_path
        run.status = "running"
        session.commit()
    merged = crawl_settings(registry_path, settings)
    merged["AUDITOR_RESUME"] = True
    _run_children(factory, db_url, run_id, spider, units, merged, progress, 1)
    return run_id


def _run_children(factory: sessionmaker[Session], db_url: str, run_id: int, spider: str, units: list[str] | None,
                  settings: dict, progress: ProgressFn | None, workers: int) -> None:
    procs = [_spawn(db_url, run_id, spider, units, settings) for _ in range(workers)]
    while any(p.poll() is None for p in procs):
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
    for p in procs:
        out, err = p.communicate()
        child = _child_stats(out)
        _merge(stats, child)
        if p.returncode != 0:
            why = f"crawler process exited with {p.returncode}" + (
                f" (killed by signal {-p.returncode})" if p.returncode < 0 else "")
            errors.append((err[-4000:].rstrip() + "\n" + why).lstrip())
        elif child.get("finish_reason", "finished") != "finished":
            finished = False
    with factory() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.finished_at = _now()
        run.status = "failed" if errors else ("complete" if finished else "interrupted")
        previous = dict(run.stats or {})
        sessions = int(previous.get("sessions", 0)) + 1
        run.stats = {**previous, **{k: v for k, v in stats.items() if isinstance(v, (int, float, str))},
                     "sessions": sessions, "workers": len(procs)}
        if errors:
            run.stats["error"] = errors[0]
        session.commit()
    keep = int(settings.get("AUDITOR_SNAPSHOT_KEEP_RUNS", 5) or 0)
    if keep and not errors:
        from auditor.harvest.snapshots import prune_snapshots

        with factory() as session:
            prune_snapshots(session, keep)
    if errors:
        last = errors[0].strip().splitlines()[-1:]
        raise AuditorError(f"crawl run {run_id} failed: {last}", hint="see the crawl run's stats for the full error")

"""Run a crawl of the registry's channels into the store and record it as a crawl run."""

from __future__ import annotations

import json
import os
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


def run_crawl(factory: sessionmaker[Session], db_url: str, *, registry_path: str = "", spider: str = "audit",
              units: list[str] | None = None, settings: dict | None = None,
              progress: ProgressFn | None = None) -> int:
    """Crawl in a child process; returns the crawl run id. The run is marked complete only at the end."""
    with factory() as session:
        run = CrawlRun(started_at=_now(), status="running", registry_path=registry_path, stats={})
        session.add(run)
        session.commit()
        run_id = run.id
    cmd = [sys.executable, "-m", "auditor.harvest.process", "--db", db_url, "--run", str(run_id),
           "--spider", spider, "--settings-json", json.dumps(settings or {})]
    if units:
        cmd += ["--units", ",".join(units)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")  # the top-level spiders/ package
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)
    while proc.poll() is None:
        if progress is not None:
            with factory() as session:
                items = session.scalar(select(func.count(Item.id)).where(Item.last_seen_run == run_id)) or 0
                pages = session.scalar(select(func.count(Item.id)).where(Item.last_seen_run == run_id,
                                                                         Item.fetched_at.is_not(None))) or 0
            progress(pages, items)
        time.sleep(0.3)
    out, err = proc.communicate()
    stats: dict = {}
    for line in out.splitlines():
        if line.startswith("{"):
            try:
                stats = json.loads(line).get("stats", {})
            except json.JSONDecodeError:
                pass
    with factory() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.finished_at = _now()
        run.status = "complete" if proc.returncode == 0 else "failed"
        run.stats = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
        if proc.returncode != 0:
            run.stats["error"] = err[-4000:]
        session.commit()
    if proc.returncode != 0:
        raise AuditorError(f"crawl run {run_id} failed (exit {proc.returncode}): {err.strip().splitlines()[-1:]}",
                           hint="see the crawl run's stats for the full error")
    return run_id

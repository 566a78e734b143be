"""Crash recovery: crawl and audit runs left 'running' by a killed process are marked 'interrupted'.

Call `recover_interrupted` at the start of a crawl or a scoring run (the scheduler does, under the
registry's lock). A run is taken as orphaned when

* its stats/summary name the process that ran it (``pid`` and ``host``) and that process is gone;
* or the caller holds the lock of that kind of run — ``held_lock=True`` with ``registry_path`` for
  crawls of that registry, ``audit_lock_held=True`` for audit runs (scoring is database-wide): every
  such run goes through the lock, so a 'running' one can only be a leftover;
* or it started longer ago than ``stale_after``.

An audit run is committed in one transaction after its 'running' row (auditor.scoring.engine), so a
killed one has no findings or scores: it only needs its status set. A killed crawl keeps the items
its pipeline had committed (upserts by canonical URL); the next crawl updates them.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from auditor.processes import live_holder, pid_alive
from auditor.store.models import AuditRun, CrawlRun
from auditor.store.models_ops import OpsRun
from auditor.vocabulary import utcnow

DEFAULT_STALE = timedelta(hours=12)


@dataclass
class RecoveryReport:
    crawl_runs: list[int] = field(default_factory=list)
    audit_runs: list[int] = field(default_factory=list)
    ops_runs: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.crawl_runs or self.audit_runs or self.ops_runs)


def _self_pid() -> int:
    import os

    return os.getpid()



def _gone(info: dict | None) -> bool:
    info = info or {}
    pid, host = info.get("pid"), info.get("host")
    return isinstance(pid, int) and host == socket.gethostname() and not pid_alive(pid)


def recover_interrupted(factory: sessionmaker[Session], *, registry_path: str | None = None,
                        held_lock: bool = False, audit_lock_held: bool = False, stale_after: timedelta = DEFAULT_STALE,
                        now: datetime | None = None) -> RecoveryReport:
    """Mark orphaned 'running' crawl, audit and ops runs as 'interrupted'; returns their ids."""
    now = now or utcnow()
    report = RecoveryReport()
    with factory() as s:
        for run in s.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
            mine = held_lock and (registry_path is None or run.registry_path == registry_path)
            holder = live_holder(run.stats)
            if holder and holder != _self_pid():
                continue  # a live crawler still writes into it: never mark it interrupted under its feet
            if mine or _gone(run.stats) or run.started_at < now - stale_after:
                run.status = "interrupted"
                run.finished_at = now
                run.stats = {**(run.stats or {}), "error": "interrupted: the crawling process ended without "
                             "finishing this run (recovered at the start of a later run)"}
                report.crawl_runs.append(run.id)
        for audit in s.scalars(select(AuditRun).where(AuditRun.status == "running")):
            if audit_lock_held or _gone(audit.summary) or audit.started_at < now - stale_after:
                audit.status = "interrupted"
                audit.finished_at = now
                report.audit_runs.append(audit.id)
        for op in s.scalars(select(OpsRun).where(OpsRun.status == "running")):
            if _gone({"pid": op.pid, "host": op.host}) or op.started_at < now - stale_after:
                op.status = "interrupted"
                op.finished_at = now
                op.error = "interrupted: the process running this job ended without finishing it"
                report.ops_runs.append(op.id)
        s.commit()
    return report

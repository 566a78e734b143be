"""`auditor ops schedule`: cron-scheduled audits from a small YAML file, validated like every config.

```yaml
timezone: Asia/Shanghai
jobs:
  - id: yunxi-nightly
    registry: registry.yaml          # relative to this file
    cron: "30 2 * * *"               # minute hour day month weekday
    scheme: default
    report: {out: reports/yunxi, formats: [html, xlsx]}
  - id: czj-hourly
    registry: registry.yaml
    units: [czj]                      # a per-unit job
    cron: "0 * * * 1-5"
    notify: false
```

Each job runs crawl → match → score → report through auditor.stages, under a lock named after its
registry, so runs for the same registry never overlap (a run that finds the lock taken is recorded
as 'skipped'). Scoring is database-wide and takes the 'audit' lock. Every run is kept in ops_runs
with its status and the seconds each stage took.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy.orm import Session, sessionmaker

from auditor.errors import AuditorError, ConfigError
from auditor.ops.locks import LockBusy, acquire
from auditor.ops.recovery import recover_interrupted
from auditor.store.models_ops import OpsRun
from auditor.yamlio import format_pydantic_errors, load_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _standard_dow(field: str) -> str:
    """Weekday field with standard cron numbers (0/7 = Sunday) spelt as names: APScheduler 3 counts from Monday."""
    import re

    def one(part: str) -> str:
        head, _, step = part.partition("/")
        head = re.sub(r"\d+", lambda m: _DOW[int(m.group())] if int(m.group()) <= 7 else m.group(), head)
        return head + (f"/{step}" if step else "")

    return ",".join(one(p) for p in field.split(","))


def cron_trigger(expr: str, tz: str = "Asia/Shanghai"):
    """A standard five-field cron expression (minute hour day month weekday, Sunday = 0 or 7)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, dow = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_standard_dow(dow),
                       timezone=ZoneInfo(tz))


class ReportSpec(Strict):
    out: str = "reports-out"
    formats: list[Literal["html", "xlsx", "csv", "json", "pdf"]] = Field(default_factory=lambda: ["html", "xlsx"])


class JobSpec(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    registry: str
    cron: str
    units: list[str] | None = None
    scheme: str = "default"
    report: ReportSpec | None = Field(default_factory=ReportSpec)
    notify: bool = True
    crawl_settings: dict[str, int | float | str | bool] = Field(default_factory=dict)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        try:
            cron_trigger(v, "UTC")
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {v!r}: {exc} (five fields: minute hour day month weekday)") from exc
        return v

    def lock_name(self, base: Path) -> str:
        reg = str((base / self.registry).resolve())
        return f"crawl:{reg}" + (f"#{','.join(sorted(self.units))}" if self.units else "")


class Schedule(Strict):
    timezone: str = "Asia/Shanghai"
    jobs: list[JobSpec] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (e.g. Asia/Shanghai)") from None
        return v

    @model_validator(mode="after")
    def _unique(self) -> Schedule:
        ids = [j.id for j in self.jobs]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate job id(s): {', '.join(dup)}")
        return self

    def job(self, job_id: str) -> JobSpec:
        for j in self.jobs:
            if j.id == job_id:
                return j
        raise AuditorError(f"unknown job {job_id!r}", hint=f"jobs in the schedule: {', '.join(j.id for j in self.jobs)}")


@dataclass
class LoadedSchedule:
    path: Path
    schedule: Schedule

    @property
    def base(self) -> Path:
        return self.path.resolve().parent


def load_schedule(path: Path) -> LoadedSchedule:
    doc = load_yaml(Path(path), "schedule")
    if not isinstance(doc.data, dict):
        raise ConfigError("a schedule must be a mapping with keys timezone, jobs", where=f"{path}:1")
    try:
        sched = Schedule.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError("invalid schedule:\n  " + "\n  ".join(format_pydantic_errors(doc, exc)),
                          hint="fix the listed keys; see docs/deployment.md 'Schedule file'") from exc
    for i, job in enumerate(sched.jobs):
        reg = Path(path).resolve().parent / job.registry
        if not reg.is_file():
            raise ConfigError(f"jobs.{i}.registry: registry file {str(reg)!r} not found",
                              where=f"{path}:{doc.line_of(('jobs', i, 'registry'))}",
                              hint="registry paths are relative to the schedule file")
    return LoadedSchedule(Path(path), sched)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def due_jobs(loaded: LoadedSchedule, since: datetime, until: datetime) -> list[tuple[datetime, JobSpec]]:
    """(fire time, job) of every firing in (since, until], in time order; aware datetimes (a fake clock)."""
    out = []
    for job in loaded.schedule.jobs:
        trig = cron_trigger(job.cron, loaded.schedule.timezone)
        t = trig.get_next_fire_time(None, since + timedelta(microseconds=1))
        while t is not None and t <= until:
            out.append((t, job))
            t = trig.get_next_fire_time(t, t + timedelta(microseconds=1))
    return sorted(out, key=lambda p: (p[0], p[1].id))


# ---------------------------------------------------------------------------- one job run
@dataclass
class Stages:
    """The pipeline stages a job runs; replaceable in tests (each takes and returns plain values)."""

    crawl: Callable[..., int]
    score: Callable[..., int]
    report: Callable[..., list[Path]]
    notify: Callable[..., object]


def default_stages() -> Stages:
    def crawl(factory, db_url, registry_path: Path, units, settings):
        from auditor.stages import crawl as crawl_stage
        from auditor.stages import default_catalog, load_registry_for

        registry = load_registry_for(registry_path, default_catalog())
        return crawl_stage(factory, db_url, registry, str(registry_path), units=units, settings=settings or None)

    def score(factory, scheme: str, as_of: date) -> int:
        from auditor.catalog.workdays import WorkingCalendar
        from auditor.scheme import load_scheme
        from auditor.stages import default_catalog
        from auditor.stages import score as score_stage

        return score_stage(factory, default_catalog(), load_scheme(scheme), WorkingCalendar(), as_of)

    def report(factory, audit_run_id: int, out: Path, formats: list[str]) -> list[Path]:
        from auditor.report.output import write_reports
        from auditor.report.report_context import build_report_context

        with factory() as session:  # one context for every format
            ctx = build_report_context(session, audit_run_id)
        return write_reports(ctx, out, formats).paths

    def notify(factory, *, audit_run_id, crawl_run_id, ops_run_id):
        from auditor.ops.notify import SmtpConfig, notify_run

        with factory() as session:
            return notify_run(session, audit_run_id=audit_run_id, crawl_run_id=crawl_run_id,
                              smtp=SmtpConfig.from_env(), ops_run_id=ops_run_id)

    return Stages(crawl, score, report, notify)


def _naive_utc(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def run_job(factory: sessionmaker[Session], db_url: str, loaded: LoadedSchedule, job: JobSpec, *,
            scheduled_for: datetime | None = None, trigger: str = "manual", stages: Stages | None = None,
            as_of: date | None = None, clock: Callable[[], datetime] = _utcnow) -> int:
    """Run one job now (crawl → score → report → notify) under its lock; returns its ops_runs id."""
    stages = stages or default_stages()
    start = clock()
    name = job.lock_name(loaded.base)
    with factory() as s:
        run = OpsRun(job_id=job.id, target=name, trigger=trigger, status="running",
                     scheduled_for=_naive_utc(scheduled_for), started_at=_naive_utc(start), timings={},
                     host=socket.gethostname(), pid=os.getpid())
        s.add(run)
        s.commit()
        run_id = run.id
    timings: dict[str, float] = {}
    status, error, crawl_id, audit_id = "complete", None, None, None
    try:
        lease = acquire(factory, name, now=_naive_utc(start))
    except LockBusy as exc:
        status, error, lease = "skipped", str(exc), None
    if lease is not None:
        try:
            recover_interrupted(factory, registry_path=str(loaded.base / job.registry), held_lock=True)
            t = time.monotonic()
            try:
                crawl_id = stages.crawl(factory, db_url, loaded.base / job.registry, job.units,
                                        dict(job.crawl_settings))
            except AuditorError as exc:  # a failed crawl is reported, then the audit still runs on
                status, error = "failed", f"crawl: {exc}"  # the last healthy crawl (missing stays honest)
                crawl_id = _latest_crawl(factory)
            timings["crawl"] = round(time.monotonic() - t, 3)
            t = time.monotonic()
            audit_lease = acquire(factory, "audit", now=_naive_utc(clock()))
            try:
                recover_interrupted(factory, audit_lock_held=True)
                tz = ZoneInfo(loaded.schedule.timezone)
                audit_id = stages.score(factory, job.scheme, as_of or (scheduled_for or start).astimezone(tz).date())
            finally:
                audit_lease.release()
            timings["score"] = round(time.monotonic() - t, 3)
            if job.report is not None:
                t = time.monotonic()
                out = Path(job.report.out)
                stages.report(factory, audit_id, out if out.is_absolute() else loaded.base / out,
                              list(job.report.formats))
                timings["report"] = round(time.monotonic() - t, 3)
        except Exception as exc:  # noqa: BLE001 - recorded in the run history, the scheduler goes on
            status = "failed"
            error = (error + "; " if error else "") + f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=5)
        finally:
            lease.release()
        if job.notify:
            t = time.monotonic()
            try:
                stages.notify(factory, audit_run_id=audit_id, crawl_run_id=crawl_id, ops_run_id=run_id)
            except Exception as exc:  # noqa: BLE001
                error = (error + "; " if error else "") + f"notify: {type(exc).__name__}: {exc}"
            timings["notify"] = round(time.monotonic() - t, 3)
    with factory() as s:
        run = s.get(OpsRun, run_id)
        run.status, run.error = status, error[:8000] if error else None
        run.crawl_run_id, run.audit_run_id, run.timings = crawl_id, audit_id, timings
        run.finished_at = _naive_utc(clock())
        s.commit()
    return run_id


def _latest_crawl(factory: sessionmaker[Session]) -> int | None:
    from sqlalchemy import func, select

    from auditor.store.models import CrawlRun

    with factory() as s:
        return s.scalar(select(func.max(CrawlRun.id)))


def run_due(factory: sessionmaker[Session], db_url: str, loaded: LoadedSchedule, since: datetime,
            until: datetime, **kw) -> list[int]:
    """Run every job due in (since, until] once, in time order (a fake clock drives this in tests)."""
    return [run_job(factory, db_url, loaded, job, scheduled_for=t, trigger="cron", **kw)
            for t, job in due_jobs(loaded, since, until)]


def serve(factory: sessionmaker[Session], db_url: str, loaded: LoadedSchedule, *, blocking: bool = True):
    """Run the schedule with APScheduler until interrupted (one worker thread: runs queue, never overlap)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched = cls(timezone=ZoneInfo(loaded.schedule.timezone), executors={"default": ThreadPoolExecutor(1)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for job in loaded.schedule.jobs:
        sched.add_job(run_job, cron_trigger(job.cron, loaded.schedule.timezone), id=job.id, name=job.id,
                      args=(factory, db_url, loaded, job), kwargs={"trigger": "cron"})
    sched.start()
    return sched

"""Which stored run a command works on; shared by every stage's CLI, so it lives with the store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.errors import AuditorError
from auditor.store.models import AuditRun


def resolve_audit_run(session: Session, run: int | None) -> int:
    """The audit run a command works on: the one asked for, else the latest complete one."""
    if run is not None:
        if session.get(AuditRun, run) is None:
            raise AuditorError(f"no audit run {run}", hint="`auditor runs` lists the runs")
        return run
    latest = session.scalar(select(AuditRun.id).where(AuditRun.status == "complete").order_by(AuditRun.id.desc()))
    if latest is None:
        raise AuditorError("no complete audit run in this database", hint="run `auditor score` first")
    return latest

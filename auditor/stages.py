"""Stage functions shared by the CLI, the demo and the tests; each takes its inputs as arguments."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from auditor.catalog.loader import load_catalog
from auditor.catalog.models import Catalog
from auditor.errors import AuditorError
from auditor.harvest.launch import ProgressFn, run_crawl
from auditor.harvest.replay import ReplaySource
from auditor.scheme import Scheme
from auditor.scoring.engine import run_audit
from auditor.store.models import AuditRun, Finding, Score, Unit
from auditor.store.sync import sync_registry
from auditor.units.loader import load_registry
from auditor.units.models import Registry
from auditor.vocabulary import TALLY_LATE_RULES, FindingStatus


def load_registry_for(path: Path, catalog: Catalog) -> Registry:
    return load_registry(path, known_domains=set(catalog.domains()))


def crawl(factory: sessionmaker[Session], db_url: str, registry: Registry, registry_path: str, *,
          units: list[str] | None = None, settings: dict | None = None, progress: ProgressFn | None = None,
          workers: int = 1, replay: list[ReplaySource] | None = None) -> int:
    """Sync the registry into the store, then crawl its channels; returns the crawl run id. With `replay`,
    the named hosts are answered from saved copies (the run records which)."""
    if replay:
        settings = {**(settings or {}), "AUDITOR_REPLAY": json.dumps([r.as_json() for r in replay],
                                                                      ensure_ascii=False)}
    if units:
        for u in units:
            registry.unit(u)  # raises UnknownUnitError with the known ids
    with factory() as session:
        sync_registry(session, registry)
        session.commit()
    return run_crawl(factory, db_url, registry_path=registry_path, units=units, settings=settings,
                     progress=progress, workers=workers)


def score(factory: sessionmaker[Session], catalog: Catalog, scheme: Scheme, cal, as_of: date, *,
          allow_incomplete_crawl: bool = False) -> int:
    """One audit run; refuses when the newest crawl run is not complete unless allow_incomplete_crawl."""
    with factory() as session:
        return run_audit(session, catalog, scheme, cal, as_of, allow_incomplete_crawl=allow_incomplete_crawl)


@dataclass
class UnitSummary:
    unit_id: str
    name: str
    level: str
    score: float | None
    grade: str
    rank: int | None
    missing: int
    late: int
    channel_gaps: int
    site_health: int
    unverified: int
    assessment: str = "assessed"  # assessed | partial | unassessed (auditor/scoring/assessment.py)
    reasons: tuple[str, ...] = ()
    no_anchor: int = 0  # timeliness 无法评估: items without an anchor date

    @property
    def assessment_label(self) -> str:
        return {"assessed": "已评估", "partial": "部分评估", "unassessed": "未完整评估"}.get(self.assessment,
                                                                                       self.assessment)


def summarise(session: Session, audit_run_id: int) -> list[UnitSummary]:
    run = session.get(AuditRun, audit_run_id)
    if run is None:
        raise AuditorError(f"no audit run {audit_run_id}", hint="`auditor runs` lists the runs")
    counts: dict[tuple[str | None, str], int] = defaultdict(int)
    for f in session.scalars(select(Finding).where(Finding.audit_run_id == audit_run_id)):
        bucket = f.rule if f.status == FindingStatus.DEFECT else f.status
        if f.rule == "no_anchor":
            counts[(f.unit_id, "no_anchor")] += 1
        if f.check == "site_health" and f.status == FindingStatus.DEFECT:
            bucket = "site_health"
        counts[(f.unit_id, bucket)] += 1
    rows = []
    overall = {s.unit_id: s for s in session.scalars(select(Score).where(
        Score.audit_run_id == audit_run_id, Score.dimension.is_(None), Score.domain.is_(None)))}
    for unit in session.scalars(select(Unit).where(Unit.kind.in_(("department", "subdistrict")))
                                .order_by(Unit.level, Unit.id)):
        s = overall.get(unit.id)
        scored = s is not None and s.details.get("scored", True)
        rows.append(UnitSummary(
            unit_id=unit.id, name=unit.name, level=unit.level, score=s.score if scored else None,
            grade=s.details.get("grade", "") if s else "", rank=s.rank if s else None,
            missing=counts[(unit.id, "missing")], late=sum(counts[(unit.id, r)] for r in TALLY_LATE_RULES),
            channel_gaps=counts[(unit.id, "channel_gap")], site_health=counts[(unit.id, "site_health")],
            unverified=counts[(unit.id, "unverified")],
            assessment=(s.details.get("assessment") or "assessed") if s else "unassessed",
            reasons=tuple((s.details.get("assessment_reasons") or []) if s else ()),
            no_anchor=counts[(unit.id, "no_anchor")]))
    return rows


def default_catalog() -> Catalog:
    return load_catalog()

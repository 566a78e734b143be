"""What a unit is held to: the national rows of its domains, or the catalog it published itself.

A unit that names its published 标准目录 in the registry (`catalog:`) is audited against it, because that
is the list an evaluator holds it to. Its obligations are then, per domain its catalog covers:

* the national rows of the unit's domains it kept (a row matched by name, see conformity.match_rows),
  with the unit's own 公开时限 where it is stricter than the national one;
* its local additions (rows that match no national row), as entries of their own;
* not the rows it marks 无 (the reason stays visible as the conformity check's info finding), and not
  the national rows it deleted (deleting instead of writing 无 stays a conformity finding).

Domains of the unit its catalog does not cover keep the national rows. Without a catalog, or when the
file cannot be read, the national rows apply and the yardstick says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from auditor.catalog.channels import ChannelReq
from auditor.catalog.diff import looser_deadline, match_rows, rows_by_domain
from auditor.catalog.models import UNBACKED, Catalog, CatalogEntry
from auditor.catalog.unit_catalog import UnitCatalog, UnitRow
from auditor.catalog.workdays import WorkingCalendar

NATIONAL_LABEL = "国家标准目录"
Source = Literal["national", "unit_catalog"]


@dataclass(frozen=True)
class CatalogRef:
    """Where a unit's own catalog is: the file read (a saved copy for a URL), where and when published."""

    file: str
    url: str | None = None
    date: date | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CatalogRef | None:
        if not data or not data.get("file"):
            return None
        d = data.get("date")
        return cls(file=str(data["file"]), url=data.get("url"),
                   date=date.fromisoformat(d) if isinstance(d, str) else d)


@dataclass(frozen=True)
class Waived:
    """A national row the unit marks 无: not an obligation; the reason is what the unit wrote."""

    entry_id: str
    title: str
    reason: str
    unit_row: int


@dataclass
class Yardstick:
    """The obligation list of one unit and where it came from (shown on the scorecard)."""

    source: Source
    entries: list[CatalogEntry]  # the obligations
    national: list[CatalogEntry]  # the national rows of the unit's domains and level (主动)
    ref: CatalogRef | None = None
    waived: list[Waived] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # national rows the unit's catalog dropped
    stricter: dict[str, tuple[str, str]] = field(default_factory=dict)  # entry id → (unit, national) 公开时限
    local: list[str] = field(default_factory=list)  # ids of the unit's local additions
    domains: list[str] = field(default_factory=list)  # domains the unit's catalog covers
    problem: str | None = None  # why the unit's catalog could not be used
    skipped: list[str] = field(default_factory=list)  # local rows that could not become entries, and why

    @property
    def label(self) -> str:
        if self.source == "national" or self.ref is None:
            return NATIONAL_LABEL
        name = Path(self.ref.file).name
        return f"{name}（{self.ref.date.isoformat()}）" if self.ref.date else name

    def to_json(self) -> dict[str, Any]:
        """What the scorecard states about the yardstick."""
        out: dict[str, Any] = {"source": self.source, "label": self.label, "obligations": len(self.entries)}
        if self.ref is not None:
            out |= {"file": Path(self.ref.file).name, "url": self.ref.url,
                    "date": self.ref.date.isoformat() if self.ref.date else None}
        if self.source == "unit_catalog":
            out |= {"domains": self.domains, "local": len(self.local), "stricter": len(self.stricter),
                    "waived": [{"entry_id": w.entry_id, "title": w.title, "reason": w.reason} for w in self.waived],
                    "deleted": len(self.deleted)}
        if self.problem:
            out["problem"] = self.problem
        if self.skipped:
            out["skipped"] = self.skipped
        return out


def national_yardstick(national: list[CatalogEntry], ref: CatalogRef | None = None,
                       problem: str | None = None) -> Yardstick:
    return Yardstick(source="national", entries=list(national), national=list(national), ref=ref, problem=problem)


def _with_time_limit(entry: CatalogEntry, time_limit: str) -> CatalogEntry:
    """A copy re-validated so that its parsed deadline follows the new 公开时限."""
    return CatalogEntry.model_validate(entry.model_dump() | {"time_limit": time_limit})


def _keywords(row: UnitRow) -> list[str]:
    import jieba

    names = [x for x in (row.level2, row.level3, row.level1) if x]
    words = [w for n in names[:2] for w in jieba.lcut(n) if len(w) >= 2]
    return list(dict.fromkeys(names[:2] + words)) or [row.title]


def _local_entry(row: UnitRow, dom: str, code: str, unit_id: str, level: str, ref: CatalogRef) -> CatalogEntry:
    """A row of the unit's own (a local addition) as a catalog entry of that unit."""
    safe = re.sub(r"[^a-z0-9_]", "_", unit_id.lower())
    channels = row.channels or [ChannelReq(code="WEBSITE", required=True, text="政府网站")]
    return CatalogEntry.model_validate(dict(
        id=f"{code}.local_{safe}_{row.row}", domain=dom, domain_code=code,
        level1=row.level1 or row.level2, level2=row.level2 or row.level1, level3=row.level3,
        content=row.content or row.level2 or row.level1, basis=row.basis,
        time_limit=row.time_limit if row.deadline is not None else "",
        subject=row.subject or "本单位", channels=channels, channels_text=row.channels_text,
        audience=row.audience or "全社会", mode="主动", levels=[level], stage=row.stage,
        keywords=_keywords(row), source=ref.url or UNBACKED))


def unit_yardstick(catalog: Catalog, national: list[CatalogEntry], unit_catalog: UnitCatalog, ref: CatalogRef,
                   unit_id: str, level: str, cal: WorkingCalendar | None = None) -> Yardstick:
    """The obligations a unit's own catalog implies (see the module docstring).

    national: the unit's applicable national rows (its domains, its level, 主动); level: 县级/乡级.
    """
    held = {e.domain for e in national}
    codes = catalog.domain_codes()
    y = Yardstick(source="unit_catalog", entries=[], national=list(national), ref=ref)
    groups = {d: rows for d, rows in rows_by_domain(unit_catalog, catalog).items() if d in held}
    y.domains = sorted(groups, key=list(codes).index)
    for dom in codes:
        if dom not in held:
            continue
        mine = [e for e in national if e.domain == dom]
        if dom not in groups:
            y.entries += mine  # the unit's catalog says nothing about this domain
            continue
        rows = groups[dom]
        matches = match_rows(rows, catalog.by_domain(dom))
        by_entry: dict[str, list[UnitRow]] = {}
        for i, (e, _) in matches.items():
            by_entry.setdefault(e.id, []).append(rows[i])
        for e in mine:
            kept = by_entry.get(e.id, [])
            if not kept:
                y.deleted.append(e.id)
                continue
            live = [r for r in kept if not r.declared_none]
            if not live:
                y.waived.append(Waived(e.id, e.title, kept[0].none_reason, kept[0].row))
                continue
            row = live[0]
            if row.deadline is not None and row.time_limit.strip() and \
                    looser_deadline(e.deadline, row.deadline, cal) is not None:
                y.stricter[e.id] = (row.time_limit, e.time_limit)
                e = _with_time_limit(e, row.time_limit)
            y.entries.append(e)
        for i, row in enumerate(rows):
            if i in matches or row.declared_none or row.mode == "依申请":
                continue
            if row.levels and level not in row.levels:
                continue
            try:
                local = _local_entry(row, dom, codes[dom], unit_id, level, ref)
            except ValidationError as exc:  # a row too damaged to be an item of its own: say so, skip it
                y.skipped.append(f"{unit_catalog.where(row)}: {exc.errors()[0]['msg']}")
                continue
            y.local.append(local.id)
            y.entries.append(local)
    return y


def load_yardstick(catalog: Catalog, national: list[CatalogEntry], ref: CatalogRef | None, unit_id: str,
                   level: str, cal: WorkingCalendar | None = None) -> Yardstick:
    """The unit's yardstick from its catalog reference; the national rows when there is none or it is
    unreadable (then `problem` says why; the conformity check reports the file as unverified)."""
    if ref is None:
        return national_yardstick(national)
    from auditor.catalog.unit_catalog import read_unit_catalog
    from auditor.errors import CatalogError

    try:
        unit_catalog = read_unit_catalog(Path(ref.file))
        return unit_yardstick(catalog, national, unit_catalog, ref, unit_id, level, cal)
    except CatalogError as exc:
        return national_yardstick(national, ref, problem=f"单位目录无法读取，按{NATIONAL_LABEL}评估：{exc}")

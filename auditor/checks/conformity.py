"""Unit catalog conformity: the catalog a unit published vs the standard catalog.

Runs only for units whose catalog file is configured (`checks.conformity.unit_catalogs` in the
rules file, or `unit_catalogs=` passed to run_audit from the registry). The comparison itself is
auditor.catalog.diff.diff_unit_catalog(unit_catalog, catalog, domain=None, level=None), which
returns ConformityFinding objects (rule, entry_id, unit_row, message, severity); this module only
turns them into findings (the `Conformity` check). The unit file is read with auditor.catalog.unit_catalog.read_unit_catalog. `LOADER` and `DIFFER`
are looked up at call time so tests can swap them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from auditor.catalog.diff import diff_unit_catalog
from auditor.catalog.unit_catalog import read_unit_catalog
from auditor.checks.base import Check, CheckParams, CheckResult, Message, RuleSpec
from auditor.errors import CatalogError, RulesError
from auditor.vocabulary import FindingStatus, catalog_level

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext

LOADER: Callable[[Path], Any] | None = None
DIFFER: Callable[..., list[Any]] | None = None


def _loader() -> Callable[[Path], Any]:
    return LOADER or read_unit_catalog


def _differ() -> Callable[..., list[Any]]:
    return DIFFER or diff_unit_catalog


class Conformity(Check):
    """The catalog a unit published against the standard catalog (auditor.catalog.diff)."""

    type = "conformity"
    dimension = "completeness"
    label = "目录规范性"
    order = 20
    rules = (RuleSpec("catalog_conformity", "单位目录不符合标准目录"),)
    messages = {
        "catalog_conformity": Message("单位目录与标准目录不一致（{diff_rule}）：{message}",
                                      "按标准目录修订本单位公开目录（事项名称、公开时限、公开渠道等）。"),
        "catalog_conformity:unreadable": Message("单位目录无法读取：{file_name}", "修正目录文件后重新评估；本项不扣分。"),
    }

    class Params(CheckParams):
        enabled: bool = False
        unit_catalogs: dict[str, str] = Field(default_factory=dict)  # unit id -> catalog file (relative to the rules file)
        defect_severities: list[str] = Field(default_factory=lambda: ["error"])

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx, self.params(ctx))


def _run(ctx: AuditContext, rules: Conformity.Params) -> CheckResult:
    res = CheckResult()
    if not ctx.unit_catalogs:
        return res
    units = {u.id: u for u in ctx.units}
    load, diff = _loader(), _differ()
    for unit_id, path in sorted(ctx.unit_catalogs.items()):
        unit = units.get(unit_id)
        if unit is None:
            raise RulesError(f"unit catalog configured for unknown unit {unit_id!r}",
                             where="checks.conformity.unit_catalogs",
                             hint="known units: " + ", ".join(sorted(units)))
        y = ctx.yardsticks.get(unit_id)
        # the national rows the unit must list: a unit catalog's deleted / 无 rows are judged against them
        applicable = {e.id: e for e in (y.national if y is not None else ctx.entries.get(unit_id, []))}
        try:
            unit_catalog = load(Path(path))
        except CatalogError as exc:
            res.findings.append(Conformity.draft(
                "catalog_conformity:unreadable", FindingStatus.UNVERIFIED, {"file_name": Path(path).name}, severity="info",
                unit_id=unit_id, evidence={"file": str(path), "error": str(exc), "reason": None},
                key=f"catalog_conformity|{unit_id}|unreadable"))
            continue
        for e in applicable.values():
            res.basis[unit_id][e.domain] += 1
        found = diff(unit_catalog, ctx.catalog, domain=None, level=catalog_level(unit.level))
        seen: set[str] = set()
        for cf in found:
            entry_id = getattr(cf, "entry_id", None)
            if entry_id is not None and entry_id not in applicable and entry_id in ctx.catalog.by_id:
                continue  # a row of a domain this unit does not hold
            entry = applicable.get(entry_id) if entry_id else None
            domain = entry.domain if entry else getattr(cf, "domain", None)
            severity = str(getattr(cf, "severity", "major"))
            row = getattr(cf, "unit_row", None)
            key = f"catalog_conformity|{unit_id}|{cf.rule}|{entry_id or row}"
            if key in seen:
                continue
            seen.add(key)
            defect = severity in rules.defect_severities
            res.findings.append(Conformity.draft(
                "catalog_conformity", FindingStatus.DEFECT if defect else FindingStatus.INFO, {"diff_rule": cf.rule, "message": cf.message},
                severity=severity if defect else "info", unit_id=unit_id, entry_id=entry_id, domain=domain,
                evidence={"file": str(path), "diff_rule": cf.rule, "unit_row": _plain(row), "message": cf.message,
                          "entry": {"id": entry.id, "level2": entry.level2} if entry else None}, key=key))
    return res


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)

"""Does a unit's own catalog conform to the national one? (国办指引 二级事项 may be added, never deleted.)

`diff_unit_catalog(unit_catalog, catalog, domain=None, level=None)` compares the unit's rows with the
national rows of one domain (optionally one 公开层级) and returns ConformityFinding objects:

* ``deleted`` (error): a national 二级事项 in scope with no unit row;
* ``declared_none`` (info): the unit lists it but writes "无" (allowed), with the reason if given;
* ``missing_elements`` (error): a unit row with blank 公开内容 / 公开依据 / 公开时限 / 公开主体 / 公开渠道;
* ``no_stage`` (warning): a unit row without a 五公开 stage; when the unit's table has no 五公开
  column at all this is one finding for the whole table (unit_row None, rows in details);
* ``local_addition`` (info): a unit row that matches no national row of the domain (allowed);
* ``looser_deadline`` (error): a unit 公开时限 later than the national one (or a shorter 公示期).

Unit rows are matched to national rows by normalised 一级+二级 names with rapidfuzz: the unit row goes
to the national row with the best weighted score (二级 0.65, 一级 0.35; one name containing the
other counts as ≥ 88) if the score reaches `threshold` and the 二级 similarity reaches 70. Matching
runs over every national row of the domain (all levels), so a 县级-only item in a township catalog
is not a local addition; `level` narrows only which national rows must be present.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from auditor.catalog.deadline import DeadlineRule
from auditor.catalog.models import LEVELS, Catalog, CatalogEntry
from auditor.catalog.unit_catalog import ELEMENT_NAMES, UnitCatalog, UnitRow
from auditor.catalog.workdays import WorkingCalendar
from auditor.errors import CatalogError
from auditor.vocabulary import day_unit_label

Rule = Literal["deleted", "declared_none", "missing_elements", "no_stage", "local_addition", "looser_deadline"]
Severity = Literal["error", "warning", "info"]
RULES: tuple[str, ...] = ("deleted", "declared_none", "missing_elements", "no_stage", "local_addition",
                          "looser_deadline")
SEVERITY: dict[str, str] = {"deleted": "error", "missing_elements": "error", "looser_deadline": "error",
                            "no_stage": "warning", "declared_none": "info", "local_addition": "info"}
THRESHOLD = 80.0
REFERENCE_YEAR = 2025  # anchor dates for comparing deadlines in different units (covered by the calendar)


class ConformityFinding(BaseModel):
    """One difference between a unit catalog and the national catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: Rule
    entry_id: str | None = None  # national row (None for local additions / whole-table findings)
    unit_row: int | None = None  # source row number in the unit file (None: no unit row / whole table)
    message: str
    severity: Severity
    source: str = ""  # unit catalog file
    sheet: str | None = None  # sheet name / "table N"
    unit_item: str | None = None  # the unit row's 一级/二级[/三级] as written
    domain: str | None = None
    fields: list[str] = Field(default_factory=list)  # missing_elements: the blank fields
    details: dict[str, Any] = Field(default_factory=dict)

    @property
    def where(self) -> str:
        parts = [self.source] + ([self.sheet] if self.sheet else [])
        if self.unit_row is not None:
            parts.append(f"row {self.unit_row}")
        return ":".join(p for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# ------------------------------------------------------------------------------ name matching
_PUNCT = re.compile(r"[\s\W_]+", re.U)
_NUMBERING = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]+[)）、.．]|\d+[.、])")


def norm_name(text: str | None) -> str:
    """Item name for comparison: NFKC, numbering and punctuation removed, lower case."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    t = _NUMBERING.sub("", t)
    return _PUNCT.sub("", t).lower()


def _sim(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    score = fuzz.ratio(a, b)
    if a in b or b in a:
        score = max(score, 88.0)
    return float(score)


def match_score(row: UnitRow, entry: CatalogEntry) -> tuple[float, float]:
    """(combined score, 二级 similarity) of a unit row against a national row."""
    u1, u2 = norm_name(row.level1), norm_name(row.level2)
    n1, n2 = norm_name(entry.level1), norm_name(entry.level2)
    s2 = _sim(u2, n2)
    if u1 == u2 or not u1:  # a one-level catalog: its name may be the national 一级 or 二级
        return max(s2, _sim(u2, n1) * 0.9) - (0 if u1 else 5), s2
    return 0.35 * _sim(u1, n1) + 0.65 * s2, s2


def match_rows(rows: list[UnitRow], entries: list[CatalogEntry],
               threshold: float = THRESHOLD) -> dict[int, tuple[CatalogEntry, float]]:
    """Index of each matched unit row → (its best national row, score)."""
    out: dict[int, tuple[CatalogEntry, float]] = {}
    for i, row in enumerate(rows):
        best: tuple[float, CatalogEntry] | None = None
        for e in entries:
            score, s2 = match_score(row, e)
            if s2 >= 70 and score >= threshold and (best is None or score > best[0]):
                best = (score, e)
        if best is not None:
            out[i] = (best[1], round(best[0], 1))
    return out


# ------------------------------------------------------------------------------ domain scope
def _resolve_domain(name: str, catalog: Catalog) -> str | None:
    codes = catalog.domain_codes()
    if name in codes:
        return name
    for dom, code in codes.items():
        if name == code:
            return dom
    n = norm_name(name)
    hits = [d for d in codes if norm_name(d) and norm_name(d) in n]
    return max(hits, key=len) if hits else None


def _row_domain(row: UnitRow, sheet_domain: dict[str | None, str | None], catalog: Catalog) -> str | None:
    if row.domain:
        d = _resolve_domain(row.domain, catalog)
        if d:
            return d
    return sheet_domain.get(row.sheet)


def _guess_domain(rows: list[UnitRow], catalog: Catalog, threshold: float) -> str | None:
    best: tuple[int, str] | None = None
    for dom in catalog.domains():
        n = len(match_rows(rows, catalog.by_domain(dom), threshold))
        if n and (best is None or n > best[0]):
            best = (n, dom)
    return best[1] if best else None


# ------------------------------------------------------------------------------ deadlines
_SAME_ANCHOR = {None, "formed_or_changed", "made_or_obtained"}


def _anchors_compatible(a: DeadlineRule, b: DeadlineRule) -> bool:
    return a.anchor == b.anchor or (a.anchor in _SAME_ANCHOR and b.anchor in _SAME_ANCHOR)


def _later_by_dates(unit: DeadlineRule, nat: DeadlineRule, cal: WorkingCalendar, sign: int) -> bool:
    """Different units (日 vs 工作日): looser when the unit's date is later on most anchor days."""
    later = earlier = 0
    d = date(REFERENCE_YEAR, 1, 1)
    while d.year == REFERENCE_YEAR:
        du, dn = unit._shift(d, cal, sign * unit.amount, roll=sign > 0)[0], \
            nat._shift(d, cal, sign * nat.amount, roll=sign > 0)[0]
        later += (du > dn) if sign > 0 else (du < dn)
        earlier += (du < dn) if sign > 0 else (du > dn)
        d += timedelta(days=3)
    return later > earlier


def _amount_looser(unit: DeadlineRule, nat: DeadlineRule, cal: WorkingCalendar | None,
                   larger_is_looser: bool) -> bool | None:
    if unit.amount is None or nat.amount is None:
        return None
    if unit.unit == nat.unit:
        return unit.amount > nat.amount if larger_is_looser else unit.amount < nat.amount
    if cal is None:
        return None
    if larger_is_looser:
        return _later_by_dates(unit, nat, cal, +1)
    return _later_by_dates(unit, nat, cal, -1)




def _amt(rule: DeadlineRule) -> str:
    return f"{rule.amount}{day_unit_label(rule.unit)}"


def looser_deadline(unit: DeadlineRule, nat: DeadlineRule, cal: WorkingCalendar | None = None) -> str | None:
    """Why the unit's 公开时限 is looser than the national one, or None (tighter, equal, not comparable)."""
    if nat.kind in ("deadline_after", "on_request") and unit.kind == nat.kind and _anchors_compatible(unit, nat):
        if _amount_looser(unit, nat, cal, True):
            return f"{_amt(unit)} after the event, national {_amt(nat)}"
    elif nat.kind == "deadline_before" and unit.kind == nat.kind:
        if _amount_looser(unit, nat, cal, False):
            return f"{_amt(unit)} before the event, national {_amt(nat)}"
    elif nat.kind == "after_period" and unit.kind == nat.kind and unit.period == nat.period:
        if _amount_looser(unit, nat, cal, True):
            return f"{_amt(unit)} after the {nat.period} period ends, national {_amt(nat)}"
    elif nat.kind == "periodic" and unit.kind == "periodic":
        if unit.amount and nat.amount and unit.amount > nat.amount:
            return f"updated every {unit.amount} months, national every {nat.amount}"
    elif nat.kind == "annual" and unit.kind == "annual" and unit.fixed_date and nat.fixed_date:
        if unit.fixed_date > nat.fixed_date:
            return f"by {unit.fixed_date} each year, national {nat.fixed_date}"
    elif nat.kind == "min_display_period" and unit.kind == nat.kind:
        if _amount_looser(unit, nat, cal, False):
            return f"displayed {_amt(unit)}, national at least {_amt(nat)}"
    nd, ud = nat.display, unit.display
    if nd is not None and ud is not None and _amount_looser(ud, nd, cal, False):
        return f"公示 {_amt(ud)}, national at least {_amt(nd)}"
    return None


# ------------------------------------------------------------------------------ the diff
def diff_unit_catalog(unit_catalog: UnitCatalog, catalog: Catalog, domain: str | None = None,
                      level: str | None = None, *, calendar: WorkingCalendar | None = None,
                      threshold: float = THRESHOLD) -> list[ConformityFinding]:
    """Findings for one unit catalog against the national catalog (see the module docstring).

    domain: name or code; None → the domain named by the unit's rows/sheet/title, else the domain its
    rows match best (a multi-domain catalog with a 领域 column or section headings is diffed per
    domain). level: 县级/乡级 restricts which national rows must be present. calendar: used only to
    compare deadlines in different units (日 vs 工作日); without one such pairs are not compared.
    """
    if level is not None and level not in LEVELS:
        raise CatalogError(f"unknown level {level!r}", where="level", hint="use 县级 or 乡级")
    findings: list[ConformityFinding] = []
    for dom, rows in rows_by_domain(unit_catalog, catalog, domain, threshold=threshold).items():
        findings += _diff_domain(unit_catalog, rows, catalog.by_domain(dom), dom, level, calendar, threshold)
    return findings


def rows_by_domain(unit_catalog: UnitCatalog, catalog: Catalog, domain: str | None = None, *,
                   threshold: float = THRESHOLD) -> dict[str, list[UnitRow]]:
    """The unit's rows grouped by the national domain they belong to (see diff_unit_catalog)."""
    forced = None
    if domain is not None:
        forced = _resolve_domain(domain, catalog)
        if forced is None:
            raise CatalogError(f"unknown domain {domain!r}", where="domain",
                               hint="use a domain name or code from `auditor catalog stats`")
    default = _resolve_domain(unit_catalog.title, catalog) if unit_catalog.title else None
    sheet_domain: dict[str | None, str | None] = {}
    for t in unit_catalog.tables:
        sheet_domain.setdefault(t.sheet, _resolve_domain(" ".join(filter(None, [t.sheet or "", t.title])), catalog)
                                or default)
    groups: dict[str | None, list[UnitRow]] = {}
    for row in unit_catalog.rows:
        d = _row_domain(row, sheet_domain, catalog)
        if forced is not None and d not in (None, forced):
            continue
        groups.setdefault(forced or d, []).append(row)
    if None in groups:
        rows = groups.pop(None)
        guess = _guess_domain(rows, catalog, threshold)
        if guess is None:
            raise CatalogError("cannot tell which domain the unit catalog covers", where=unit_catalog.source,
                               hint="pass --domain (a domain name or code)")
        groups.setdefault(guess, []).extend(rows)
    if forced is not None and forced not in groups:
        groups[forced] = []
    return groups  # type: ignore[return-value]


def _finding(rule: str, uc: UnitCatalog, dom: str, message: str, row: UnitRow | None = None,
             entry: CatalogEntry | None = None, **kw: Any) -> ConformityFinding:
    return ConformityFinding(
        rule=rule, entry_id=entry.id if entry else None, unit_row=row.row if row else None, message=message,
        severity=SEVERITY[rule], source=uc.source, sheet=row.sheet if row else None,
        unit_item=row.title if row else None, domain=dom, **kw)


def _diff_domain(uc: UnitCatalog, rows: list[UnitRow], entries: list[CatalogEntry], dom: str,
                 level: str | None, cal: WorkingCalendar | None, threshold: float) -> list[ConformityFinding]:
    matches = match_rows(rows, entries, threshold)
    by_entry: dict[str, list[int]] = {}
    for i, (e, _) in matches.items():
        by_entry.setdefault(e.id, []).append(i)
    out: list[ConformityFinding] = []
    scope = [e for e in entries if level is None or level in e.levels]
    for e in scope:
        idx = by_entry.get(e.id, [])
        if not idx:
            out.append(_finding("deleted", uc, dom, f"national 二级事项 {e.title} is missing from the unit "
                                f"catalog (国办指引 items may not be deleted; write 无 if the unit has none)",
                                entry=e, details={"levels": e.levels}))
        elif all(rows[i].declared_none for i in idx):
            r = rows[idx[0]]
            reason = r.none_reason
            out.append(_finding("declared_none", uc, dom, f"{e.title} marked 无"
                                + (f": {reason}" if reason else " (no reason given)"), row=r, entry=e,
                                details={"reason": reason}))
    tables_without_stage: dict[int, list[UnitRow]] = {}
    for i, row in enumerate(rows):
        m = matches.get(i)
        entry = m[0] if m else None
        if entry is None:
            out.append(_finding("local_addition", uc, dom, f"{row.title} is not in the national {dom} "
                                "catalog (local addition, allowed)", row=row))
        if row.declared_none:
            continue
        missing = row.missing_elements()
        if missing:
            names = "、".join(ELEMENT_NAMES[f] for f in missing)
            out.append(_finding("missing_elements", uc, dom, f"{row.title}: {names} blank", row=row, entry=entry,
                                fields=missing))
        table_has_stage = uc.tables[row.table].has_stage if row.table < len(uc.tables) else False
        if not table_has_stage:
            tables_without_stage.setdefault(row.table, []).append(row)
        elif row.stage is None:
            out.append(_finding("no_stage", uc, dom, f"{row.title}: no 五公开 stage (决策/执行/管理/服务/结果)",
                                row=row, entry=entry, details={"stage_text": row.stage_text}))
        if entry is not None and row.deadline is not None:
            why = looser_deadline(row.deadline, entry.deadline, cal)
            if why:
                out.append(_finding("looser_deadline", uc, dom, f"{row.title}: 公开时限 {row.time_limit!r} is "
                                    f"looser than the national {entry.time_limit!r} ({why})", row=row, entry=entry,
                                    details={"unit": row.time_limit, "national": entry.time_limit}))
    for t, trows in tables_without_stage.items():
        table = uc.tables[t] if t < len(uc.tables) else None
        out.append(ConformityFinding(
            rule="no_stage", message=f"the catalog table has no 五公开 column: none of its {len(trows)} rows "
            "is assigned a stage (决策/执行/管理/服务/结果)", severity=SEVERITY["no_stage"], source=uc.source,
            sheet=table.sheet if table else None, domain=dom, details={"rows": [r.row for r in trows]}))
    return out

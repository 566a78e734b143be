"""Matching loose titles from a CSV file (no store): reading rows, grouping them by unit kind, writing results.

Input columns: ``title``, ``column`` (may be empty), ``unit_level`` (区级/县级/乡级), ``domains`` (may be empty =
every domain; separated by ; 、 , or their full-width forms); optional ``published`` (YYYY-MM-DD) and, for the
gold set, ``expected``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.cellsafe import neutralise
from auditor.errors import AuditorError
from auditor.match import lexicon
from auditor.match.matcher import ItemView, Matcher, MatchResult
from auditor.vocabulary import catalog_level

REQUIRED = ("title", "column", "unit_level", "domains")
_SEP = re.compile(r"[;；、,，]")


class MatchInputError(AuditorError):
    """A titles CSV that cannot be read or lacks a column."""


@dataclass(frozen=True)
class TitleRow:
    line: int
    title: str
    column: str
    level: str  # catalog level 县级/乡级
    domains: tuple[str, ...]  # empty = every domain
    published: date | None
    expected: str | None
    raw: dict[str, str]


def read_rows(path: Path, catalog: Catalog, *, require: Sequence[str] = REQUIRED) -> list[TitleRow]:
    """Rows of a titles CSV, with every problem named by file, line and column."""
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise MatchInputError(f"cannot read the file ({exc.strerror or exc})", where=str(path),
                              hint="give the path of a UTF-8 CSV file") from None
    try:
        decoded = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            decoded = text.decode("gb18030")
        except UnicodeDecodeError:
            raise MatchInputError("not a text CSV (neither UTF-8 nor GBK)", where=str(path),
                                  hint="save the sheet as CSV UTF-8") from None
    try:
        reader = csv.DictReader(decoded.splitlines())
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as exc:
        raise MatchInputError(f"unreadable CSV: {exc}", where=str(path)) from None
    missing = [c for c in require if c not in header]
    if missing:
        raise MatchInputError(f"missing column(s) {', '.join(missing)}", where=str(path),
                              hint=f"the header must name {', '.join(require)} (found: {', '.join(header) or 'nothing'})")
    known = set(catalog.domains()) | set(catalog.domain_codes().values())
    out = []
    for n, raw in enumerate(rows, start=2):
        raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{path}:{n}"
        level = catalog_level(raw.get("unit_level", ""))
        if level is None:
            raise MatchInputError(f"unit_level {raw.get('unit_level', '')!r} is not a level", where=where,
                                  hint="use 区级, 县级 or 乡级")
        domains = tuple(d.strip() for d in _SEP.split(raw.get("domains", "")) if d.strip())
        bad = [d for d in domains if d not in known]
        if bad:
            raise MatchInputError(f"unknown domain(s) in column domains: {', '.join(bad)}", where=where,
                                  hint="`auditor catalog list` shows the 26 domain names")
        published = None
        if raw.get("published"):
            try:
                published = date.fromisoformat(raw["published"])
            except ValueError:
                raise MatchInputError(f"published {raw['published']!r} is not a date", where=where,
                                      hint="use YYYY-MM-DD or leave it empty") from None
        if not raw.get("title"):
            raise MatchInputError("empty title", where=where)
        out.append(TitleRow(n, raw["title"], raw.get("column", ""), level, domains, published,
                            raw.get("expected") or None, raw))
    return out


def entries_for(catalog: Catalog, level: str, domains: Sequence[str]) -> list[CatalogEntry]:
    """Entries a unit of `level` holding `domains` (none = all) must publish, 主动 rows only."""
    wanted = set(domains) or set(catalog.domains())
    return [e for e in catalog.for_unit(wanted, level) if e.mode == "主动"]


def column_view(column: str, domains: Sequence[str], catalog: Catalog) -> tuple[str | None, str]:
    """(domain the column belongs to, column kind) as read from a column path."""
    names = sorted(catalog.domains(), key=len, reverse=True)
    domain = next((d for d in names if d in column), None)
    kind = "catalog"
    if any(w in column for w in lexicon.NEWS_COLUMN):
        kind = "news"
    elif any(w in column for w in lexicon.NOTICE_COLUMN):
        kind = "notice"
    return domain, kind


def match_rows(rows: Sequence[TitleRow], catalog: Catalog, matcher: Matcher) -> list[MatchResult]:
    """Results in row order; rows are matched in groups of the same level and domains (one batch each)."""
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r.level, tuple(sorted(r.domains))), []).append(i)
    results: list[MatchResult | None] = [None] * len(rows)
    for (level, domains), members in groups.items():
        entries = entries_for(catalog, level, domains)
        views = []
        for i in members:
            r = rows[i]
            cdom, kind = column_view(r.column, r.domains, catalog)
            views.append(ItemView(item_id=i, title=r.title, column_domain=cdom, column_kind=kind,
                                  column_path=r.column, published=r.published))
        for res in matcher.match(entries, views, unit_level=level):
            results[res.item_id] = res
    return [r for r in results if r is not None]


OUT_COLUMNS = ("domain", "level1", "level2", "entry_id", "score", "decision", "why")


def write_results(path: Path, rows: Sequence[TitleRow], results: Sequence[MatchResult], catalog: Catalog) -> None:
    fields = list(rows[0].raw) if rows else list(REQUIRED)
    fields += [c for c in OUT_COLUMNS if c not in fields]
    try:
        f = Path(path).open("w", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise MatchInputError(f"cannot write ({exc.strerror or exc})", where=str(path)) from None
    with f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for row, res in zip(rows, results):
            e = catalog.by_id.get(res.entry_id or "")
            out = {k: neutralise(v) for k, v in row.raw.items()}
            out.update(domain=e.domain if e else "", level1=e.level1 if e else "", level2=e.level2 if e else "",
                       entry_id=res.entry_id or "", score=f"{res.score:.2f}", decision=res.decision,
                       why=neutralise("; ".join(f"{k}: {v}" for k, v in res.reasons.items())))
            w.writerow(out)

"""Load and validate the catalog directory (one YAML file per domain + catalog.yaml).

Validation collects *every* problem as "file:row N:field: message" instead of stopping at the first,
because catalogs are edited by hand in bulk and a one-error-per-run loop wastes the editor's time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from auditor.catalog.channels import load_synonyms
from auditor.catalog.deadline import parse_time_limit
from auditor.catalog.models import Catalog, CatalogEntry, CatalogFileModel, CatalogSetModel, EntryModel
from auditor.catalog.paths import catalog_dir
from auditor.catalog.workdays import load_holidays
from auditor.errors import CatalogError, ConfigError
from auditor.yamlio import load_yaml

RESERVED = {"catalog.yaml", "channels.yaml", "holidays.yaml", "column_synonyms.yaml"}


def _domain_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.name not in RESERVED)


def _entry_lines(text: str) -> dict[tuple[int, str | None], int]:
    """(row index, field) → 1-based line, from the YAML node tree (safe: no object construction)."""
    lines: dict[tuple[int, str | None], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if key.value == "entries" and isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                lines[(i, None)] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for k, _value in item.value:
                        lines[(i, str(k.value))] = k.start_mark.line + 1
    return lines


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(entry)"


def _msg(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field (not part of the catalog format)"
    if err["type"] == "missing":
        return "required field missing"
    return str(err["msg"]).removeprefix("Value error, ")


class _Lines:
    """Line numbers of one file, computed only when the file has a problem (a second parse)."""

    def __init__(self, text: str) -> None:
        self.text, self._map = text, None

    def get(self, key: tuple[int, str | None]) -> int | None:
        if self._map is None:
            self._map = _entry_lines(self.text)
        return self._map.get(key)


class _Problems(list):
    def row(self, file: str, i: int, fld: str, msg: str, lines: _Lines) -> None:
        line = lines.get((i, fld.split(".")[0].split("[")[0])) or lines.get((i, None))
        self.append(f"{file}:row {i + 1}:{fld}: {msg}" + (f" (line {line})" if line else ""))


def _read_set(path: Path, problems: _Problems) -> CatalogSetModel | None:
    f = path / "catalog.yaml"
    if not path.is_dir() or not f.exists():
        return None
    try:
        return CatalogSetModel.model_validate(load_yaml(f, "catalog set").data or {})
    except ConfigError as exc:
        problems.append(str(exc))
    except ValidationError as exc:
        problems += [f"{f}:header:{_loc(e['loc'])}: {_msg(e)}" for e in exc.errors()]
    return None


def _check_shared(root: Path) -> list[str]:
    """channels.yaml / holidays.yaml in the directory must load too (they are catalog data)."""
    out: list[str] = []
    for name, check in (("channels.yaml", load_synonyms), ("holidays.yaml", load_holidays)):
        if (root / name).exists():
            try:
                check(root / name)
            except CatalogError as exc:
                out.append(f"{exc.where or root / name}: {exc.message}")
    return out


def _load(path: Path | None) -> tuple[list[str], Catalog | None]:
    root = Path(path) if path is not None else catalog_dir()
    problems = _Problems()
    if not root.exists():
        return [f"{root}: catalog directory does not exist"], None
    cat_set = _read_set(root, problems)
    if root.is_dir():
        problems += _check_shared(root)
    files = _domain_files(root)
    if not files:
        problems.append(f"{root}: no domain catalog files (*.yaml)")
    entries: list[CatalogEntry] = []
    seen_ids: dict[str, str] = {}
    seen_domains: dict[str, str] = {}
    versions, effectives = set(), []
    for f in files:
        try:  # size cap, alias-expansion cap, encoding and nesting checks live in load_yaml
            data = load_yaml(f, "catalog").data
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        text = f.read_text(encoding="utf-8")
        if not isinstance(data, dict):
            problems.append(f"{f}:header: expected a mapping with domain, domain_code, version, "
                            "effective, sources, entries")
            continue
        try:
            head = CatalogFileModel.model_validate(data)
        except ValidationError as exc:
            problems += [f"{f}:header:{_loc(e['loc'])}: {_msg(e)}" for e in exc.errors()]
            continue
        if head.domain_code != f.stem:
            problems.append(f"{f}:header:domain_code: {head.domain_code!r} differs from the file name "
                            f"{f.stem!r}")
        if head.domain in seen_domains:
            problems.append(f"{f}:header:domain: domain {head.domain!r} already defined in "
                            f"{seen_domains[head.domain]}")
        seen_domains.setdefault(head.domain, str(f))
        versions.add(head.version)
        effectives.append(head.effective)
        lines = _Lines(text)
        for i, raw in enumerate(head.entries):
            if not isinstance(raw, dict):
                problems.row(str(f), i, "(entry)", "an entry must be a mapping", lines)
                continue
            entry = None
            try:
                entry = EntryModel.model_validate(raw)
            except ValidationError as exc:
                for e in exc.errors():
                    problems.row(str(f), i, _loc(e["loc"]), _msg(e), lines)
            # id and 公开时限 are checked on the raw row too, so one bad field does not hide them
            rid, tl = raw.get("id"), raw.get("time_limit")
            if isinstance(rid, str):
                if not rid.startswith(head.domain_code + "."):
                    problems.row(str(f), i, "id", f"{rid!r} must start with '{head.domain_code}.'", lines)
                if rid in seen_ids:
                    problems.row(str(f), i, "id", f"duplicate id {rid!r} (first at {seen_ids[rid]})", lines)
                else:
                    seen_ids[rid] = f"{f.name}:row {i + 1}"
            if isinstance(tl, str) and tl.strip() != "同上":
                try:
                    parse_time_limit(tl)
                except CatalogError as exc:
                    problems.row(str(f), i, "time_limit", exc.message, lines)
            if entry is None:
                continue
            entries.append(CatalogEntry(**entry.model_dump(), domain=head.domain,
                                        domain_code=head.domain_code))
    if problems:
        return list(problems), None
    if cat_set is not None:
        version, effective = cat_set.version, cat_set.effective
    else:
        version, effective = ",".join(sorted(versions)), max(effectives, default=date.min)
    return [], Catalog(version=version, effective=effective, entries=entries)


def check_catalog(path: Path | None = None) -> tuple[list[str], Catalog | None]:
    """(every problem, the loaded catalog or None): one pass for callers that want both."""
    return _load(path)


def validate_catalog(path: Path | None = None) -> list[str]:
    """Every problem in the catalog directory (or one file) as 'file:row N:field: message'."""
    return _load(path)[0]


def load_catalog(path: Path | None = None) -> Catalog:
    """Load catalogs/ ($AUDITOR_CATALOG_DIR, or the repo copy); CatalogError lists all problems."""
    problems, catalog = _load(path)
    if problems or catalog is None:
        raise CatalogError(f"{len(problems)} problem(s) in the catalog:\n  " + "\n  ".join(problems),
                           where=str(path or catalog_dir()),
                           hint="fix the rows listed (validate_catalog gives the same list)")
    return catalog

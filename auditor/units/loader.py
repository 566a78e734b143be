"""Load and validate a units registry file, reporting every problem with file, line and key."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import ConfigError, RegistryError
from auditor.units.models import PLATFORMS, Registry
from auditor.yamlio import LocatedYaml, format_pydantic_errors, load_yaml


def validate_registry(path: Path, known_domains: set[str] | None = None) -> list[str]:
    """Every problem in the file as 'file:line: key: message'; empty when valid."""
    try:
        doc = load_yaml(Path(path), "units registry")
    except ConfigError as exc:
        return [str(exc)]
    if not isinstance(doc.data, dict):
        return [f"{path}:1: the registry must be a mapping with keys district, sites, units"]
    try:
        reg = Registry.model_validate(doc.data)
    except ValidationError as exc:
        return format_pydantic_errors(doc, exc)
    problems: list[str] = []
    adapters = PLATFORMS
    for i, site in enumerate(reg.sites):
        if site.platform not in adapters:
            problems.append(f"{path}:{doc.line_of(('sites', i, 'platform'))}: sites.{i}.platform: unknown platform "
                            f"{site.platform!r} (known: {', '.join(sorted(adapters))})")
    for i, unit in enumerate(reg.units):
        for j, ch in enumerate(unit.channels):
            for k, col in enumerate(getattr(ch, "columns", [])):
                if col.platform and col.platform not in adapters:
                    loc = ("units", i, "channels", j, "columns", k, "platform")
                    problems.append(f"{path}:{doc.line_of(loc)}: {'.'.join(map(str, loc))}: unknown platform "
                                    f"{col.platform!r} (known: {', '.join(sorted(adapters))})")
    problems += check_site_hosts(path, doc, reg)
    for i, unit in enumerate(reg.units):
        if unit.catalog is not None and not (Path(path).parent / unit.catalog.file).is_file():
            line = doc.line_of(("units", i, "catalog"))
            problems.append(f"{path}:{line}: units.{i}.catalog: file {unit.catalog.file!r} not found "
                            f"(relative to the registry: {Path(path).parent / unit.catalog.file})")
    if known_domains is not None:
        for i, unit in enumerate(reg.units):
            for part in ("lead", "share"):
                for j, dom in enumerate(getattr(unit.domains, part)):
                    if dom not in known_domains:
                        line = doc.line_of(("units", i, "domains", part, j))
                        problems.append(f"{path}:{line}: units.{i}.domains.{part}.{j}: unknown domain {dom!r} "
                                        f"(not in the catalog){_suggest(dom, known_domains)}")
        problems += check_column_domains(path, doc, reg, known_domains)
    return problems


def _suggest(name: str, known: set[str]) -> str:
    """"; did you mean …" with the nearest catalog domain names (rapidfuzz), or nothing."""
    from rapidfuzz import fuzz, process

    near = [m for m, score, _ in process.extract(name, sorted(known), scorer=fuzz.WRatio, limit=3) if score >= 50]
    return f"; did you mean {' / '.join(repr(n) for n in near)}?" if near else ""


def check_column_domains(path: Path, doc: LocatedYaml, reg: Registry, known_domains: set[str]) -> list[str]:
    """A column's `domain:` must name a catalog domain: a typo would leave the column holding nothing and its
    entries unverified. One problem per bad value, with file:line:key and the nearest domain names.
    (A column *name* that contradicts its domain is a separate warning, not checked here.)"""
    problems = []
    for i, unit in enumerate(reg.units):
        for j, ch in enumerate(unit.channels):
            for k, col in enumerate(getattr(ch, "columns", [])):
                if col.domain is not None and col.domain not in known_domains:
                    loc = ("units", i, "channels", j, "columns", k, "domain")
                    problems.append(f"{path}:{doc.line_of(loc)}: {'.'.join(map(str, loc))}: unknown domain "
                                    f"{col.domain!r} (column {col.name!r}; not in the catalog)"
                                    f"{_suggest(col.domain, known_domains)}")
    for i, site in enumerate(reg.sites):
        for k, col in enumerate(site.columns):
            if col.domain is not None and col.domain not in known_domains:
                loc = ("sites", i, "columns", k, "domain")
                problems.append(f"{path}:{doc.line_of(loc)}: {'.'.join(map(str, loc))}: unknown domain "
                                f"{col.domain!r} (column {col.name!r}; not in the catalog)"
                                f"{_suggest(col.domain, known_domains)}")
    return problems


_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$",
                   re.IGNORECASE)


def check_site_hosts(path: Path, doc: LocatedYaml, reg: Registry) -> list[str]:
    """`hosts:` lists bare host names (old.example.gov.cn, 10.1.2.3:8080), not URLs."""
    problems = []
    for i, site in enumerate(reg.sites):
        for k, host in enumerate(site.hosts):
            if not _HOST.match(host):
                loc = ("sites", i, "hosts", k)
                problems.append(f"{path}:{doc.line_of(loc)}: {'.'.join(map(str, loc))}: {host!r} is not a host name "
                                f"(write it without scheme or path, e.g. old.example.gov.cn)")
    return problems


def load_registry(path: Path, known_domains: set[str] | None = None) -> Registry:
    problems = validate_registry(path, known_domains)
    if problems:
        raise RegistryError("invalid units registry:\n  " + "\n  ".join(problems),
                            hint="fix the listed keys; see README 'Units registry'")
    doc = load_yaml(Path(path), "units registry")
    reg = Registry.model_validate(doc.data)
    units = [u.model_copy(update={"catalog": u.catalog.model_copy(update={
        "file": str((Path(path).parent / u.catalog.file).resolve())})}) if u.catalog else u for u in reg.units]
    return reg.model_copy(update={"units": units})

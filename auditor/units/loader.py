"""Load and validate a units registry file, reporting every problem with file, line and key."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from auditor.errors import ConfigError, RegistryError
from auditor.units.models import Registry
from auditor.yamlio import format_pydantic_errors, load_yaml


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
    from auditor.harvest.adapters import ADAPTERS

    adapters = {"auto", *ADAPTERS}
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
                                        f"(not in the catalog)")
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

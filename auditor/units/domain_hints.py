"""Warnings (never errors) when a registry column's declared `domain:` contradicts its own name.

A column called 扶贫信息 declared `domain: 社会救助` is most likely a copy-paste slip that would file
every item of the column under the wrong obligations. The name alone is not proof (portals name
columns loosely), so this warns and leaves the registry valid.
"""

from __future__ import annotations

from pathlib import Path

from auditor.catalog.column_domain import propose_domain
from auditor.catalog.models import Catalog
from auditor.units.models import Registry, WebsiteChannel
from auditor.yamlio import LocatedYaml, load_yaml

MIN_CONFIDENCE = 0.6  # below this the name says too little to contradict anyone


def column_domain_warnings(path: Path, catalog: Catalog, registry: Registry | None = None,
                           doc: LocatedYaml | None = None) -> list[str]:
    """'file:line: key: warning: …' for each column whose name points at another domain."""
    doc = doc or load_yaml(Path(path), "units registry")
    registry = registry or Registry.model_validate(doc.data)
    known = set(catalog.domains())
    out: list[str] = []
    columns = []
    for i, site in enumerate(registry.sites):
        columns += [(("sites", i, "columns", k, "domain"), col) for k, col in enumerate(site.columns)]
    for i, unit in enumerate(registry.units):
        for j, ch in enumerate(unit.channels):
            if isinstance(ch, WebsiteChannel):
                columns += [(("units", i, "channels", j, "columns", k, "domain"), col)
                            for k, col in enumerate(ch.columns)]
    for loc, col in columns:
        if not col.domain or col.domain not in known:
            continue  # no claim, or an unknown domain (an error reported elsewhere)
        crumb = [p for p in col.path.split("/") if p] if col.path else []
        if not crumb or crumb[-1] != col.name:
            crumb.append(col.name)
        proposal = propose_domain(crumb, catalog)
        if proposal is None or proposal.confidence < MIN_CONFIDENCE or proposal.domain == col.domain:
            continue
        out.append(f"{doc.path}:{doc.line_of(loc)}: {'.'.join(map(str, loc))}: warning: declared "
                   f"{col.domain!r} but the column {col.name!r} reads as {proposal.domain} "
                   f"({proposal.evidence}); check the column's domain")
    return out

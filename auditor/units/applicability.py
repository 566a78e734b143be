"""Which catalog entries a unit must publish: its domains, its level, 主动 mode only."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.catalog.models import Catalog, CatalogEntry
    from auditor.units.models import UnitSpec


def applicable_entries(catalog: "Catalog", unit: "UnitSpec") -> list["CatalogEntry"]:
    """Entries of the unit's lead and shared domains at its level that must be published proactively."""
    entries = catalog.for_unit(set(unit.domains.all), unit.catalog_level)
    return [e for e in entries if e.mode == "主动"]

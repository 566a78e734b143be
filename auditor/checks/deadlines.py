"""Pick the part of an entry's 公开时限 that applies to one item (split rules: 许可/处罚 vs 其他)."""

from __future__ import annotations

from auditor.catalog.deadline import GENERAL, DeadlineRule
from auditor.catalog.models import CatalogEntry


def _cues(label: str) -> list[str]:
    out = []
    for alt in label.split("/"):
        alt = alt.strip()
        if not alt:
            continue
        out.append(alt)
        core = alt.removeprefix("行政").removesuffix("信息").removesuffix("事项")
        if len(core) >= 2:
            out.append(core)
    return out


def deadline_for(entry: CatalogEntry, title: str) -> DeadlineRule:
    """The specific part whose label the title names (e.g. a 处罚决定), else the general part."""
    rule = entry.deadline
    for part in rule.parts:
        if part.applies_to and part.applies_to != GENERAL and any(c in title for c in _cues(part.applies_to)):
            return part
    return rule

"""One module per check type; each returns findings and the basis (how many things it checked)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from auditor.scoring.context import FindingDraft


@dataclass
class CheckResult:
    findings: list[FindingDraft] = field(default_factory=list)
    # unit id -> domain (or "") -> number of things checked: the denominator of the dimension score
    basis: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

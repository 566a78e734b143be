"""Which kind of unit leads which domain, as implementation plans name them (牵头单位：区财政局 …).

The plans in ../shared/domain/policy-docs are other districts' (北仑区, 罗庄区 …), so they do not say
who leads in the audited district; they say what kind of unit usually does (区财政局 → 财政预决算).
Discovery uses them as evidence next to the columns a unit holds, never alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from auditor.catalog.models import Catalog

LEAD = re.compile(r"牵头单位\s*[:：]\s*([^，,；;)）\n]+)")
_PREFIX = re.compile(r"^.{0,6}?[区县市旗](?=.{2,})")


def unit_core(name: str) -> str:
    """区财政局 / 云溪区财政局 / 罗庄区税务局 → 财政局 / 税务局: the unit without its place."""
    name = re.sub(r"\s+", "", name or "")
    return _PREFIX.sub("", name, count=1)


def read_leads(folder: Path, catalog: Catalog) -> dict[str, dict[str, str]]:
    """{unit core name: {domain: 'file: sentence'}} from every plan in `folder` (missing folder: empty)."""
    domains = sorted(catalog.domains(), key=len, reverse=True)
    out: dict[str, dict[str, str]] = {}
    folder = Path(folder)
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for i, line in enumerate(lines):
            m = LEAD.search(line)
            if not m:
                continue
            head = line[: m.start()]
            if not any(d in head for d in domains) and i > 0:
                head = lines[i - 1] + head  # the domain heading wrapped onto the previous line
            named = [d for d in domains if d in head]
            for unit in re.split(r"[、]", m.group(1)):
                core = unit_core(unit)
                if len(core) < 2:
                    continue
                for dom in named:
                    out.setdefault(core, {}).setdefault(dom, f"{path.name}: {line.strip()[:80]}")
    return out

"""How close a draft registry is to a known one (the sample district's, or a hand-checked real one).

Catalog columns are compared by URL: a column is found when the draft has it as a catalog column with
the same unit (by name) and the same domain; a proposed catalog column is real when the truth has that
URL as a catalog column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


def _key(url: str) -> str:
    parts = urlsplit(str(url))
    path = parts.path
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return f"{parts.netloc}{path}?{parts.query}"


def catalog_columns(registry: dict) -> dict[str, tuple[str, str | None]]:
    """URL key → (unit name, domain) of every catalog column of a registry dict."""
    out: dict[str, tuple[str, str | None]] = {}
    for unit in registry.get("units", []):
        for ch in unit.get("channels", []):
            for col in ch.get("columns", []) or []:
                if col.get("kind", "catalog") == "catalog":
                    out[_key(col["url"])] = (unit["name"], col.get("domain"))
    return out


@dataclass
class DiscoveryScore:
    truth: int
    proposed: int
    found: int  # right URL, unit and domain
    real: int  # proposed catalog columns that are catalog columns in the truth
    wrong: list[str] = field(default_factory=list)  # what differs, one line each
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.real / self.proposed if self.proposed else 1.0


def compare(draft: dict, truth: dict) -> DiscoveryScore:
    got, want = catalog_columns(draft), catalog_columns(truth)
    score = DiscoveryScore(truth=len(want), proposed=len(got), found=0, real=sum(1 for k in got if k in want))
    for key, expected in want.items():
        proposed = got.get(key)
        if proposed == expected:
            score.found += 1
        elif proposed is None:
            score.missed.append(f"{key}: {expected[0]} / {expected[1]} not proposed")
        else:
            score.wrong.append(f"{key}: proposed {proposed[0]} / {proposed[1]}, truth {expected[0]} / {expected[1]}")
    return score

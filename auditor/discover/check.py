"""`auditor discover --check FILE`: a second look at a draft (or any registry) before it is trusted.

Reads the first list page of every column once and reports: columns that list nothing, columns whose
titles read as another domain than the one declared (by the matcher, over the whole catalog), pages
that could not be read (unverified, never "empty"), and catalog domains that no unit covers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.catalog.models import Catalog
from auditor.discover.fetch import run_discovery_crawl
from auditor.discover.pages import PageRecord
from auditor.harvest.adapters import ADAPTERS, detect_adapter
from auditor.harvest.adapters.base import NotAListPage
from auditor.match.matcher import ItemView, Matcher
from auditor.units.models import Registry, WebsiteChannel
from auditor.vocabulary import Decision

CONTRADICTION_SHARE = 0.5  # more than half of the titles the matcher places go to another domain …
CONTRADICTION_MIN = 3  # … and at least this many of them


@dataclass
class ColumnCheck:
    owner: str  # unit id, or site id for site columns
    name: str
    url: str
    kind: str
    domain: str | None
    state: str  # ok | empty | unread | contradicts
    items: int = 0
    detail: str = ""
    title_domains: dict[str, int] = field(default_factory=dict)


@dataclass
class CheckReport:
    columns: list[ColumnCheck]
    uncovered_domains: list[str]

    def by_state(self, state: str) -> list[ColumnCheck]:
        return [c for c in self.columns if c.state == state]


def _columns(registry: Registry) -> list[tuple[str, object, str]]:
    """(owner, ColumnSpec, platform) of every website column of the registry."""
    sites = {s.id: s for s in registry.sites}
    out = []
    for site in registry.sites:
        out += [(site.id, col, col.platform or site.platform) for col in site.columns]
    for unit in registry.units:
        for ch in unit.channels:
            if isinstance(ch, WebsiteChannel):
                site = sites[ch.site]
                out += [(unit.id, col, col.platform or site.platform) for col in ch.columns]
    return out


def title_domains(titles: list[str], catalog: Catalog, level: str, matcher: Matcher) -> Counter:
    """Which domains the matcher reads the titles as (accepted or in review), over every catalog entry."""
    entries = [e for e in catalog.entries if level in e.levels]
    items = [ItemView(item_id=i, title=t) for i, t in enumerate(titles)]
    by_id = {e.id: e for e in entries}
    got = Counter()
    for res in matcher.match(entries, items, unit_level=level):
        if res.entry_id and res.decision in (Decision.ACCEPT, Decision.REVIEW):
            got[by_id[res.entry_id].domain] += 1
    return got


def check_columns(registry: Registry, records: dict[str, PageRecord], catalog: Catalog,
                  matcher: Matcher | None = None) -> CheckReport:
    """Judge every column from its first list page (already fetched: `records` by URL)."""
    matcher = matcher or Matcher()
    levels = {u.id: u.catalog_level for u in registry.units}
    out: list[ColumnCheck] = []
    for owner, col, platform in _columns(registry):
        url = str(col.url)
        chk = ColumnCheck(owner=owner, name=col.name, url=url, kind=col.kind, domain=col.domain, state="ok")
        rec = records.get(url)
        if rec is None or not rec.ok:
            chk.state = "unread"
            chk.detail = ("not fetched" if rec is None else
                          f"HTTP {rec.status}" if rec.status else (rec.error or "no answer"))
            out.append(chk)
            continue
        adapter = ADAPTERS.get(platform) if platform not in (None, "auto") else None
        adapter = adapter or detect_adapter(url, rec.text)
        try:
            page = adapter.parse_list(url, rec.text)
        except NotAListPage as exc:  # a navigation page registered as a column
            chk.state = "empty"
            chk.detail = f"not a list page: {exc}"
            out.append(chk)
            continue
        chk.items = len(page.entries)
        if not page.entries:
            chk.state = "empty"
            chk.detail = f"the {adapter.name} adapter reads no item on its first page"
            if page.total_pages:
                chk.detail += f" (its pager states {page.total_pages} page(s))"
        elif col.kind == "catalog" and col.domain:
            got = title_domains([e.title for e in page.entries], catalog, levels.get(owner, "县级"), matcher)
            chk.title_domains = dict(got)
            placed = sum(got.values())
            other = sum(n for d, n in got.items() if d != col.domain)
            if other >= CONTRADICTION_MIN and other > CONTRADICTION_SHARE * placed:
                top = ", ".join(f"{d} {n}" for d, n in got.most_common(3))
                chk.state = "contradicts"
                chk.detail = f"{other} of {placed} titles the matcher places read as another domain ({top})"
        out.append(chk)
    covered = {d for u in registry.units for d in u.domains.all}
    covered |= {c.domain for _, c, _ in _columns(registry) if c.domain}
    return CheckReport(out, [d for d in catalog.domains() if d not in covered])


def run_check(registry: Registry, catalog: Catalog, *, replay: dict[str, str] | None = None,
              settings: dict | None = None, progress: Callable[[int], None] | None = None,
              work_dir: Path | None = None) -> CheckReport:
    """Fetch one list page per column (politely, through the discovery spider) and judge the columns."""
    urls = list(dict.fromkeys(str(c.url) for _, c, _ in _columns(registry)))
    outcome = run_discovery_crawl(urls, max_pages=len(urls) + 5, max_depth=0, replay=replay, settings=settings,
                                  progress=progress, work_dir=work_dir, sample_details=False)
    records = {r.url: r for r in outcome.records}
    return check_columns(registry, records, catalog)

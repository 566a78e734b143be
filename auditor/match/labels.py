"""Reviewer decisions as labelled titles, so each district's reviews grow the real development set.

`auditor match export-labels --out FILE` writes one row per reviewed item in the format of
tests/fixtures/real_titles/real_titles.csv (``title,column,unit_level,domains,expected,published,kind,domain,
level1,level2,site,source,split``), which `auditor match eval --gold FILE` reads:

* ``confirm`` / ``relink`` — a positive: the entry the reviewer named (a bare confirm: the entry the matcher
  had proposed, as the match stage reads it);
* ``reject`` — a negative: the reviewer said the item is not the obligation it was linked to. (A rejected
  item may still fulfil another row; a reviewer who knows which relinks it instead.)
* ``not_applicable`` and decisions without an item say nothing about a title and are skipped.

Only a unit's latest active decision per item counts. The rows are development data (``split=dev``): a
held-back set must stay untouched by tuning.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.models import Catalog
from auditor.cellsafe import neutralise
from auditor.match.titles import MatchInputError
from auditor.store.models import Channel, Item, ItemListing, Match, ReviewDecision, Unit

COLUMNS = ("title", "column", "unit_level", "domains", "expected", "published", "kind", "domain", "level1", "level2",
           "site", "source", "split")
KIND_PREFERENCE = {"catalog": 0, "notice": 1, "other": 2, "feed": 3, "news": 4}


@dataclass(frozen=True)
class LabelRow:
    title: str
    column: str
    unit_level: str
    domains: str
    expected: str  # entry id, "" for a negative
    published: str
    site: str
    source: str

    def as_dict(self, catalog: Catalog) -> dict[str, str]:
        e = catalog.by_id.get(self.expected)
        return {"title": self.title, "column": self.column, "unit_level": self.unit_level, "domains": self.domains,
                "expected": self.expected, "published": self.published,
                "kind": "positive" if self.expected else "negative", "domain": e.domain if e else "",
                "level1": e.level1 if e else "", "level2": e.level2 if e else "", "site": self.site,
                "source": self.source, "split": "dev"}


def _listing(session: Session, item_id: int, unit_id: str) -> Channel | None:
    """The unit's column that lists the item (a catalog column before a notice or news column)."""
    chans = session.scalars(select(Channel).join(ItemListing, ItemListing.channel_id == Channel.id)
                            .where(ItemListing.item_id == item_id, Channel.unit_id == unit_id)).all()
    return min(chans, key=lambda c: KIND_PREFERENCE.get(c.column_kind, 5), default=None)


def label_rows(session: Session) -> list[LabelRow]:
    """One labelled row per reviewed (unit, item): its latest active confirm, relink or reject."""
    latest: dict[tuple[str, int], ReviewDecision] = {}
    for d in session.scalars(select(ReviewDecision).where(ReviewDecision.active.is_(True))
                             .order_by(ReviewDecision.created_at, ReviewDecision.id)):
        if d.item_id is not None:
            latest[(d.unit_id, d.item_id)] = d
    out = []
    for (unit_id, item_id), d in sorted(latest.items(), key=lambda kv: kv[1].id):
        if d.action not in ("confirm", "relink", "reject"):
            continue
        item, unit = session.get(Item, item_id), session.get(Unit, unit_id)
        if item is None or unit is None:
            continue
        expected = ""
        if d.action in ("confirm", "relink"):
            expected = d.entry_id or session.scalar(
                select(Match.entry_id).where(Match.item_id == item_id, Match.unit_id == unit_id)
                .order_by(Match.id.desc()).limit(1)) or ""
            if not expected:
                continue  # a confirm of nothing: no label to give
        chan = _listing(session, item_id, unit_id)
        out.append(LabelRow(title=item.title or item.list_title or "", column=chan.column_path if chan else "",
                            unit_level=unit.level, domains=(chan.domain or "") if chan else "", expected=expected,
                            published=item.publish_date.isoformat() if item.publish_date else "",
                            site=item.site_id or unit.district, source=item.canonical_url))
    return out


def write_labels(path: Path, rows: list[LabelRow], catalog: Catalog) -> None:
    try:
        f = Path(path).open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise MatchInputError(f"cannot write ({exc.strerror or exc})", where=str(path)) from None
    with f:
        w = csv.DictWriter(f, fieldnames=list(COLUMNS))
        w.writeheader()
        for r in rows:
            w.writerow({k: neutralise(v) for k, v in r.as_dict(catalog).items()})

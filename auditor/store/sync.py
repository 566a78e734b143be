"""Copy the units registry into the store, so crawls, scores and reports can join on it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.store.models import Channel, Site, Unit
from auditor.units.models import FeedChannel, PlatformChannel, Registry, WebsiteChannel

IMPORTED = "import"  # channels created by `auditor import-items`: not in the registry, never deactivated by it


def _wanted_channels(registry: Registry) -> dict[str, dict[str, dict[str, Any]]]:
    """unit id → channel URL → column values, from unit channels and site-level columns."""
    wanted: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for spec in registry.units:
        mine = wanted[spec.id]
        for ch in spec.channels:
            if isinstance(ch, WebsiteChannel):
                site = registry.site(ch.site)
                for col in ch.columns:
                    mine[str(col.url)] = dict(code="WEBSITE", site_id=ch.site, name=col.name,
                                              column_path=col.path or col.name, column_kind=col.kind,
                                              domain=col.domain, platform=col.platform or site.platform)
            elif isinstance(ch, FeedChannel):
                mine[str(ch.url)] = dict(code="NEWMEDIA", site_id=None, name=ch.name, column_path=ch.name,
                                         column_kind="feed", domain=None, platform=f"feed:{ch.format}")
            elif isinstance(ch, PlatformChannel):
                mine[str(ch.url)] = dict(code="PLATFORM", site_id=None, name=ch.name, column_path=ch.name,
                                         column_kind="catalog", domain=None, platform=ch.platform)
    # news/notice columns listed under a site belong to its owner, or to a pseudo-unit of the site
    for site in registry.sites:
        for col in site.columns:
            owner = site.owner or f"site:{site.id}"
            wanted[owner][str(col.url)] = dict(code="WEBSITE", site_id=site.id, name=col.name,
                                               column_path=col.path or col.name, column_kind=col.kind,
                                               domain=col.domain, platform=col.platform or site.platform)
    return wanted


def sync_registry(session: Session, registry: Registry) -> None:
    """Upsert units, sites and channels. Channels no longer listed are deactivated, not deleted:
    their crawl history stays attached to them."""
    for spec in registry.sites:
        site = session.get(Site, spec.id) or Site(id=spec.id)
        site.name, site.base_url, site.home_url, site.platform = spec.name, str(spec.url), spec.home_url, spec.platform
        site.owner_unit_id = spec.owner
        site.hosts = list(spec.hosts)
        site.rate, site.budget = spec.rate, spec.budget
        session.add(site)
    for spec in registry.units:
        unit = session.get(Unit, spec.id) or Unit(id=spec.id)
        unit.district = registry.district.id
        unit.district_name = registry.district.name
        unit.name, unit.kind, unit.level = spec.name, spec.kind, spec.level
        unit.domains_lead, unit.domains_share = list(spec.domains.lead), list(spec.domains.share)
        unit.contact = spec.contact.model_dump(exclude_none=True)
        unit.catalog = spec.catalog.model_dump(mode="json") if spec.catalog else None
        session.add(unit)
    wanted = _wanted_channels(registry)
    for site in registry.sites:
        pseudo = f"site:{site.id}"
        if pseudo in wanted and session.get(Unit, pseudo) is None:
            session.add(Unit(id=pseudo, district=registry.district.id, district_name=registry.district.name,
                             name=site.name, kind="site", level="",
                             domains_lead=[], domains_share=[], contact={}))
    session.flush()
    for unit_id, channels in wanted.items():
        existing = {c.url: c for c in session.scalars(select(Channel).where(Channel.unit_id == unit_id))}
        for url, values in channels.items():
            row = existing.pop(url, None) or Channel(unit_id=unit_id, url=url)
            for key, value in values.items():
                setattr(row, key, value)
            row.active = True
            session.add(row)
        for stale in existing.values():
            if stale.platform != IMPORTED:
                stale.active = False
    listed = set(wanted)
    for row in session.scalars(select(Channel).where(Channel.unit_id.not_in(listed), Channel.platform != IMPORTED)):
        row.active = False
    session.flush()

"""Copy the units registry into the store, so crawls, scores and reports can join on it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.store.models import Channel, Site, Unit
from auditor.units.models import FeedChannel, PlatformChannel, Registry, WebsiteChannel


def sync_registry(session: Session, registry: Registry) -> None:
    """Upsert units, sites and channels; channels no longer in the registry are removed."""
    for spec in registry.sites:
        site = session.get(Site, spec.id) or Site(id=spec.id)
        site.name, site.base_url, site.home_url, site.platform = spec.name, str(spec.url), spec.home_url, spec.platform
        site.owner_unit_id = spec.owner
        session.add(site)
    session.flush()
    for spec in registry.units:
        unit = session.get(Unit, spec.id) or Unit(id=spec.id)
        unit.district = registry.district.id
        unit.name, unit.kind, unit.level = spec.name, spec.kind, spec.level
        unit.domains_lead, unit.domains_share = list(spec.domains.lead), list(spec.domains.share)
        unit.contact = spec.contact.model_dump(exclude_none=True)
        session.add(unit)
        session.flush()
        wanted: dict[str, dict] = {}
        for ch in spec.channels:
            if isinstance(ch, WebsiteChannel):
                site = registry.site(ch.site)
                for col in ch.columns:
                    wanted[str(col.url)] = dict(code="WEBSITE", site_id=ch.site, name=col.name,
                                                column_path=col.path or col.name, column_kind=col.kind,
                                                domain=col.domain, platform=col.platform or site.platform)
            elif isinstance(ch, FeedChannel):
                wanted[str(ch.url)] = dict(code="NEWMEDIA", site_id=None, name=ch.name, column_path=ch.name,
                                           column_kind="feed", domain=None, platform=f"feed:{ch.format}")
            elif isinstance(ch, PlatformChannel):
                wanted[str(ch.url)] = dict(code="PLATFORM", site_id=None, name=ch.name, column_path=ch.name,
                                           column_kind="catalog", domain=None, platform=ch.platform)
        existing = {c.url: c for c in session.scalars(select(Channel).where(Channel.unit_id == spec.id))}
        for url, values in wanted.items():
            row = existing.pop(url, None) or Channel(unit_id=spec.id, url=url)
            for k, v in values.items():
                setattr(row, k, v)
            session.add(row)
        for stale in existing.values():
            session.delete(stale)
    # site-level columns (news, notices not owned by a unit) are attached to a pseudo-unit per site
    for spec in registry.sites:
        if not spec.columns:
            continue
        owner_id = spec.owner or f"site:{spec.id}"
        if session.get(Unit, owner_id) is None:
            session.add(Unit(id=owner_id, district=registry.district.id, name=spec.name, kind="site", level="",
                             domains_lead=[], domains_share=[], contact={}))
            session.flush()
        existing = {c.url: c for c in session.scalars(select(Channel).where(Channel.unit_id == owner_id))}
        for col in spec.columns:
            row = existing.get(str(col.url)) or Channel(unit_id=owner_id, url=str(col.url))
            row.code, row.site_id, row.name = "WEBSITE", spec.id, col.name
            row.column_path, row.column_kind, row.domain = col.path or col.name, col.kind, col.domain
            row.platform = col.platform or spec.platform
            session.add(row)
    session.flush()

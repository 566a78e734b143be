"""The units registry: a district, its sites, and its departments and subdistricts with their channels."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from auditor.vocabulary import catalog_level

UnitLevel = Literal["区级", "乡级"]
#: the names a registry may give as `platform:` — "auto" (detect per page) or a list-page adapter of
#: auditor/harvest/adapters (its `name`). Kept here as data so the registry is validated without importing
#: harvest (harvest depends on units, not the reverse); tests/test_adapters.py asserts it equals
#: {"auto", *ADAPTERS}, so a new adapter must add its name here.
PLATFORMS: frozenset[str] = frozenset({"auto", "col_art", "generic", "hanweb_ajax", "json_list", "static_paging",
                                       "xxgk_table"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(Strict):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    webhook: str | None = None


class SiteSpec(Strict):
    """A website the district's content lives on (the county portal, a department's own site …)."""

    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: str
    url: HttpUrl
    home: HttpUrl | None = None
    platform: str = "auto"
    robots: Literal["obey", "ignore"] = "obey"
    robots_reason: str | None = None
    owner: str | None = None  # unit that runs the site; site-health findings are charged to it
    hosts: list[str] = Field(default_factory=list)  # other host names the site owns (www vs bare, old IP)
    rate: float | None = Field(default=None, gt=0)  # requests per second per host (default 1; crawl politeness)
    budget: int | None = Field(default=None, ge=1)  # requests per night; the rest is carried to the next night
    columns: list[ColumnSpec] = Field(default_factory=list)  # news/notice columns not owned by a unit

    @model_validator(mode="after")
    def _robots_reason(self) -> SiteSpec:
        if self.robots == "ignore" and not self.robots_reason:
            raise ValueError("robots: ignore needs a robots_reason (recorded with every crawl)")
        return self

    @property
    def home_url(self) -> str:
        return str(self.home or self.url)


class ColumnSpec(Strict):
    """One list column on a site; `kind` tells the site-health checks how often it must update."""

    name: str
    url: HttpUrl
    path: str = ""
    kind: Literal["catalog", "news", "notice", "other"] = "catalog"
    domain: str | None = None
    platform: str | None = None


class WebsiteChannel(Strict):
    type: Literal["website"]
    site: str
    columns: list[ColumnSpec] = Field(min_length=1)


class FeedChannel(Strict):
    """A 政务新媒体 account exported as RSS/Atom/JSON."""

    type: Literal["new_media"]
    name: str
    url: HttpUrl
    format: Literal["json", "rss", "atom", "auto"] = "auto"


class PlatformChannel(Strict):
    """A specialised platform (公共资源交易平台 …) listed as a column-like source."""

    type: Literal["platform"]
    name: str
    url: HttpUrl
    platform: str = "auto"


ChannelSpec = Annotated[WebsiteChannel | FeedChannel | PlatformChannel, Field(discriminator="type")]


class Domains(Strict):
    lead: list[str] = Field(default_factory=list)
    share: list[str] = Field(default_factory=list)

    @property
    def all(self) -> list[str]:
        return list(dict.fromkeys([*self.lead, *self.share]))


class UnitCatalogRef(Strict):
    """The unit's own published 标准目录, the yardstick it is audited against.

    `file`: XLSX, CSV or the saved HTML page (as `auditor catalog diff` reads them), relative to the
    registry file. URLs are not fetched: save the published page and name it here, with `url:` for
    where it was published and `date:` for when (both shown on the scorecard).
    """

    file: str = Field(min_length=1)
    url: HttpUrl | None = None
    date: _dt.date | None = None


class UnitSpec(Strict):
    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: str
    kind: Literal["department", "subdistrict"]
    level: UnitLevel
    domains: Domains = Field(default_factory=Domains)
    contact: Contact = Field(default_factory=Contact)
    channels: list[ChannelSpec] = Field(default_factory=list)
    catalog: UnitCatalogRef | None = None  # its own published catalog; None: the national rows apply

    @field_validator("catalog", mode="before")
    @classmethod
    def _catalog_shorthand(cls, v: Any) -> Any:
        if isinstance(v, str):
            if v.strip().lower().startswith(("http://", "https://")):
                raise ValueError("a catalog URL is not fetched: save the published page and write "
                                 "catalog: {file: SAVED.html, url: " + v.strip() + "}")
            return {"file": v}
        return v

    @property
    def catalog_level(self) -> str:
        return str(catalog_level(self.level) or "")


class DistrictSpec(Strict):
    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: str


class Registry(Strict):
    district: DistrictSpec
    sites: list[SiteSpec] = Field(default_factory=list)
    units: list[UnitSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Registry:
        site_ids = [s.id for s in self.sites]
        dup = {s for s in site_ids if site_ids.count(s) > 1}
        if dup:
            raise ValueError(f"duplicate site id(s): {', '.join(sorted(dup))}")
        unit_ids = [u.id for u in self.units]
        dup = {u for u in unit_ids if unit_ids.count(u) > 1}
        if dup:
            raise ValueError(f"duplicate unit id(s): {', '.join(sorted(dup))}")
        for site in self.sites:
            if site.owner and site.owner not in unit_ids:
                raise ValueError(f"site {site.id}: owner {site.owner!r} is not a unit id")
        for unit in self.units:
            for ch in unit.channels:
                if isinstance(ch, WebsiteChannel) and ch.site not in site_ids:
                    raise ValueError(f"unit {unit.id}: channel refers to unknown site {ch.site!r} "
                                     f"(known: {', '.join(site_ids) or 'none'})")
        return self

    def unit(self, unit_id: str) -> UnitSpec:
        from auditor.errors import UnknownUnitError

        for u in self.units:
            if u.id == unit_id:
                return u
        raise UnknownUnitError(f"unknown unit {unit_id!r}",
                               hint=f"known units: {', '.join(u.id for u in self.units)}")

    def site(self, site_id: str) -> SiteSpec:
        return next(s for s in self.sites if s.id == site_id)


SiteSpec.model_rebuild()

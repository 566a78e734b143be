"""Crawl scope: the registry's hosts (plus the host names a site says it owns), nothing else.

Real pages link everywhere — provincial platforms, gov.cn, 12345, error-report services, another
host name of the same site. Those links are recorded, not followed: they are not the unit's
content and their failures are not the site's. A site lists the other names it answers to with
`hosts:` in the registry (www vs bare domain, an old IP).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """`host` or `host:port` (default ports dropped), lower case: the unit of scope."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    return host if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"


@dataclass(frozen=True)
class Scope:
    """Which hosts a crawl may request. Empty scope allows everything (a crawl without a registry)."""

    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, sites: Iterable, channels: Iterable, extra: Iterable[str] = ()) -> Scope:
        names: set[str] = set()
        for site in sites:
            names.update(host_of(u) for u in (site.base_url, site.home_url) if u)
            names.update(h.strip().lower() for h in (getattr(site, "hosts", None) or []) if h and h.strip())
        names.update(host_of(ch.url) for ch in channels if ch.url)
        names.update(h.strip().lower() for h in extra if h and h.strip())
        names.discard("")
        return cls(frozenset(names))

    def host(self, url: str) -> str:
        return host_of(url)

    def allows(self, url: str) -> bool:
        if not self.hosts:
            return True
        host = host_of(url)
        return host in self.hosts or host.split(":")[0] in self.hosts  # a bare host name admits any port

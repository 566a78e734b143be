"""Per-host politeness as a budget: a request rate per host, robots.txt `Crawl-delay`, and a per-night
request budget per site.

Government sites throttle or ban impolite crawlers; one request a second per host is what a careful
evaluator can afford (AUDITOR_HOST_RATE, per site `rate:` in the registry). The rate is enforced by
Scrapy's download slots (one slot per host name, its delay never below the host's interval) and, in
distributed mode, by a token bucket in redis shared by every crawler process. A site's budget
(AUDITOR_SITE_BUDGET, per site `budget:`) caps the requests of one night; what is left over is
carried to the next night: its columns are recorded `partial` ("预算用尽"), never complete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from scrapy.exceptions import IgnoreRequest

BUDGET_REASON = "预算用尽"
MIN_INTERVAL = 0.01  # seconds; rates above 100 requests/s per host mean "no spacing" (loopback samples only)

# Atomic reservation of the next free send time of a host, shared by all processes (seconds, float).
_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nxt)
redis.call('SET', KEYS[1], tostring(at + tonumber(ARGV[1])), 'EX', 3600)
return tostring(at - now)
"""


class BudgetExhausted(IgnoreRequest):
    """The site's request budget for this night is spent: the request is carried to the next night."""


@dataclass
class HostPolicy:
    """Intervals per host name and budgets per site, from settings (defaults and per-site overrides)."""

    default_rate: float = 1.0  # requests per second per host
    site_rates: dict[str, float] = field(default_factory=dict)  # site id -> rate
    host_sites: dict[str, str] = field(default_factory=dict)  # host name -> site id
    default_budget: int = 0  # requests per site per night; 0 = no cap
    site_budgets: dict[str, int] = field(default_factory=dict)
    crawl_delays: dict[str, float] = field(default_factory=dict)  # host name -> robots.txt Crawl-delay

    @classmethod
    def from_settings(cls, settings) -> HostPolicy:
        sites = json.loads(settings.get("AUDITOR_SITE_POLICY") or "{}")  # {site: {rate, budget, hosts}}
        host_sites = {h: sid for sid, spec in sites.items() for h in spec.get("hosts", [])}
        return cls(default_rate=settings.getfloat("AUDITOR_HOST_RATE", 1.0),
                   site_rates={s: float(v["rate"]) for s, v in sites.items() if v.get("rate")},
                   host_sites=host_sites,
                   default_budget=settings.getint("AUDITOR_SITE_BUDGET", 0),
                   site_budgets={s: int(v["budget"]) for s, v in sites.items() if v.get("budget")})

    def add_sites(self, sites) -> None:
        """The registry's per-site `rate:` / `budget:` (settings given per site win) and each site's hosts."""
        from auditor.harvest.scope import host_of

        for site in sites:
            for url in (site.base_url, site.home_url):
                host = host_of(url).split(":")[0] if url else ""
                if host:
                    self.host_sites.setdefault(host, site.id)
            for host in getattr(site, "hosts", None) or []:
                self.host_sites.setdefault(host.strip().lower().split(":")[0], site.id)
            if getattr(site, "rate", None) and site.id not in self.site_rates:
                self.site_rates[site.id] = float(site.rate)
            if getattr(site, "budget", None) and site.id not in self.site_budgets:
                self.site_budgets[site.id] = int(site.budget)

    def rate(self, host: str, site_id: str | None = None) -> float:
        site = site_id or self.host_sites.get(host)
        return self.site_rates.get(site or "", self.default_rate)

    def interval(self, host: str, site_id: str | None = None) -> float:
        """Seconds between two requests to `host`: 1/rate, or robots.txt Crawl-delay when longer."""
        rate = self.rate(host, site_id)
        base = 1.0 / rate if rate > 0 else 0.0
        if base < MIN_INTERVAL:  # a loopback test portal: no spacing (a slot delay serialises its downloads)
            base = 0.0
        return max(base, self.crawl_delays.get(host, 0.0))

    def budget(self, site_id: str | None) -> int:
        if not site_id:
            return 0
        return self.site_budgets.get(site_id, self.default_budget)


def reserve_slot(client, host: str, interval: float, prefix: str = "auditor:rate") -> float:
    """Seconds to wait before sending to `host`, with the send time reserved in redis for every process."""
    if interval <= 0:
        return 0.0
    return float(client.eval(_RESERVE_LUA, 1, f"{prefix}:{host}", str(interval)))

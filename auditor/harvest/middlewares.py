"""Downloader middlewares and extensions: retries with exponential backoff (and Retry-After), an
AutoThrottle that treats 304 answers as healthy, and per-host politeness (rate, Crawl-delay, budget)."""

from __future__ import annotations

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.task import deferLater

SLOT_FLOORS: dict[str, float] = {}  # download slot (host name) -> politeness interval, seconds


def backoff_delay(retry_times: int, base: float, cap: float, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number `retry_times` (1, 2, …): base·2^(n-1), or Retry-After, capped."""
    delay = base * (2 ** max(retry_times - 1, 0))
    if retry_after:
        try:
            delay = max(delay, float(retry_after.strip()))
        except ValueError:
            pass  # an HTTP date: keep the exponential delay
    return min(delay, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting RETRY_BACKOFF_BASE·2^(n-1) s (≤ RETRY_BACKOFF_MAX) before retry n.

    The wait does not hold a download slot: other requests go on meanwhile.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def _wait(self, result, retry_after: str | None = None):
        if isinstance(result, Request) and self.base > 0:
            delay = backoff_delay(result.meta.get("retry_times", 1), self.base, self.cap, retry_after)
            self.crawler.stats.inc_value("retry/backoff_seconds", delay)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return result

    async def process_response(self, request: Request, response: Response, spider=None):
        result = super().process_response(request, response)
        retry_after = (response.headers.get(b"Retry-After") or b"").decode("latin-1") or None
        return await self._wait(result, retry_after)

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        return await self._wait(super().process_exception(request, exception))


class ConditionalAutoThrottle(AutoThrottle):
    """AutoThrottle that counts a 304 as a normal answer.

    Scrapy's AutoThrottle only lets non-200 answers raise the delay, never lower it (error pages are
    small and fast). In an incremental crawl almost every answer is a 304, so the delay would only
    ratchet up on every latency spike; a 304 is a complete, healthy answer and adjusts both ways.
    """

    def _adjust_delay(self, slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)

    def _response_downloaded(self, response: Response, request: Request, spider=None) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if slot is not None and key in SLOT_FLOORS:  # AutoThrottle may slow down, never go faster than polite
            slot.delay = max(slot.delay, SLOT_FLOORS[key])


class PolitenessMiddleware:
    """Per-host rate (download-slot delay floor; a redis token bucket across processes), robots.txt
    Crawl-delay, and the per-night request budget of each site (see harvest/politeness.py)."""

    def __init__(self, crawler) -> None:
        from auditor.harvest.politeness import HostPolicy

        self.crawler = crawler
        self.policy = HostPolicy.from_settings(crawler.settings)
        self.user_agent = crawler.settings.get("USER_AGENT") or "*"
        self.spent: dict[str, int] = {}
        self.sites_known = False
        self.redis = None
        self.prefix = f"auditor:{crawler.settings.getint('AUDITOR_CRAWL_RUN', 0)}"
        if crawler.settings.get("AUDITOR_DISTRIBUTED"):
            import redis

            self.redis = redis.Redis.from_url(crawler.settings.get("AUDITOR_DISTRIBUTED"))
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _robots_parsed(self, robotparser, request, **kwargs) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except (AttributeError, NotImplementedError, TypeError, ValueError):  # a parser without Crawl-delay support
            delay = None
        if delay:
            host = urlparse_cached(request).hostname or ""
            self.policy.crawl_delays[host] = float(delay)
            self.crawler.stats.set_value(f"politeness/crawl_delay/{host}", float(delay))

    def _over_budget(self, site_id: str) -> bool:
        budget = self.policy.budget(site_id)
        if budget <= 0:
            return False
        if self.redis is not None:
            spent = int(self.redis.incr(f"{self.prefix}:budget:{site_id}"))
            self.redis.expire(f"{self.prefix}:budget:{site_id}", 7 * 86400)
        else:
            spent = self.spent[site_id] = self.spent.get(site_id, 0) + 1
        return spent > budget

    async def process_request(self, request: Request, spider=None):
        from auditor.harvest.politeness import BudgetExhausted

        if not self.sites_known:  # the spider has read the registry's sites from the store by now
            sites = getattr(self.crawler.spider, "sites", None)
            if sites is not None:
                self.policy.add_sites(sites)
                self.sites_known = True
        site_id = request.meta.get("site_id")
        counted = site_id and not request.url.endswith("/robots.txt") and request.meta.get("kind") != "home"
        if counted and self._over_budget(site_id):
            self.crawler.stats.inc_value(f"budget/exhausted/{site_id}")
            raise BudgetExhausted(f"{site_id}: request budget of this night spent ({self.policy.budget(site_id)})")
        host = urlparse_cached(request).hostname or ""
        interval = self.policy.interval(host, site_id)
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if interval <= 0 and key not in SLOT_FLOORS:
            return None  # no spacing asked for this host (a loopback sample): Scrapy's own slot settings
        downloader.per_slot_settings.setdefault(key, {"delay": interval, "jitter": 0})
        slot = downloader.slots.get(key)
        SLOT_FLOORS[key] = max(interval, SLOT_FLOORS.get(key, 0.0)) if key in SLOT_FLOORS else interval
        if slot is not None:
            if slot.delay < interval:
                slot.delay = interval
                slot.jitter = 0
        if self.redis is not None and interval > 0:
            from auditor.harvest.politeness import reserve_slot

            wait = reserve_slot(self.redis, host, interval)
            if wait > 0:
                self.crawler.stats.inc_value("politeness/shared_wait_seconds", wait)
                await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return None

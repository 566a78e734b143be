"""Downloader middlewares and extensions: retries with exponential backoff (and Retry-After), and an
AutoThrottle that treats 304 answers as healthy."""

from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


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

    def __init__(self, settings) -> None:  # noqa: ANN001
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def _wait(self, result, retry_after: str | None = None):  # noqa: ANN001, ANN202
        if isinstance(result, Request) and self.base > 0:
            delay = backoff_delay(result.meta.get("retry_times", 1), self.base, self.cap, retry_after)
            self.crawler.stats.inc_value("retry/backoff_seconds", delay)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return result

    async def process_response(self, request: Request, response: Response, spider=None):  # noqa: ANN001
        result = super().process_response(request, response)
        retry_after = (response.headers.get(b"Retry-After") or b"").decode("latin-1") or None
        return await self._wait(result, retry_after)

    async def process_exception(self, request: Request, exception: Exception, spider=None):  # noqa: ANN001
        return await self._wait(super().process_exception(request, exception))


class ConditionalAutoThrottle(AutoThrottle):
    """AutoThrottle that counts a 304 as a normal answer.

    Scrapy's AutoThrottle only lets non-200 answers raise the delay, never lower it (error pages are
    small and fast). In an incremental crawl almost every answer is a 304, so the delay would only
    ratchet up on every latency spike; a 304 is a complete, healthy answer and adjusts both ways.
    """

    def _adjust_delay(self, slot, latency: float, response: Response) -> None:  # noqa: ANN001
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)

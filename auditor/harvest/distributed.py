"""Distributed mode (AUDITOR_DISTRIBUTED=redis://…): several crawler processes share one crawl run.

Detail pages and attachments go through a redis queue and a redis dupefilter (scrapy-redis), so each
is fetched by exactly one process. List pages and home probes stay in the process that claimed their
column or site (the spider claims them in redis), because a column's health is summed over its list
pages in that process's memory.
"""

from __future__ import annotations

import heapq
import itertools

from scrapy_redis.scheduler import Scheduler as RedisScheduler


def distributed_settings(redis_url: str, run_id: int) -> dict:
    """Scrapy settings for one process of a distributed crawl run (keys are per crawl run)."""
    prefix = f"auditor:{run_id}"
    return {
        "SCHEDULER": "auditor.harvest.distributed.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_PERSIST": True,  # one process finishing must not wipe the queue of the others
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": redis_url,
    }


class Scheduler(RedisScheduler):
    """scrapy-redis scheduler with a local lane: requests with meta["local"] never leave the process."""

    def open(self, spider):
        self._local: list = []
        self._seq = itertools.count()
        return super().open(spider)

    def __len__(self) -> int:
        return len(self._local) + len(self.queue)

    def enqueue_request(self, request):
        if request.meta.get("local"):
            heapq.heappush(self._local, (-request.priority, next(self._seq), request))
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/local")
            return True
        return super().enqueue_request(request)

    def next_request(self):
        if self._local:
            return heapq.heappop(self._local)[2]
        return super().next_request()

    def has_pending_requests(self) -> bool:
        return bool(self._local) or len(self.queue) > 0

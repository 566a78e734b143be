"""Per-host politeness as a budget (issue 17): rate per host with per-site overrides from the registry,
robots.txt Crawl-delay, a redis token bucket shared by crawler processes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from auditor.catalog.loader import load_catalog
from auditor.harvest.politeness import HostPolicy, reserve_slot
from auditor.sample.render.common import EPOCH, Page
from auditor.sample.server import SamplePortal
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import CrawlRun, Site
from factories.crawl import crawl_plan, crawl_registry


def _site(id, url, rate=None, budget=None, hosts=()):
    return SimpleNamespace(id=id, base_url=url, home_url=url, rate=rate, budget=budget, hosts=list(hosts))


@pytest.mark.parametrize("host, crawl_delay, interval", [
    ("www.a.gov.cn", None, 1.0),  # the default: 1 request/s per host
    ("old.a.gov.cn", None, 1.0),  # a host the site owns
    ("www.b.gov.cn", None, 0.25),  # site b allows 4 requests/s
    ("www.b.gov.cn", 3.0, 3.0),  # robots.txt Crawl-delay wins when longer
    ("www.c.gov.cn", None, 1.0),  # an unknown host: the default
])
def test_host_interval(host, crawl_delay, interval):
    policy = HostPolicy(default_rate=1.0)
    policy.add_sites([_site("a", "https://www.a.gov.cn/", hosts=["old.a.gov.cn"]),
                      _site("b", "https://www.b.gov.cn/", rate=4.0, budget=500)])
    if crawl_delay:
        policy.crawl_delays[host] = crawl_delay
    assert policy.interval(host) == pytest.approx(interval)
    assert policy.budget("b") == 500 and policy.budget("a") == 0


def test_registry_rate_and_budget_reach_the_store_and_crawl_delay_is_read(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        site = portal.sites["mz"]
        robots = Page(200, "text/plain", b"User-agent: *\nCrawl-delay: 0.02\n", EPOCH)
        original = site.resolve
        site.resolve = lambda target, method="GET", form=None: (
            robots if target.split("?", 1)[0] == "/robots.txt" else original(target, method, form))
        data = crawl_registry(portal, plan)
        data["sites"][0].update(rate=500, budget=10000)
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "p.db"))
        factory = open_db(url)
        run_id = crawl(factory, url, load_registry_for(path, load_catalog()), str(path))
    with factory() as s:
        mz = s.get(Site, "mz")
        assert (mz.rate, mz.budget) == (500, 10000)
        stats = s.get(CrawlRun, run_id).stats
        assert stats["politeness/crawl_delay/127.0.0.1"] == pytest.approx(0.02)
        assert not any(k.startswith("budget/exhausted") for k in stats)


@pytest.fixture
def redis_client(redis_url):
    import redis

    return redis.Redis.from_url(redis_url)


def test_shared_bucket_spaces_requests_of_all_processes(redis_client):
    """Each reservation (from whichever process) takes the next free send time of the host."""
    waits = [reserve_slot(redis_client, "www.a.gov.cn", 10.0) for _ in range(3)]
    other = reserve_slot(redis_client, "www.b.gov.cn", 10.0)
    assert waits[0] == pytest.approx(0.0, abs=1.0)
    assert waits[1] == pytest.approx(10.0, abs=1.0) and waits[2] == pytest.approx(20.0, abs=1.0)
    assert other == pytest.approx(0.0, abs=1.0)  # hosts do not wait for each other

"""Discovery spider: walks a portal's navigation for `auditor discover` (logic in auditor.discover.spider)."""

from auditor.discover.spider import DiscoverSpider


class PortalDiscoverySpider(DiscoverSpider):
    name = "discover"

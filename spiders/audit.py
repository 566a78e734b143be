"""Everything in one crawl: websites, platforms and feeds (what `auditor crawl` runs)."""

from auditor.harvest.crawler import RegistrySpider


class AuditSpider(RegistrySpider):
    name = "audit"
    handles_codes = ("WEBSITE", "PLATFORM", "NEWMEDIA")

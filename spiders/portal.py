"""Registry-driven portal spider: every website column of every unit, plus site probes."""

from auditor.harvest.crawler import RegistrySpider


class PortalSpider(RegistrySpider):
    name = "portal"
    handles_codes = ("WEBSITE", "PLATFORM")

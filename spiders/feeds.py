"""Feed spider for 政务新媒体 exports (RSS / Atom / JSON)."""

from auditor.harvest.crawler import RegistrySpider


class FeedSpider(RegistrySpider):
    name = "feeds"
    handles_codes = ("NEWMEDIA",)

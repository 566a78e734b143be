"""Scrapy log formatter of the crawls (LOG_FORMATTER). A module of its own: Scrapy loads it before the
reactor is installed, so it must not import one (middlewares.py does)."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


class QuietLogFormatter(LogFormatter):
    """No "Scraped from" record per item unless the log level shows it: a crawl yields several items per
    page, and Scrapy builds each DEBUG record (item included) before the handler drops it."""

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler):
        level = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        return cls(debug=isinstance(number, int) and number <= logging.DEBUG)

    def scraped(self, item, response, spider):
        return super().scraped(item, response, spider) if self.debug else None

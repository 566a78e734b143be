"""Concrete Scrapy spiders (thin; the logic lives in auditor.harvest)."""

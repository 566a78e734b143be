"""`auditor discover`: from a portal's address to a draft units registry (issue 16).

fetch (Scrapy, child process) → pages.jsonl → analyse (pure: pages → site structure) →
draft (units, columns with kind/domain/platform, evidence, unplaced) → YAML + evidence report;
`--check` re-reads one list page per proposed column.
"""

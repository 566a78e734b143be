"""What the discovery crawl keeps of each page: one JSON line per fetched page (the crawl's only output).

The analysis works on these records alone, so it runs on saved pages (tests, replays) exactly as on a
live crawl, and the crawl can stay a dumb, polite fetcher.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class PageRecord:
    """One fetched URL: the answer (or the failure) and how the crawl reached it."""

    url: str
    status: int | None  # None: no answer (connection refused, timeout, DNS)
    text: str = ""
    content_type: str = ""
    error: str | None = None
    depth: int = 0
    referrer: str | None = None
    anchor: str = ""  # text of the link that led here
    role: str = "nav"  # nav | detail (one item page sampled per list, for its 发布机构)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.text)


def write_record(fh, record: PageRecord) -> None:
    fh.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    fh.flush()


def read_records(path: Path) -> list[PageRecord]:
    """Every record of a pages file; a half-written last line (a killed crawl) is ignored."""
    out: list[PageRecord] = []
    path = Path(path)
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(PageRecord(**json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return out


def count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return 0


@dataclass
class CrawlOutcome:
    """What the crawl child reported: its page records and Scrapy stats."""

    records: list[PageRecord]
    stats: dict = field(default_factory=dict)

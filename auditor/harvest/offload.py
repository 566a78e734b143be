"""Detail-page extraction, inline or in worker processes (AUDITOR_EXTRACT_WORKERS).

Extraction (lxml parse, label scan, dates) is the crawler's main CPU cost; run in a process pool it
leaves the reactor free to download and store while another core extracts. The worker returns the
`DetailItem` itself, typed values and all (dataclasses pickle as they are): nothing is serialised to
text on the way and parsed back.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from auditor.harvest.extract.fields import extract_detail
from auditor.harvest.items import DetailItem


def extract_item(body: bytes, declared: str | None, *, url: str, final_url: str, site_id: str | None,
                 http_status: int, etag: str | None = None, last_modified: str | None = None) -> DetailItem:
    """The detail item of a fetched page (`final_url` is the address links and URL dates resolve against)."""
    extract = extract_detail(body, final_url, declared)
    return DetailItem.from_extract(extract, url=url, final_url=final_url, site_id=site_id,
                                   http_status=http_status, etag=etag, last_modified=last_modified)


def _warm() -> None:  # import the extractors once per worker, before the first page arrives
    return None


def make_pool(workers: int) -> ProcessPoolExecutor | None:
    if workers <= 0:
        return None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):
        pool.submit(_warm)
    return pool

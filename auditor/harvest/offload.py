"""Detail-page extraction, inline or in worker processes (AUDITOR_EXTRACT_WORKERS).

Extraction (lxml parse, label scan, dates) is the crawler's main CPU cost; run in a process pool it
leaves the reactor free to download and store while another core extracts.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from auditor.harvest.extract.fields import extract_detail


def extract_payload(body: bytes, url: str, declared: str | None) -> dict[str, Any]:
    """What the spider needs of a detail page, as plain (picklable) data."""
    extract = extract_detail(body, url, declared)
    text = getattr(extract, "body_text", None)
    return {"data": extract.to_json(), "body_hash": getattr(extract, "body_hash", None),
            "excerpt": ((text.value if text is not None else "") or "")[:500]}


def _warm() -> None:  # import the extractors once per worker, before the first page arrives
    return None


def make_pool(workers: int) -> ProcessPoolExecutor | None:
    if workers <= 0:
        return None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):
        pool.submit(_warm)
    return pool

"""File-level entry point behind ``auditor extract FILE --url URL``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ExtractionError
from .fields import extract_detail

__all__ = ["extract_file"]


def extract_file(path: Path, url: str, declared_encoding: str | None = None) -> dict[str, Any]:
    """Read a saved page, decode and extract it; returns :meth:`DetailExtract.to_json`.

    The bytes are decoded here (not by the caller) so a page saved with its
    original GBK bytes is handled exactly as a fetched one would be.
    """
    path = Path(path)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(
            f"cannot read page file: {exc.strerror or exc}", where=str(path), hint="check the path"
        ) from exc
    try:
        return extract_detail(body, url, declared_encoding).to_json()
    except ExtractionError as exc:
        exc.where = exc.where or str(path)
        raise

"""Canonical URLs: the identity of a published item across crawls and columns."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING = {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "from", "spm"}


@lru_cache(maxsize=1 << 16)
def canonical_url(url: str) -> str:
    """Lower-case scheme/host, drop default ports, fragments and tracking parameters, sort the query.

    Remembered (a pure function of the string): a crawl asks for the same URL's key several times
    (listing, detail, its store row, its evidence)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in TRACKING))
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))

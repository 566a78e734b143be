"""Turn the raw bytes of a page into text.

Chinese government sites are old and inconsistent about encodings: GBK pages
labelled ``iso-8859-1`` or ``utf-8``, UTF-8 pages still declaring ``gb2312``
after a CMS upgrade, and GB2312 labels on text that uses characters only GBK or
GB18030 have (人名 like 镕 or 玥).  So a declaration is treated as a hint, checked
against the bytes, and decoding never raises: the last resort is
``errors="replace"`` with whichever candidate loses the fewest characters.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "normalise_encoding_name"]

# How far into the document to look for <meta charset>: the HTML spec says
# 1024 bytes, but CMS templates put comments and scripts first, so look further.
_META_SCAN_BYTES = 16384

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""",
    re.IGNORECASE,
)
_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)

# GB2312 and GBK are subsets of GB18030: decoding as the superset never loses a
# character that the narrower codec would have decoded.
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb-2312": "gb18030",
    "csgb2312": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "x-euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "gb18030": "gb18030",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
}

# Labels that on a Chinese page with non-ASCII bytes are almost always wrong:
# a template default left in place while the content is GBK or UTF-8.
_WESTERN_SINGLE_BYTE = {
    "ascii",
    "us-ascii",
    "latin-1",
    "latin1",
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "windows-1252",
    "cp1252",
    "cp819",
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalise_encoding_name(name: str | None) -> str | None:
    """Map a declared charset (or a whole Content-Type value) to a Python codec name.

    Returns None for unknown or empty names so callers can fall through to the
    next source of evidence instead of failing on a typo in a template.
    """
    if not name:
        return None
    text = name.strip()
    match = _HEADER_CHARSET_RE.search(text)
    if match:
        text = match.group(1)
    key = text.strip().strip("\"'").lower()
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        canonical = codecs.lookup(key).name
    except LookupError:
        return None
    return _ALIASES.get(canonical, canonical)


def _meta_charset(body: bytes) -> str | None:
    """The charset named by the first <meta charset> / http-equiv in the document head."""
    match = _META_CHARSET_RE.search(body[:_META_SCAN_BYTES])
    if not match:
        return None
    return normalise_encoding_name(match.group(1).decode("ascii", "ignore"))


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x2FA1F
    )


def _quality(text: str) -> float:
    """Score a decoding: share of non-ASCII characters that are CJK, minus replacements.

    Decoding Chinese bytes with a single-byte or wrong multi-byte codec yields
    Latin-1 symbols, box drawing, Hangul or replacement characters; a right
    decoding of a Chinese page is overwhelmingly Han characters and CJK
    punctuation.  (UTF-8 read as GBK also gives Han characters, which is why
    UTF-8 validity is checked separately and first.)
    """
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return 1.0
    replacements = sum(1 for ch in non_ascii if ch == "\ufffd")
    cjk = sum(1 for ch in non_ascii if _is_cjk(ch))
    return (cjk - 5 * replacements) / len(non_ascii)


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode an HTML response body; returns (text, name of the encoding used).

    Order of evidence: byte-order mark, the HTTP-declared charset, the document's
    own <meta> declaration, then detection.  A declaration is only believed when
    the bytes decode under it and the result looks like Chinese text: valid
    multi-byte UTF-8 wins over a ``gb2312`` label (the page was converted but the
    template was not), and GB18030 wins over a ``utf-8`` label when the bytes are
    not UTF-8.  Never raises on bad bytes.
    """
    if not body:
        return "", normalise_encoding_name(declared) or "utf-8"

    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace"), encoding

    declared_norm = normalise_encoding_name(declared)
    meta_norm = _meta_charset(body)
    hints = [enc for enc in (declared_norm, meta_norm) if enc]

    if body.isascii():
        # Any ASCII-compatible codec gives the same text; report the declaration.
        return body.decode("ascii"), (hints[0] if hints else "utf-8")

    wide = any(h.startswith(("utf-16", "utf-32")) for h in hints)
    text = None if wide else _as_utf8(body)
    if text is not None:
        return text, "utf-8"

    declared_multibyte = [h for h in hints if h not in _WESTERN_SINGLE_BYTE and h != "utf-8"]
    candidates: list[str] = list(dict.fromkeys(declared_multibyte))
    # Mainland government sites: GB18030 is the only undeclared fallback worth
    # trying; Big5 decodes most GB2312 byte pairs "successfully" into nonsense.
    if "gb18030" not in candidates:
        candidates.append("gb18030")
    found = _plausible_strict(body, candidates, declared_multibyte)
    if found is not None:
        return found
    return _least_lossy(body, candidates, hints)


def _as_utf8(body: bytes) -> str | None:
    """The body as UTF-8 when it is UTF-8 (or is but for a byte or two, as in a body truncated mid-character).

    Multi-byte UTF-8 is self-validating: GBK text essentially never forms valid UTF-8 sequences, so UTF-8
    that decodes beats any label."""
    text = _strict(body, "utf-8")
    if text is not None:
        return text
    lenient = body.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if ord(ch) > 127) - bad
    if good >= 20 and bad <= max(2, good // 200):
        return lenient
    return None


def _plausible_strict(body: bytes, candidates: list[str], declared_multibyte: list[str]) -> tuple[str, str] | None:
    """The first declared codec that decodes to mostly-CJK text, else the best strict decode that is plausible.

    A wrong multi-byte codec can still decode without error, so the output must be mostly CJK."""
    strict_results: list[tuple[float, int, str, str]] = []
    for rank, encoding in enumerate(candidates):
        text = _strict(body, encoding)
        if text is None:
            continue
        score = _quality(text)
        if encoding in declared_multibyte and score >= 0.5:
            return text, encoding
        strict_results.append((score, -rank, text, encoding))
    if strict_results:
        score, _, text, encoding = max(strict_results)
        if score >= 0.3:
            return text, encoding
    return None


def _least_lossy(body: bytes, candidates: list[str], hints: list[str]) -> tuple[str, str]:
    """Nothing decodes cleanly: the candidate (UTF-8, the candidates, then the hints) that loses the least."""
    pool = ["utf-8", *candidates]
    for hint in hints:
        if hint not in pool:
            pool.append(hint)
    best: tuple[float, int, str, str] | None = None
    for rank, encoding in enumerate(pool):
        try:
            text = body.decode(encoding, errors="replace")
        except LookupError:
            continue
        score = _quality(text)
        if best is None or (score, -rank) > best[:2]:
            best = (score, -rank, text, encoding)
    if best is None:  # pragma: no cover - utf-8 always exists
        return body.decode("utf-8", errors="replace"), "utf-8"
    return best[2], best[3]

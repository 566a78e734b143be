"""Document numbers (发文字号) such as ``国办发〔2024〕12号``.

When no ``文号`` label exists, an official document still prints its number on
a line of its own just above the title in the body.  Numbers cited inside
sentences (``根据《…》（豫政办〔2017〕85号）``) belong to other documents, so only
a number standing alone near the top of the body counts.
"""

from __future__ import annotations

import re

__all__ = ["DOC_NO_RE", "standalone_doc_no", "doc_no_in_title", "normalise_doc_no"]

_OPEN = "〔［\\[(（【﹝"
_CLOSE = "〕］\\])）】﹞"
DOC_NO_RE = re.compile(
    rf"[\u4e00-\u9fffA-Za-z]{{1,20}}[{_OPEN}]\s*(?:19|20)\d{{2}}\s*[{_CLOSE}]\s*第?\s*\d{{1,5}}\s*号"
)
# Lines at the top of a body that may carry the number (before the 主送 line).
TOP_LINES = 6


def normalise_doc_no(text: str) -> str:
    """Remove spaces the layout put inside the number; keep the brackets as printed."""
    return re.sub(r"[\s\u3000\xa0]+", "", text)


def standalone_doc_no(lines: list[str]) -> tuple[str, str] | None:
    """(number, line) when one of the first body lines is just a document number.

    A 签发人 on the same line (上行文) is allowed; prose is not.
    """
    for line in lines[:TOP_LINES]:
        compact = normalise_doc_no(line)
        match = DOC_NO_RE.search(compact)
        if not match:
            continue
        rest = (compact[: match.start()] + compact[match.end():]).strip()
        rest = re.sub(r"签发人[：:]?[\u4e00-\u9fff、，,]*", "", rest)
        if len(rest) <= 2:
            return match.group(0), line
    return None


def doc_no_in_title(title: str) -> tuple[str, str] | None:
    """A number in parentheses at the end of a title: ``关于…的通知（国办发〔2024〕1号）``."""
    match = re.search(rf"[（(]\s*({DOC_NO_RE.pattern})\s*[）)]\s*$", title)
    if match:
        return normalise_doc_no(match.group(1)), match.group(0)
    return None

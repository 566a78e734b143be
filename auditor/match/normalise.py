"""Chinese text normalisation before matching: width, punctuation, brackets, whitespace, unit prefixes."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[\s\u3000\-—_·•、，,。.；;：:！!？?“”\"'‘’《》<>〈〉()（）【】\[\]〔〕{}|/\\…~～]+")
_BRACKET_YEAR = re.compile(r"[〔\[［【(（](\d{4})[〕\]］】)）]")
_NUMBERED_COPY = re.compile(r"[（(]\d{1,2}[）)]$")


def normalise(text: str, strip_prefixes: tuple[str, ...] = ()) -> str:
    """NFKC (full→half width), 〔2024〕/[2024] → 2024, drop punctuation/whitespace and known unit prefixes."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = _NUMBERED_COPY.sub("", s.strip())
    s = _BRACKET_YEAR.sub(r"\1", s)
    s = _PUNCT.sub("", s)
    for prefix in sorted(strip_prefixes, key=len, reverse=True):
        p = normalise(prefix)
        if p and s.startswith(p):
            s = s[len(p):]
            break
    return s.lower()


_YEAR = re.compile(r"(20\d{2})年?")


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]

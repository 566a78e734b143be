"""Chinese text normalisation before matching: width, punctuation, brackets, whitespace, unit prefixes."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[\s\u3000\-—_·•、，,。.；;：:！!？?“”\"'‘’《》<>〈〉()（）【】\[\]〔〕{}|/\\…~～]+")
_BRACKET_YEAR = re.compile(r"[〔\[［【(（](\d{4})[〕\]］】)）]")
# a repeated notice numbered by its site: 通知（2）… 通知（100）; a bracketed year is not a copy number
_NUMBERED_COPY = re.compile(r"[（(](?!(?:19|20)\d{2}[）)])\d{1,4}[）)]$")


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


def canonical(text: str) -> str:
    """Abbreviations to the catalog's full form (低保 → 最低生活保障), on already normalised text."""
    from auditor.match.lexicon import ABBREVIATIONS

    for pattern, full in ABBREVIATIONS:
        if pattern.search(text):
            text = pattern.sub(full, text)
    return text


_SKELETON = re.compile(
    r"(?:19|20)\d{2}(?:[-至到](?:19|20)?\d{2,4})?(?:年度|年)?"  # years and year ranges
    r"|第?[0-9一二三四五六七八九十]{1,3}(?:季度|月份|月|日|号|期|批次|批|次|版)"  # months, issues, batches
    r"|[一二三四上下]半年|[上中下]旬"
)


def skeleton(text: str) -> str:
    """What stays of a normalised title once years, months, issue and batch numbers are dropped.

    `2024年3月城东街道低保对象公示第2批` and `2025年1月城东街道低保对象公示第1批` share one skeleton;
    numbers that name things (12348, 0-6岁) are kept.
    """
    return _SKELETON.sub("", text)


_PATTERN_WRAP = re.compile(r"^(?:关于|转发)+|(?:的)?(?:公示|公告|通知|通告|公开)$")


def title_pattern(title: str, strip_prefixes: tuple[str, ...] = ()) -> str:
    """The generalised form a confirmed title teaches: normalised, canonical, skeleton, no 关于…的公示 wrapper."""
    s = skeleton(canonical(normalise(title, strip_prefixes)))
    for prefix in strip_prefixes:
        p = canonical(normalise(prefix))
        if len(p) >= 2:
            s = s.replace(p, "")
    s = _PATTERN_WRAP.sub("", s)
    return _PATTERN_WRAP.sub("", s)

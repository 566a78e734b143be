"""Date parsing for the formats Chinese government pages actually show.

Pages write dates as ``2024-03-15``, ``2024/3/15``, ``2024年3月15日``,
``2024.03.15``, in official documents ``二〇二四年三月十五日``, and gov.cn's
``firstpublishedtime`` meta uses ``2024-03-15-17:30:00``.  Anything outside
1990..2100 is rejected: those are phone numbers, IDs or typos, not publication
dates of web pages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "DateMatch",
    "MIN_YEAR",
    "MAX_YEAR",
    "find_dates",
    "parse_date",
    "url_date",
    "url_month",
    "is_date_only",
]

MIN_YEAR = 1990
MAX_YEAR = 2100

_SEP = r"[\s\u3000]*"
# Arabic-numeral dates.  The separators must agree in kind (年/月/日 or one of
# - / .) — "2018年6-1" is not a date anybody writes.
_NUM_DATE = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20|21)\d{2})"
    r"(?:"
    rf"{_SEP}年{_SEP}(?P<m1>\d{{1,2}}){_SEP}月{_SEP}(?P<d1>\d{{1,2}}){_SEP}[日号]?"
    rf"|{_SEP}(?P<sep>[-/.]){_SEP}(?P<m2>\d{{1,2}}){_SEP}(?P=sep){_SEP}(?P<d2>\d{{1,2}})"
    r")(?!\d)"
    r"(?:[\sT\u3000\-]*(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2}))?(?!\d))?"
)

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇○零Ｏ一二三四五六七八九"
_CN_DATE = re.compile(
    rf"(?P<y>[{_CN_DIGIT_CLASS}O]{{4}}){_SEP}年{_SEP}(?P<m>[一二三四五六七八九十]{{1,3}}){_SEP}月"
    rf"{_SEP}(?P<d>[一二三四五六七八九十]{{1,3}}){_SEP}日"
)


@dataclass(frozen=True)
class DateMatch:
    """One date found in text, with the exact substring it came from."""

    value: dt.date
    raw: str
    start: int
    end: int
    has_time: bool

    @property
    def date(self) -> dt.date:
        """Alias of ``value`` (the crawler's home-page probe reads ``.date``)."""
        return self.value


def _valid(year: int, month: int, day: int) -> dt.date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _cn_small_number(text: str) -> int | None:
    """十 → 10, 十五 → 15, 二十三 → 23, 三十一 → 31, 五 → 5."""
    if not text:
        return None
    if "十" in text:
        tens_part, _, units_part = text.partition("十")
        tens = _CN_DIGITS.get(tens_part, None) if tens_part else 1
        units = _CN_DIGITS.get(units_part, None) if units_part else 0
        if tens is None or units is None:
            return None
        return tens * 10 + units
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    return None


def find_dates(text: str) -> list[DateMatch]:
    """All plausible dates in ``text``, in order of appearance."""
    found: list[DateMatch] = []
    if not text:
        return found
    for match in _NUM_DATE.finditer(text):
        month = match.group("m1") or match.group("m2")
        day = match.group("d1") or match.group("d2")
        value = _valid(int(match.group("y")), int(month), int(day))
        if value is None:
            continue
        has_time = bool(match.group("H")) and int(match.group("H")) < 24 and int(match.group("M")) < 60
        found.append(DateMatch(value, match.group(0).strip(), match.start(), match.end(), has_time))
    for match in _CN_DATE.finditer(text):
        year_digits = [_CN_DIGITS.get(ch) for ch in match.group("y")]
        if any(d is None for d in year_digits):
            continue
        year = int("".join(str(d) for d in year_digits))
        month = _cn_small_number(match.group("m"))
        day = _cn_small_number(match.group("d"))
        if month is None or day is None:
            continue
        value = _valid(year, month, day)
        if value is None:
            continue
        found.append(DateMatch(value, match.group(0), match.start(), match.end(), False))
    found.sort(key=lambda m: m.start)
    return found


def parse_date(text: str | None) -> dt.date | None:
    """The first plausible date in ``text``, or None."""
    if not text:
        return None
    dates = find_dates(text)
    return dates[0].value if dates else None


def is_date_only(text: str) -> bool:
    """True when ``text`` is nothing but one date (a signature line, a bare cell)."""
    stripped = text.strip(" \t\r\n\u3000\xa0")
    dates = find_dates(stripped)
    return len(dates) == 1 and dates[0].start == 0 and len(stripped) - dates[0].end <= 1


# URL date layouts, most specific first.  TRS: /202403/t20240315_123.html;
# Hanweb: /art/2024/3/15/art_1_2.html; EmpireCMS and friends: /2024-03-15/;
# Xinhua-style: /2024-03/15/; plain /2024/03/15/ or /20240315/.
_URL_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/t(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})_\d+"),
    re.compile(r"/art/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{2})/(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"[/_](?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?:[_\-.]|\d{2,}\.s?html?)"),
)
_URL_MONTH = re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])/")


def url_date(url: str | None) -> tuple[dt.date, str] | None:
    """A full date encoded in the URL path, with the matching substring.

    Only a last resort: a URL date is when the CMS wrote the file, which after a
    site migration can be years after publication.
    """
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.IGNORECASE)
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(path):
            value = _valid(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            if value is not None:
                return value, match.group(0)
    return None


def url_month(url: str | None) -> tuple[int, int] | None:
    """(year, month) from a TRS-style ``/202403/`` folder, when the URL has one.

    Not a date on its own; used to choose between several dates in page text.
    """
    if not url:
        return None
    match = _URL_MONTH.search(url)
    if not match:
        return None
    year, month = int(match.group("y")), int(match.group("m"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return year, month

"""Chinese working-day arithmetic for 公开时限 ("20个工作日内").

Working days are not Monday–Friday: 国务院办公厅 publishes the holiday blocks and the 调休 make-up
Saturdays/Sundays each year. The `chinese_calendar` package carries the notices for 2004–2026;
catalogs/holidays.yaml lets a later year's notice be added as data (and wins over the package for
any year it lists). Days beyond every source are treated as weekends-only, and every result that
relied on that says so (`fallback_used`) so a report never states a guessed deadline as fact.
"""

from __future__ import annotations

import calendar as _pycal
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml

from auditor.catalog.paths import data_file
from auditor.errors import CatalogError

_PKG_YEARS = range(
    min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1
)


@dataclass(frozen=True)
class YearNotice:
    """One year's official 节假日安排: days off and 调休 working days."""

    year: int
    notice: str
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


def _as_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogError(f"not a date: {value!r}", where=where, hint="write YYYY-MM-DD") from exc


def load_holidays(path: Path) -> dict[int, YearNotice]:
    """Read holidays.yaml. Years without a `notice` are templates and are ignored."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"YAML error: {exc}", where=str(path)) from exc
    out: dict[int, YearNotice] = {}
    for year, spec in (data.get("years") or {}).items():
        spec = spec or {}
        where = f"{path}:years.{year}"
        hol = {_as_date(v, where + ".holidays") for v in spec.get("holidays") or []}
        wrk = {_as_date(v, where + ".workdays") for v in spec.get("workdays") or []}
        if not spec.get("notice"):
            if hol or wrk:
                raise CatalogError("dates listed without the notice they come from", where=where,
                                   hint="fill `notice` with the 国办 notice title and number")
            continue
        if bad := sorted(d for d in hol | wrk if d.year != int(year)):
            raise CatalogError(f"dates outside {year}: {bad}", where=where)
        if hol & wrk:
            raise CatalogError(f"dates both holiday and workday: {sorted(hol & wrk)}", where=where)
        out[int(year)] = YearNotice(int(year), str(spec["notice"]), frozenset(hol), frozenset(wrk))
    return out


class WorkingCalendar:
    """Is a day a working day in mainland China, and date arithmetic in working days.

    Answers are remembered per calendar: a province audit asks the same few hundred days tens of thousands
    of times (each deadline steps through the working days after a 成文日期), and chinese_calendar
    validates every date it is asked about. The notices never change after loading, so the answers cannot
    go stale."""

    def __init__(self, holidays_path: Path | None = None) -> None:
        self.holidays_path = holidays_path or data_file("holidays.yaml")
        self.notices = load_holidays(self.holidays_path)
        self._working: dict[date, bool] = {}
        self._added: dict[tuple[date, int], tuple[date, bool]] = {}

    def covers(self, d: date) -> bool:
        """True when an official notice (file or package) is known for d's year."""
        return d.year in self.notices or d.year in _PKG_YEARS

    def is_working_day(self, d: date) -> bool:
        """Official answer where known; weekends-only outside coverage (see `covers`)."""
        hit = self._working.get(d)
        if hit is None:
            hit = self._working[d] = self._is_working_day(d)
        return hit

    def _is_working_day(self, d: date) -> bool:
        notice = self.notices.get(d.year)
        if notice is not None:
            if d in notice.workdays:
                return True
            return d.weekday() < 5 and d not in notice.holidays
        if d.year in _PKG_YEARS:
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after start (start itself not counted; n<0 counts backwards).

        Returns (date, fallback_used): fallback_used is True if any day stepped over lies beyond
        every holiday source and was judged by weekday alone.
        """
        hit = self._added.get((start, n))
        if hit is None:
            hit = self._added[(start, n)] = self._add_working_days(start, n)
        return hit

    def _add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        step = 1 if n >= 0 else -1
        d, left, fallback = start, abs(n), False
        while left:
            d += timedelta(days=step)
            fallback = fallback or not self.covers(d)
            if self.is_working_day(d):
                left -= 1
        return d, fallback

    def next_working_day(self, d: date) -> tuple[date, bool]:
        """d itself if it is a working day, else the first working day after it."""
        fallback = not self.covers(d)
        while not self.is_working_day(d):
            d += timedelta(days=1)
            fallback = fallback or not self.covers(d)
        return d, fallback

    def add_calendar_days(self, start: date, n: int, *, roll_forward: bool = False) -> tuple[date, bool]:
        """start + n days. With roll_forward a last day that is a holiday moves to the next
        working day (民法典 第二百零三条: 期间的最后一日是法定休假日的, 以休假日结束的次日为最后一日)."""
        d = start + timedelta(days=n)
        return self.next_working_day(d) if roll_forward else (d, False)

    def add_months(self, start: date, n: int, *, roll_forward: bool = False) -> tuple[date, bool]:
        """Same day n months later (clamped to month end), optionally rolled to a working day."""
        month0 = start.month - 1 + n
        year, month = start.year + month0 // 12, month0 % 12 + 1
        d = date(year, month, min(start.day, _pycal.monthrange(year, month)[1]))
        return self.next_working_day(d) if roll_forward else (d, False)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after a up to and including b; negative when b < a."""
        if b < a:
            return -self.working_days_between(b, a)
        count, d = 0, a
        while d < b:
            d += timedelta(days=1)
            count += self.is_working_day(d)
        return count


@lru_cache(maxsize=4)
def _cached(path: Path) -> WorkingCalendar:
    return WorkingCalendar(path)


def default_calendar() -> WorkingCalendar:
    """The calendar built from the active catalogs/holidays.yaml (cached per file path)."""
    return _cached(data_file("holidays.yaml"))

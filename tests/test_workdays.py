"""Working-day calendar: official 调休 days, holiday blocks, the data-file override and the fallback."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from auditor.catalog.workdays import WorkingCalendar, default_calendar
from auditor.errors import CatalogError


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# day → working? (春节 2026: Feb 15–23 off, Feb 14 and Feb 28 worked; 国庆 2025: Oct 1–8 off, Sep 28 and
# Oct 11 worked; 国庆 2026: Oct 1–7 off, Sep 20 and Oct 10 worked)
DAYS = [
    (date(2026, 2, 13), True), (date(2026, 2, 14), True), (date(2026, 2, 15), False),
    (date(2026, 2, 16), False), (date(2026, 2, 20), False), (date(2026, 2, 23), False),
    (date(2026, 2, 24), True), (date(2026, 2, 28), True), (date(2026, 3, 1), False),
    (date(2025, 9, 27), False), (date(2025, 9, 28), True), (date(2025, 10, 1), False),
    (date(2025, 10, 6), False), (date(2025, 10, 8), False), (date(2025, 10, 9), True),
    (date(2025, 10, 11), True), (date(2025, 10, 12), False),
    (date(2026, 9, 20), True), (date(2026, 9, 25), False), (date(2026, 10, 1), False),
    (date(2026, 10, 7), False), (date(2026, 10, 8), True), (date(2026, 10, 10), True),
    (date(2026, 10, 11), False),
]


@pytest.mark.parametrize("day,working", DAYS)
def test_is_working_day(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working
    assert chinese_calendar.is_workday(day) is working  # the package agrees with the official notices


# (start, n) → due, across 春节 and 国庆 (start day itself is not counted)
ADDS = [
    (date(2026, 2, 12), 1, date(2026, 2, 13)),
    (date(2026, 2, 13), 1, date(2026, 2, 14)),  # 调休 Saturday counts
    (date(2026, 2, 14), 1, date(2026, 2, 24)),  # skips the 9-day 春节 block
    (date(2026, 2, 13), 5, date(2026, 2, 27)),
    (date(2026, 2, 13), 6, date(2026, 2, 28)),
    (date(2026, 2, 13), 7, date(2026, 3, 2)),
    (date(2025, 9, 26), 1, date(2025, 9, 28)),
    (date(2025, 9, 30), 1, date(2025, 10, 9)),
    (date(2025, 9, 26), 10, date(2025, 10, 16)),
    (date(2026, 9, 18), 1, date(2026, 9, 20)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),
    (date(2026, 9, 30), 4, date(2026, 10, 12)),
    (date(2026, 2, 24), -1, date(2026, 2, 14)),
    (date(2026, 3, 3), 0, date(2026, 3, 3)),
]


@pytest.mark.parametrize("start,n,due", ADDS)
def test_add_working_days(cal: WorkingCalendar, start: date, n: int, due: date) -> None:
    assert cal.add_working_days(start, n) == (due, False)


@pytest.mark.parametrize("start,n,due", [a for a in ADDS if a[1] > 0])
def test_working_days_between_inverts_add(cal: WorkingCalendar, start: date, n: int, due: date) -> None:
    assert cal.working_days_between(start, due) == n
    assert cal.working_days_between(due, start) == -n


def test_working_days_between_same_day_and_holiday_span(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(date(2026, 2, 15), date(2026, 2, 15)) == 0
    assert cal.working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0


def test_beyond_coverage_uses_fallback_and_says_so(cal: WorkingCalendar) -> None:
    assert cal.covers(date(2026, 12, 31)) and not cal.covers(date(2027, 1, 4))
    due, fallback = cal.add_working_days(date(2026, 12, 30), 5)
    assert fallback is True
    assert due == date(2027, 1, 6)  # Dec 31, then Jan 1 (Fri, weekends-only) 4, 5, 6
    assert cal.add_working_days(date(2026, 11, 2), 5) == (date(2026, 11, 9), False)
    assert cal.is_working_day(date(2027, 1, 1)) is True  # weekday rule only: honestly flagged above


def test_add_calendar_days_and_months(cal: WorkingCalendar) -> None:
    assert cal.add_calendar_days(date(2026, 2, 1), 14) == (date(2026, 2, 15), False)
    assert cal.add_calendar_days(date(2026, 2, 1), 14, roll_forward=True) == (date(2026, 2, 24), False)
    assert cal.add_calendar_days(date(2026, 12, 20), 12, roll_forward=True) == (date(2027, 1, 1), True)
    assert cal.add_months(date(2025, 8, 31), 6) == (date(2026, 2, 28), False)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_data_file_adds_a_year(tmp_path: Path) -> None:
    path = _write(tmp_path, """
years:
  2027:
    notice: test notice (not the official one)
    holidays: [2027-01-01, 2027-01-04]
    workdays: [2027-01-09]
""")
    c = WorkingCalendar(path)
    assert c.covers(date(2027, 6, 1))
    assert not c.is_working_day(date(2027, 1, 4))
    assert c.is_working_day(date(2027, 1, 9))
    assert c.add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 5), False)


def test_data_file_takes_precedence_over_package(tmp_path: Path) -> None:
    path = _write(tmp_path, """
years:
  2026:
    notice: test override
    holidays: [2026-03-02]
    workdays: []
""")
    c = WorkingCalendar(path)
    assert not c.is_working_day(date(2026, 3, 2))
    assert c.is_working_day(date(2026, 2, 16))  # the whole year now comes from the file


def test_template_year_is_ignored_and_dates_without_notice_refused(tmp_path: Path) -> None:
    c = WorkingCalendar(_write(tmp_path, "years:\n  2027:\n    notice: null\n    holidays: []\n"))
    assert not c.covers(date(2027, 1, 4))
    with pytest.raises(CatalogError, match="notice"):
        WorkingCalendar(_write(tmp_path, "years:\n  2027:\n    holidays: [2027-01-01]\n"))
    with pytest.raises(CatalogError, match="outside"):
        WorkingCalendar(_write(tmp_path, "years:\n  2027:\n    notice: x\n    holidays: [2028-01-01]\n"))


def test_repo_holidays_file_has_no_invented_2027() -> None:
    c = default_calendar()
    assert 2027 not in c.notices
    # every 2026 day agrees with the package (the file adds nothing for covered years)
    d = date(2026, 1, 1)
    while d.year == 2026:
        assert c.is_working_day(d) is chinese_calendar.is_workday(d)
        d += timedelta(days=1)

"""The working calendar of one audit run, with its answers remembered.

A province audit asks the same few hundred days tens of thousands of times (each deadline steps day by
day through the working days after a 成文日期), and chinese_calendar validates every date it is asked
about; remembering the answers makes that cost proportional to the distinct days, not to the items.
"""

from __future__ import annotations

from datetime import date

from auditor.catalog.workdays import WorkingCalendar


class RememberingCalendar(WorkingCalendar):
    """The same answers as the calendar it wraps, each day and each working-day sum computed once."""

    def __init__(self, base: WorkingCalendar) -> None:
        """Shares the base calendar's notices (no file is read again)."""
        self.__dict__.update(base.__dict__)
        self._working: dict[date, bool] = {}
        self._covers: dict[date, bool] = {}
        self._added: dict[tuple[date, int], tuple[date, bool]] = {}

    def is_working_day(self, d: date) -> bool:
        hit = self._working.get(d)
        if hit is None:
            hit = self._working[d] = super().is_working_day(d)
        return hit

    def covers(self, d: date) -> bool:
        hit = self._covers.get(d)
        if hit is None:
            hit = self._covers[d] = super().covers(d)
        return hit

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        key = (start, n)
        hit = self._added.get(key)
        if hit is None:
            hit = self._added[key] = super().add_working_days(start, n)
        return hit


def remembering(cal: WorkingCalendar) -> WorkingCalendar:
    return cal if isinstance(cal, RememberingCalendar) else RememberingCalendar(cal)

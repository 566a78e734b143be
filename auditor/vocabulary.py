"""The project's one vocabulary: the codes stages store and pass to each other, and the clock.

Codes are StrEnums, so a member equals the string the database holds ("late" == Rule.LATE) and
old rows, YAML and JSON keep working; Chinese labels for them live in auditor/report/labels.py.
Anything that needs "which unit levels map to which catalog level", "which rules count as late"
or "what time is it" imports it from here instead of keeping its own copy.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum


def utcnow() -> datetime:
    """Now in UTC, naive: the store keeps naive UTC timestamps (SQLite has no time zones)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class UnitLevel(StrEnum):
    """A unit's level as the registry writes it."""
    DISTRICT = "区级"
    COUNTY = "县级"
    TOWNSHIP = "乡级"


class CatalogLevel(StrEnum):
    """The level a catalog row applies to (the national catalogs say 县级 / 乡级)."""
    COUNTY = "县级"
    TOWNSHIP = "乡级"


# Every spelling of a level seen in registries, title sets and published catalogs.
_CATALOG_LEVEL: dict[str, CatalogLevel] = {
    "区级": CatalogLevel.COUNTY, "县级": CatalogLevel.COUNTY, "市辖区": CatalogLevel.COUNTY,
    "乡级": CatalogLevel.TOWNSHIP, "镇级": CatalogLevel.TOWNSHIP, "乡镇": CatalogLevel.TOWNSHIP,
    "街道": CatalogLevel.TOWNSHIP,
}


def catalog_level(level: str | None) -> CatalogLevel | None:
    """The catalog level whose rows bind a unit of this level; None for a level nobody maps."""
    return _CATALOG_LEVEL.get(level or "")


class DayUnit(StrEnum):
    """The unit a deadline counts in (auditor/catalog/deadline.py)."""
    WORKING_DAY = "working_day"
    CALENDAR_DAY = "calendar_day"
    WEEK = "week"
    MONTH = "month"


DAY_UNIT_LABELS: dict[str, str] = {
    DayUnit.WORKING_DAY: "个工作日", DayUnit.CALENDAR_DAY: "日", DayUnit.WEEK: "周", DayUnit.MONTH: "个月",
}


def day_unit_label(unit: str | None) -> str:
    """"个工作日" for working days …; empty for no unit, the code itself for an unknown one."""
    return DAY_UNIT_LABELS.get(unit, unit or "") if unit else ""


class FindingStatus(StrEnum):
    DEFECT = "defect"
    UNVERIFIED = "unverified"
    INFO = "info"


class Assessment(StrEnum):
    """How much of a unit (or a domain) could be assessed (auditor/scoring/assessment.py)."""
    ASSESSED = "assessed"
    PARTIAL = "partial"
    UNASSESSED = "unassessed"
    NOT_APPLICABLE = "not_applicable"


class Decision(StrEnum):
    """A match's decision: the matcher's three, then a reviewer's two."""
    ACCEPT = "accept"
    REVIEW = "review"
    REJECT = "reject"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


# A match that counts as the item fulfilling its entry: the matcher's accept or a reviewer's confirmation.
ACCEPTED_DECISIONS: frozenset[str] = frozenset({Decision.ACCEPT, Decision.CONFIRMED})


class Rule(StrEnum):
    """The timeliness rules a unit's "late" count is made of (report, web to-do list, history)."""
    MISSING = "missing"
    LATE = "late"
    UNDATED = "undated"
    PERIODIC_OVERDUE = "periodic_overdue"
    ANNUAL_LATE = "annual_late"
    WITHDRAWN = "withdrawn"
    CHANNEL_GAP = "channel_gap"


# The rules history and trend charts count as "late" (a publication that came, or stayed, too late).
LATE_RULES: frozenset[str] = frozenset({Rule.LATE, Rule.UNDATED, Rule.PERIODIC_OVERDUE, Rule.ANNUAL_LATE,
                                         Rule.WITHDRAWN})

# The rules a unit's 逾期 tally counts in the CLI summary and the workspace list: a listed item
# published late, or with no date to show it was not. (The report's table shows the two apart.)
TALLY_LATE_RULES: frozenset[str] = frozenset({Rule.LATE, Rule.UNDATED})

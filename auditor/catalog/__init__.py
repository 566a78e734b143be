"""The catalog layer: 基层政务公开标准目录 rows, 公开时限 rules, channels and the working-day calendar."""

from auditor.catalog.channels import CHANNELS, ChannelReq, normalise_channel, parse_channel_cell
from auditor.catalog.deadline import DeadlineRule, DueDate, parse_time_limit
from auditor.catalog.loader import load_catalog, validate_catalog
from auditor.catalog.models import Catalog, CatalogEntry
from auditor.catalog.workdays import WorkingCalendar, default_calendar

__all__ = [
    "CHANNELS", "Catalog", "CatalogEntry", "ChannelReq", "DeadlineRule", "DueDate", "WorkingCalendar",
    "default_calendar", "load_catalog", "normalise_channel", "parse_channel_cell", "parse_time_limit",
    "validate_catalog",
]

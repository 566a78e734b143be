"""The catalog layer: 基层政务公开标准目录 rows, 公开时限 rules, channels and the working-day calendar."""

from auditor.catalog.channels import CHANNELS, ChannelReq, normalise_channel, parse_channel_cell
from auditor.catalog.deadline import DeadlineRule, DueDate, parse_time_limit
from auditor.catalog.diff import ConformityFinding, diff_unit_catalog
from auditor.catalog.loader import check_catalog, load_catalog, validate_catalog
from auditor.catalog.models import Catalog, CatalogEntry
from auditor.catalog.unit_catalog import UnitCatalog, UnitCatalogError, UnitRow, read_unit_catalog
from auditor.catalog.workdays import WorkingCalendar, default_calendar

__all__ = [
    "CHANNELS", "Catalog", "CatalogEntry", "ChannelReq", "ConformityFinding", "DeadlineRule", "DueDate",
    "UnitCatalog", "UnitCatalogError", "UnitRow", "WorkingCalendar", "check_catalog", "default_calendar",
    "diff_unit_catalog", "load_catalog", "normalise_channel", "parse_channel_cell", "parse_time_limit",
    "read_unit_catalog", "validate_catalog",
]

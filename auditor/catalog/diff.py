"""Alias module: `auditor.catalog.diff.diff_unit_catalog` is the unit-catalog conformity diff.

The implementation lives in auditor.catalog.conformity; the scoring check imports it from here.
"""

from auditor.catalog.conformity import RULES, SEVERITY, ConformityFinding, diff_unit_catalog, looser_deadline

__all__ = ["RULES", "SEVERITY", "ConformityFinding", "diff_unit_catalog", "looser_deadline"]

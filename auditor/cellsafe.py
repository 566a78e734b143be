"""Cell values made inert for spreadsheets (CSV/XLSX formula injection), for every writer of tables.

Crawled titles and staff notes are hostile: a title starting with "=" would run as a formula when an
evaluator opens the export. The report exports, the match label files and the workspace's CSV downloads
all write through `neutralise`, so it lives below all of them.
"""

from __future__ import annotations

from typing import Any

# ASCII triggers from OWASP plus their full-width forms, which some spreadsheet locales also accept.
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")


def neutralise(value: Any) -> Any:
    """Make a cell value inert in spreadsheets: strings that could start a formula get a leading "'".

    Leading blanks are looked through too (" =1+1"), since some importers trim them. Non-strings
    (numbers, None) are returned unchanged so numeric columns stay numeric.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_TRIGGERS or value.lstrip(" \u00a0\u3000\n")[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value

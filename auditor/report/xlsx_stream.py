"""Streaming XLSX sheets through XlsxWriter in constant-memory mode: each row is flushed to disk as it is
written, so a workbook of a province (about 1.2 million cells) never sits in memory.

Why not openpyxl here: even in write-only mode it builds a Cell object and an lxml element per cell, which at
1,000 units took most of the report time; XlsxWriter is the library made for writing large workbooks.
openpyxl stays the reader (catalog diff, tests). Values arrive already neutralised (cellsafe.neutralise), and
strings are always written as text (`write_string`), never as formulas, URLs or numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

HEADER_FORMAT = {"bold": True, "bg_color": "#F2F4F7", "valign": "vcenter"}


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    return xl_col_to_name(n - 1)


class StreamingWorkbook:
    """Sheets are written one after another, each from an iterable of rows; close() finishes the file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.book = xlsxwriter.Workbook(str(self.path), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False})
        self.header = self.book.add_format(HEADER_FORMAT)

    def add_sheet(self, title: str, head: list[str], rows: Iterable[list[Any]], widths: list[float]) -> int:
        """Header row (bold, shaded, frozen) then the rows, with an autofilter; returns the number of data rows."""
        sheet = self.book.add_worksheet(title)
        for j, width in enumerate(widths):
            sheet.set_column(j, j, width)
        sheet.freeze_panes(1, 0)
        for j, name in enumerate(head):
            sheet.write_string(0, j, name, self.header)
        count = 0
        for count, row in enumerate(rows, 1):
            for j, value in enumerate(row):
                _write_cell(sheet, count, j, value)
        sheet.autofilter(0, 0, count, max(len(head), 1) - 1)
        return count

    def close(self) -> Path:
        self.book.close()
        return self.path


def _write_cell(sheet: Any, row: int, col: int, value: Any) -> None:
    """An empty or missing value stays an empty cell; numbers stay numbers; everything else is text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)) and math.isfinite(value):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))

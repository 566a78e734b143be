"""Read a unit's published catalog file into plain grids of cell text: CSV, XLSX, HTML tables.

Units publish their 标准目录 as spreadsheets or as HTML tables on the portal; both use merged cells
(one 一级事项 cell spanning its 二级事项 rows, one 公开依据 cell for a block). Every reader expands
merges so that each grid cell holds the text it shows, and records the source row number of each
grid row, so that later messages can name file, sheet/table and row. Interpretation (header,
同上, 无) is done by auditor.catalog.unit_catalog, not here.

Everything read here is hostile input: size caps, no formula evaluation (openpyxl data_only),
no network, no entity expansion (lxml HTML parser without network access).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from auditor.errors import CatalogError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLS = 200
MAX_SPAN = 2_000

FORMATS = ("csv", "xlsx", "html")


class UnitCatalogError(CatalogError):
    """A unit catalog file that cannot be read; `where` names file[:sheet][:row N]."""


@dataclass
class Grid:
    """One table as read: rows of cell text (merges expanded), source row numbers, a title."""

    source: str
    sheet: str | None
    rows: list[list[str]]
    row_numbers: list[int]
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def where(self, i: int | None = None) -> str:
        """'file:sheet:row N' for grid row i (or just file:sheet)."""
        parts = [self.source] + ([self.sheet] if self.sheet else [])
        if i is not None:
            parts.append(f"row {self.row_numbers[i]}")
        return ":".join(parts)


_WS = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def clean_cell(value: object) -> str:
    """Cell value → text: NFKC-free (raw text is kept), whitespace runs collapsed, lines stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(x for x in lines if x)


def detect_format(path: Path, data: bytes) -> str:
    """'csv' | 'xlsx' | 'html' from the extension, else from the first bytes."""
    ext = path.suffix.lower()
    if ext in (".csv", ".tsv", ".txt"):
        return "csv"
    if ext in (".xlsx", ".xlsm"):
        return "xlsx"
    if ext in (".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"):
        return "html"
    if ext == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnitCatalogError("legacy .xls (BIFF) workbooks are not read", where=str(path),
                               hint="save the workbook as .xlsx, or export the sheet as CSV")
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")) \
            or b"<table" in data[:65536].lower():
        return "html"
    return "csv"


def read_bytes(path: Path) -> bytes:
    """The file's bytes, with a size cap; a missing/unreadable file is a UnitCatalogError."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnitCatalogError(f"file is {size} bytes, more than the {MAX_BYTES} byte cap",
                                   where=str(path), hint="split the catalog or export one domain")
        return path.read_bytes()
    except FileNotFoundError:
        raise UnitCatalogError("file not found", where=str(path),
                               hint="give the path of the unit's catalog (.csv, .xlsx or .html)") from None
    except IsADirectoryError:
        raise UnitCatalogError("is a directory, not a catalog file", where=str(path)) from None
    except OSError as exc:
        raise UnitCatalogError(f"cannot read file: {exc.strerror or exc}", where=str(path)) from None


def decode_text(data: bytes, where: str, declared: str | None = None) -> str:
    """UTF-8 (with or without BOM), else the declared charset, else GB18030 (superset of GBK/GB2312)."""
    candidates = ["utf-8-sig"]
    if declared:
        candidates.append(declared)
    candidates.append("gb18030")
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnitCatalogError("text is neither UTF-8 nor GB18030/GBK", where=where,
                           hint="save the file as UTF-8")


# ----------------------------------------------------------------------------------------- CSV
def read_csv(path: Path, data: bytes | None = None) -> list[Grid]:
    """A CSV/TSV export: one grid; merged cells of the original sheet arrive as blanks."""
    data = read_bytes(path) if data is None else data
    text = decode_text(data, str(path))
    sample = text[:8192]
    delimiter = ","
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        if "\t" in sample and "," not in sample:
            delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    start = 1
    try:
        for raw in reader:
            if len(rows) >= MAX_ROWS:
                raise UnitCatalogError(f"more than {MAX_ROWS} rows", where=f"{path}:row {start}")
            rows.append([clean_cell(c) for c in raw[:MAX_COLS]])
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnitCatalogError(f"CSV syntax error: {exc}", where=f"{path}:row {start}",
                               hint="check the quoting of that line") from None
    return [Grid(str(path), None, rows, numbers)]


# ---------------------------------------------------------------------------------------- XLSX
def read_xlsx(path: Path, data: bytes | None = None) -> list[Grid]:
    """Every sheet of a workbook as a grid; merged ranges filled with their top-left value."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    data = read_bytes(path) if data is None else data
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnitCatalogError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                               where=str(path), hint="open and re-save it in a spreadsheet program") from None
    grids: list[Grid] = []
    for ws in wb.worksheets:
        n_rows, n_cols = min(ws.max_row or 0, MAX_ROWS), min(ws.max_column or 0, MAX_COLS)
        if (ws.max_row or 0) > MAX_ROWS:
            raise UnitCatalogError(f"more than {MAX_ROWS} rows", where=f"{path}:{ws.title}")
        values = [[clean_cell(c) for c in row]
                  for row in ws.iter_rows(min_row=1, max_row=n_rows, max_col=n_cols, values_only=True)]
        for rng in ws.merged_cells.ranges:
            top = values[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= n_rows and rng.min_col <= n_cols else ""
            for r in range(rng.min_row, min(rng.max_row, n_rows) + 1):
                for c in range(rng.min_col, min(rng.max_col, n_cols) + 1):
                    values[r - 1][c - 1] = top
        grids.append(Grid(str(path), ws.title, values, list(range(1, len(values) + 1))))
    return grids


# ---------------------------------------------------------------------------------------- HTML
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _cell_text(el) -> str:
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in el.iter("p", "div", "li"):
        block.tail = "\n" + (block.tail or "")
    return clean_cell("".join(el.itertext()))


def _span(value: str | None, cap: int) -> int:
    try:
        n = int(str(value or "1").strip() or "1")
    except ValueError:
        return 1
    return max(0, min(n, cap))


def html_table_grid(table, source: str, name: str) -> Grid:
    """Expand one <table>'s rowspan/colspan into a rectangular grid (its own rows, not nested ones)."""
    trs = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    cells: dict[tuple[int, int], str] = {}
    n = len(trs)
    for r, tr in enumerate(trs):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in cells:
                c += 1
            rs = _span(td.get("rowspan"), MAX_SPAN)
            rs = (n - r) if rs == 0 else rs  # rowspan=0: to the end of the table
            cs = max(1, _span(td.get("colspan"), MAX_COLS))
            text = _cell_text(td)
            for dr in range(min(rs, n - r)):
                for dc in range(cs):
                    if c + dc < MAX_COLS:
                        cells.setdefault((r + dr, c + dc), text)
            c += cs
    width = max((c for _, c in cells), default=-1) + 1
    rows = [[cells.get((r, c), "") for c in range(width)] for r in range(n)]
    caption = table.xpath("./caption")
    title = _cell_text(caption[0]) if caption else ""
    return Grid(source, name, rows, list(range(1, n + 1)), title=title)


def read_html(path: Path, data: bytes | None = None) -> list[Grid]:
    """Every <table> of a page (nested ones included, each on its own) as a grid."""
    import lxml.html
    from lxml import etree

    data = read_bytes(path) if data is None else data
    m = _META_CHARSET.search(data[:4096])
    text = decode_text(data, str(path), m.group(1).decode("ascii") if m else None)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
        doc = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise UnitCatalogError(f"not readable as HTML: {exc}", where=str(path)) from None
    page_title = " ".join(clean_cell(t.text_content()) for t in doc.xpath("//title|//h1|//h2|//h3"))
    grids = []
    for i, table in enumerate(doc.xpath("//table"), start=1):
        g = html_table_grid(table, str(path), f"table {i}")
        g.title = " ".join(x for x in (g.title, page_title) if x)
        grids.append(g)
    return grids


READERS = {"csv": read_csv, "xlsx": read_xlsx, "html": read_html}


def read_grids(path: Path, fmt: str | None = None) -> tuple[str, list[Grid]]:
    """(format, grids) of a catalog file; fmt forces a format, else it is detected."""
    path = Path(path)
    data = read_bytes(path)
    fmt = fmt or detect_format(path, data)
    if fmt not in READERS:
        raise UnitCatalogError(f"unknown format {fmt!r}", where=str(path), hint=f"use one of {', '.join(FORMATS)}")
    return fmt, READERS[fmt](path, data)


def norm_label(text: str) -> str:
    """Header/name comparison form: NFKC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))

"""A minimal streaming XLSX writer: rows go straight into the zip entry of their sheet as XML text.

Why not openpyxl: even in write-only mode it builds a Cell object and an lxml element per cell, which at
1,000 units (about 1.2 million cells) took most of the report time. This writes what the report needs and
nothing more — inline strings, numbers, a bold shaded header row, column widths, the frozen first row and
an autofilter — and any XLSX reader (Excel, LibreOffice, openpyxl, pandas) opens it. Values arrive already
neutralised (export.neutralise): a string is always written as text, never as a formula.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FLUSH_ROWS = 500

STYLES = (XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="3"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill>'
          '<fill><patternFill patternType="solid"><fgColor rgb="FFF2F4F7"/><bgColor indexed="64"/></patternFill>'
          '</fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
          'applyAlignment="1"><alignment vertical="center"/></xf></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _cell(ref: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


class StreamingWorkbook:
    """Sheets are written one after another, each from an iterable of rows; close() writes the workbook."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[tuple[str, str]] = []  # (title, autofilter range)

    def add_sheet(self, title: str, head: list[str], rows: Iterable[list[Any]], widths: list[float]) -> int:
        """Header row (bold, shaded, frozen) then the rows; returns the number of data rows."""
        n = len(self.sheets) + 1
        letters = [column_letter(j) for j in range(1, max(len(head), 1) + 1)]
        cols = "".join(f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>' for j, w in enumerate(widths, 1))
        count = 0
        with self.zip.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as fh:
            fh.write((XML_HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
                      '<sheetViews><sheetView workbookViewId="0">'
                      '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                      '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                      '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") +
                      '<sheetData><row r="1">' +
                      "".join(f'<c r="{letters[j]}1" s="1" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
                              for j, name in enumerate(head)) + "</row>").encode("utf-8"))
            buf: list[str] = []
            for count, row in enumerate(rows, 1):
                r = count + 1
                buf.append(f'<row r="{r}">' + "".join(_cell(f"{letters[j]}{r}", v) for j, v in enumerate(row))
                           + "</row>")
                if len(buf) >= FLUSH_ROWS:
                    fh.write("".join(buf).encode("utf-8"))
                    buf.clear()
            ref = f"A1:{letters[-1]}{count + 1}"
            fh.write(("".join(buf) + f'</sheetData><autoFilter ref="{ref}"/></worksheet>').encode("utf-8"))
        self.sheets.append((title, ref))
        return count

    def close(self) -> Path:
        sheets = "".join(f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (t, _) in enumerate(self.sheets, 1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_quote(t))}!{_absolute(ref)}</definedName>" for i, (t, ref) in enumerate(self.sheets))
        self.zip.writestr("xl/workbook.xml", XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                          f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
                          + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(self.sheets) + 1))
        styles_id = len(self.sheets) + 1
        self.zip.writestr("xl/_rels/workbook.xml.rels", XML_HEAD + f'<Relationships xmlns="{PKG_REL}">{rels}'
                          f'<Relationship Id="rId{styles_id}" Type="{REL}/styles" Target="styles.xml"/>'
                          "</Relationships>")
        self.zip.writestr("xl/styles.xml", STYLES)
        self.zip.writestr("_rels/.rels", XML_HEAD + f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                          f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
                            for i in range(1, len(self.sheets) + 1))
        self.zip.writestr("[Content_Types].xml", XML_HEAD +
                          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                          f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                          f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>{overrides}</Types>')
        self.zip.close()
        return self.path


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:Z9 → $A$1:$Z$9."""
    out = []
    for part in ref.split(":"):
        letters = "".join(c for c in part if c.isalpha())
        out.append(f"${letters}${part[len(letters):]}")
    return ":".join(out)

"""The planted unit catalog of 青石镇 (社会救助, 乡级) in its three formats: the CSV and HTML fixtures in place, and
a portal-style XLSX written from the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "unit_catalogs"
CSV_FILE = FIXTURES / "qingshi_shehui_jiuzhu.csv"
HTML_FILE = FIXTURES / "qingshi_shehui_jiuzhu.html"


def write_xlsx(path: Path, sheet_title: str = "社会救助") -> Path:
    """The CSV fixture as a portal-style workbook: title row, two-row national header with merged
    parents, √-columns for 对象/方式/层级, merged 一级事项 cells, and a notes sheet without a table."""
    from openpyxl import Workbook

    with CSV_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    data = rows[2:]
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["“■”表示必选项，“□”表示可选项"])
    ws = wb.create_sheet(sheet_title)
    ws.append([rows[0][0]])
    ws.merge_cells("A1:P1")
    ws.append(["序号", "公开事项", None, "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
               "公开对象", None, "公开方式", None, "公开层级", None, "五公开", "备注"])
    ws.append([None, "一级事项", "二级事项", None, None, None, None, None, "全社会", "特定群体", "主动", "依申请",
               "县级", "乡级", None, None])
    for rng in ("A2:A3", "B2:C2", "D2:D3", "E2:E3", "F2:F3", "G2:G3", "H2:H3", "I2:J2", "K2:L2", "M2:N2",
                "O2:O3", "P2:P3"):
        ws.merge_cells(rng)
    level1 = ""
    for r in data:
        seq, l1, l2, content, basis, tl, subj, chan, aud, mode, lv, stage, remark = r
        l1 = l1 or level1
        marks = ["√" if aud == "全社会" else None, None, "√" if mode == "主动" else None, None,
                 None, "√" if lv == "乡级" else None]
        ws.append([int(seq), l1, l2, content, basis, tl, subj, chan, *marks, stage or None, remark or None])
        level1 = l1
    # merge runs of equal 一级事项 (rows 4..), clearing all but the top cell as Excel does
    start = 4
    for row in range(5, ws.max_row + 2):
        if row > ws.max_row or ws.cell(row, 2).value != ws.cell(start, 2).value:
            if row - 1 > start:
                for k in range(start + 1, row):
                    ws.cell(k, 2).value = None
                ws.merge_cells(start_row=start, start_column=2, end_row=row - 1, end_column=2)
            start = row
    wb.save(path)
    return path

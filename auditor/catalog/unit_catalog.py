"""A unit's own published 标准目录, imported from XLSX, CSV or an HTML table, as typed rows.

Every county department and township publishes its catalog derived from the national 指引. The
auditor imports it to check it against the national catalog (auditor.catalog.diff). Import:

1. read the file into grids, merged cells expanded (auditor.catalog.unit_readers);
2. find the header (the national template's 序号 / 公开事项(一级/二级[/三级]) / 公开内容(要素) / 公开依据 /
   公开时限 / 公开主体 / 公开渠道和载体 / 公开对象 / 公开方式 / 公开层级, optionally 五公开 and 备注), one or
   two rows high; the 对象/方式/层级/五公开 groups may be single text columns or √-columns per value;
3. turn each data row into a UnitRow: "同上" resolved to the previous row's cell, a blank 一级事项 under a
   named one inherited (merged cells lost in CSV exports), channels and 公开时限 parsed with the
   national parsers (failures kept as `channel_error` / `deadline_error`, never guessed), a row whose
   elements say "无" marked `declared_none` with its reason. The raw cell text is kept in `raw`.

A file with no table carrying that header, or a 同上 with nothing above it, is a UnitCatalogError
naming file, sheet/table and row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from auditor.catalog.channels import ChannelReq, parse_channel_cell
from auditor.catalog.deadline import DeadlineRule, parse_time_limit
from auditor.catalog.models import Level, Mode, Stage
from auditor.catalog.stage import STAGES
from auditor.catalog.unit_readers import Grid, UnitCatalogError, norm_label, read_grids
from auditor.errors import CatalogError

__all__ = ["UnitRow", "UnitCatalog", "UnitTable", "UnitCatalogError", "read_unit_catalog",
           "parse_grids", "load_unit_catalog", "normalise_levels", "parse_stage_cell", "ELEMENT_FIELDS"]

#: the 要素 every row must fill (公开内容, 公开依据, 公开时限, 公开主体, 公开渠道和载体)
ELEMENT_FIELDS: tuple[str, ...] = ("content", "basis", "time_limit", "subject", "channels")
ELEMENT_NAMES = {"content": "公开内容", "basis": "公开依据", "time_limit": "公开时限", "subject": "公开主体",
                 "channels": "公开渠道"}
TEXT_FIELDS = ("seq", "domain", "level1", "level2", "level3", "content", "basis", "time_limit", "subject",
               "channels", "audience", "mode", "levels", "stage", "remark")
CHECK_GROUPS = ("audience", "mode", "levels", "stage")
DITTO = {"同上", "同上。", "同上行", "同前", "〃", "\""}
CHECK_MARKS = set("√✓✔☑■●◆▲▄vVyY") | {"是", "有", "yes", "Yes", "YES"}


class UnitRow(BaseModel):
    """One row of a unit catalog; the same fields as a national CatalogEntry where they exist."""

    model_config = ConfigDict(extra="forbid")

    row: int  # source row number (1-based line / sheet row / <tr> index)
    sheet: str | None = None  # sheet name or "table N"; None for CSV
    table: int = 0  # index into UnitCatalog.tables
    seq: str = ""
    domain: str = ""  # a 领域 column, else the section heading above the row
    level1: str = ""
    level2: str = ""
    level3: str | None = None
    content: str = ""
    basis: str = ""
    time_limit: str = ""
    subject: str = ""
    channels: list[ChannelReq] = Field(default_factory=list)
    channels_text: str = ""
    audience: str = ""
    mode: Mode | None = None
    levels: list[Level] = Field(default_factory=list)
    levels_text: str = ""
    stage: Stage | None = None
    stage_text: str = ""
    remark: str = ""
    declared_none: bool = False
    none_reason: str = ""
    deadline: DeadlineRule | None = None
    deadline_error: str | None = None
    channel_error: str | None = None
    ditto: list[str] = Field(default_factory=list)  # fields whose cell said 同上
    raw: dict[str, str] = Field(default_factory=dict)  # header label → cell text as published

    @property
    def title(self) -> str:
        return "/".join(x for x in (self.level1, self.level2, self.level3) if x)

    def missing_elements(self) -> list[str]:
        """Element fields left blank (channels: blank cell; a declared-none row misses nothing)."""
        if self.declared_none:
            return []
        out = []
        for f in ELEMENT_FIELDS:
            value = self.channels_text if f == "channels" else getattr(self, f)
            if not value.strip() or _is_placeholder(value):
                out.append(f)
        return out


class UnitTable(BaseModel):
    """Where a header was found and how its columns were read."""

    model_config = ConfigDict(extra="forbid")

    sheet: str | None = None
    header_rows: list[int]  # source row numbers of the header
    columns: dict[str, str]  # column letter/index → field (or field=value for √-columns, or 'extra')
    labels: dict[str, str]  # column index → header label as published
    has_stage: bool
    title: str = ""


class UnitCatalog(BaseModel):
    """A unit's catalog as imported: rows plus where they came from."""

    model_config = ConfigDict(extra="forbid")

    source: str
    format: str
    title: str = ""
    tables: list[UnitTable] = Field(default_factory=list)
    rows: list[UnitRow] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def has_stage_column(self) -> bool:
        return any(t.has_stage for t in self.tables)

    def where(self, row: UnitRow) -> str:
        return ":".join([self.source] + ([row.sheet] if row.sheet else []) + [f"row {row.row}"])


# ------------------------------------------------------------------------------ cell helpers
_PLACEHOLDER = re.compile(r"^[-—–/\\_.·…]*$")


def _is_placeholder(text: str) -> bool:
    """'-', '/', '—' and the like: a blank in disguise."""
    return bool(_PLACEHOLDER.match(norm_label(text)))


_NONE_RE = re.compile(
    r"^(?:无|暂无|不涉及|本(?:单位|部门|镇|乡|街道|级|地)?(?:无|不涉及)(?:此|该|本)?(?:项|事项|类事项|项目|类信息|信息)?|"
    r"无(?:此|该)(?:项|事项|类事项|项目|信息))"
    r"(?:$|[(\[【:;,。、\s](?P<reason>.*))", re.S)


def none_marker(text: str) -> tuple[bool, str]:
    """("无" written in a cell?, the reason that follows it) — "无(本镇无…)", "无:…", "本单位无此事项"."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    m = _NONE_RE.match(t)
    if not m:
        return False, ""
    reason = (m.group("reason") or "").strip().strip("()[]【】:;,。、 ")
    reason = re.sub(r"^(?:原因|理由|说明)[:]?", "", reason).strip()
    return True, reason


_LEVEL_SPLIT = re.compile(r"[/、,;\s|和及与]+")


def normalise_levels(text: str) -> list[str]:
    """公开层级 text → [县级, 乡级] subset, the national rule: 乡/镇/街/村/嘎查/社区 → 乡级; 县/区/市/州 → 县级."""
    out: list[str] = []
    for part in _LEVEL_SPLIT.split(unicodedata.normalize("NFKC", text or "")):
        if not part:
            continue
        if re.search(r"乡|镇|街|村|嘎查|社区", part):
            lv = "乡级"
        elif re.search(r"县|区|市|州|旗", part):
            lv = "县级"
        else:
            continue
        if lv not in out:
            out.append(lv)
    return sorted(out, key=("县级", "乡级").index)


_STAGE_RE = re.compile("|".join(STAGES))


def parse_stage_cell(text: str) -> str | None:
    """五公开 cell → stage: "执行公开", "执行", "□决策 ■执行 □管理" (■-type mark wins), else None."""
    t = unicodedata.normalize("NFKC", text or "")
    marked = re.findall(r"[■◆▲▄☑√✓✔●]\s*(决策|执行|管理|服务|结果)", t)
    if marked:
        return marked[0]
    if re.search(r"[□☐]", t):
        unmarked = set(re.findall(r"[□☐]\s*(决策|执行|管理|服务|结果)", t))
        rest = [s for s in _STAGE_RE.findall(t) if s not in unmarked]
        return rest[0] if rest else None
    found = _STAGE_RE.findall(t)
    return found[0] if found else None


def _mode_of(text: str) -> str | None:
    t = norm_label(text)
    if "主动" in t:
        return "主动"
    if "依申请" in t or "申请" in t:
        return "依申请"
    return None


def _checked(text: str) -> bool:
    t = norm_label(text)
    return bool(t) and (t in CHECK_MARKS or t[0] in "√✓✔☑■●")


# ------------------------------------------------------------------------------ header detection
_SUB_VALUES = {
    "audience": ("全社会", "特定群体", "特定群众", "特定对象"),
    "mode": ("主动", "依申请"),
    "stage": STAGES,
}


def _sub_value(group: str, label: str) -> str | None:
    """A √-column's value: 全社会 / 主动 / 县级 / 执行 …, or None if the label is not one."""
    lab = norm_label(label).removesuffix("公开")
    if group == "levels":
        lv = normalise_levels(lab)
        return lv[0] if len(lv) == 1 and len(lab) <= 8 else None
    for v in _SUB_VALUES[group]:
        if lab.startswith(v):
            return "特定群体" if v in ("特定群众", "特定对象") else v
    return None


def _group_of(label: str) -> str | None:
    """Field of a header label (parent or parent/child text)."""
    t = norm_label(label)
    if not t:
        return None
    rules = [
        ("level1", r"一级"), ("level2", r"二级"), ("level3", r"三级"),
        ("stage", r"五公开|公开环节|环节"),
        ("content", r"内容|要素"), ("basis", r"依据"), ("time_limit", r"时限|公开时间|时间要求"),
        ("subject", r"主体|责任单位|责任部门|公开单位"), ("channels", r"渠道|载体"),
        ("audience", r"对象"), ("mode", r"方式"), ("levels", r"层级"),
        ("domain", r"领域"), ("item", r"^公开事项|^事项$|事项名称|项目名称"), ("seq", r"^序号$|^编号$|^序$"),
        ("remark", r"备注|说明"),
    ]
    for fld, pat in rules:
        if re.search(pat, t):
            return fld
    return None


_SUB_TOKENS = {"一级事项", "二级事项", "三级事项", "一级", "二级", "三级"}


def _is_subheader(row: list[str], parent: list[str]) -> bool:
    """Row under the header that only holds 一级事项/二级事项 or √-column values (全社会, 主动, 县级 …)."""
    found = 0
    for cell, top in zip(row, parent):
        t = norm_label(cell)
        if not t or t == norm_label(top):
            continue
        if t in _SUB_TOKENS or any(_sub_value(g, t) for g in ("audience", "mode", "stage")) \
                or (len(t) <= 8 and normalise_levels(t) and t.endswith("级")):
            found += 1
        else:
            return False
    return found > 0


def _find_header(grid: Grid, limit: int = 15) -> tuple[int, int] | None:
    """(header row index, number of header rows) or None."""
    for i, row in enumerate(grid.rows[:limit]):
        fields = {_group_of(c) for c in row if c}
        fields.discard(None)
        if len(fields) >= 4 and fields & {"level2", "item", "level1"} \
                and fields & {"content", "basis", "time_limit", "subject", "channels"}:
            height = 1
            if i + 1 < len(grid.rows) and _is_subheader(grid.rows[i + 1], row):
                height = 2
            return i, height
    return None


def _map_columns(grid: Grid, top: int, height: int) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Per column: (field, √-value or None); fields: level1.. content .. or 'extra'. Plus labels."""
    head = grid.rows[top]
    sub = grid.rows[top + 1] if height == 2 else [""] * len(head)
    width = max(len(head), len(sub))
    head = head + [""] * (width - len(head))
    sub = sub + [""] * (width - len(sub))
    if height == 2:  # CSV exports lose the parent's colspan: a blank parent over a child is its left one
        for c in range(1, width):
            if not head[c] and sub[c]:
                head[c] = head[c - 1]
    out: list[tuple[str, str | None]] = []
    labels: list[str] = []
    for c in range(width):
        parent, child = head[c], sub[c]
        same = norm_label(parent) == norm_label(child)
        label = parent if (same or not child) else (f"{parent}/{child}" if parent else child)
        labels.append(label)
        pg = _group_of(parent)
        cg = _group_of(child) if child and not same else None
        if pg in CHECK_GROUPS and child and not same and (v := _sub_value(pg, child)):
            out.append((pg, v))
        elif cg in ("level1", "level2", "level3"):
            out.append((cg, None))
        else:
            out.append((pg or cg or "extra", None))
    # "公开事项" spanning 2–3 unnamed columns: 一级, 二级, 三级 in order
    items = [c for c, (f, _) in enumerate(out) if f == "item"]
    named = {f for f, _ in out}
    free = [f for f in ("level1", "level2", "level3") if f not in named]
    if len(items) == 1 and "level2" not in named:
        out[items[0]] = ("level2", None)
    else:
        for c, f in zip(items, free):
            out[c] = (f, None)
        for c in items[len(free):]:
            out[c] = ("extra", None)
    # only the first column of a text field counts; later duplicates are kept raw
    seen: set[tuple[str, str | None]] = set()
    for c, key in enumerate(out):
        if key[0] != "extra" and key in seen:
            out[c] = ("extra", None)
        seen.add(key)
    return out, labels


# ------------------------------------------------------------------------------ rows
def _heading(cells: list[str]) -> str | None:
    """A section row ("一、最低生活保障" across the table, or alone in its first cell): one text only."""
    vals = {c for c in cells if c}
    if len(vals) == 1:
        return re.sub(r"^[一二三四五六七八九十\d]+[、.．]\s*", "", vals.pop())
    return None


@dataclass
class _Layout:
    """Where a grid's header sits and what each column holds: shared by every data row of the table."""

    top: int
    height: int
    cols: list[tuple[str, str | None]]
    labels: list[str]
    header_norm: list[str]


@dataclass
class _RowCells:
    """One data row's cells sorted by field, with 同上 resolved: the input of a UnitRow."""

    text: dict[str, str] = field(default_factory=dict)
    checks: dict[str, list[str]] = field(default_factory=dict)
    group_text: dict[str, str] = field(default_factory=dict)
    ditto: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    def group(self, name: str) -> str:
        """A 对象/方式/层级/五公开 group's value: its text column, else text in its √ area, else the ticks."""
        return self.text.get(name) or self.group_text.get(name) or "/".join(self.checks.get(name, []))


def _register_table(grid: Grid, top: int, height: int, cat: UnitCatalog) -> _Layout:
    """Map the header's columns and record the table, so a report can show how the file was read."""
    cols, labels = _map_columns(grid, top, height)
    has_stage = any(f == "stage" for f, _ in cols)
    title = " ".join(x for x in ([grid.title] + [" ".join(dict.fromkeys(c for c in r if c))
                                                  for r in grid.rows[:top]]) if x)
    cat.tables.append(UnitTable(
        sheet=grid.sheet, header_rows=grid.row_numbers[top: top + height],
        columns={str(c + 1): (f if v is None else f"{f}={v}") for c, (f, v) in enumerate(cols)},
        labels={str(c + 1): lab for c, lab in enumerate(labels)}, has_stage=has_stage, title=title))
    if not cat.title and title:
        cat.title = title
    return _Layout(top, height, cols, labels, [norm_label(c) for c in grid.rows[top]])


def _read_cells(cells: list[str], layout: _Layout, prev_text: dict[int, str], where: str) -> _RowCells:
    """Sort a row's cells by field; a 同上 takes the cell above (prev_text, updated here for the next row)."""
    out = _RowCells()
    for c, (f, v) in enumerate(layout.cols):
        cell = cells[c]
        label = layout.labels[c]
        out.raw[label or f"col {c + 1}"] = cell
        if norm_label(cell) in DITTO and f not in ("seq",):
            if c not in prev_text:
                raise UnitCatalogError(f"'同上' in column {label or c + 1!r} has no row above it to refer to",
                                       where=where, hint="write the cell's text in the first row of the table")
            cell = prev_text[c]
            out.ditto.append(f if v is None else f"{f}={v}")
        prev_text[c] = cell
        if f == "extra":
            continue
        if v is not None:
            if _checked(cell):
                out.checks.setdefault(f, []).append(v)
            elif cell and not _is_placeholder(cell):
                out.group_text.setdefault(f, cell)  # text written into a merged √ area
        elif f not in out.text:
            out.text[f] = cell
    return out


def _item_names(text: dict[str, str], prev: UnitRow | None, where: str,
                cat: UnitCatalog) -> tuple[str, str, str | None] | None:
    """一级/二级/三级 names, inheriting blanks lost with merged cells; None (with a warning) for no name."""
    level1, level2, level3 = text.get("level1", ""), text.get("level2", ""), text.get("level3") or None
    if not level1 and prev is not None and (level2 or level3):
        level1 = prev.level1  # merged 一级事项 cell lost in a CSV export
    if "level3" in text and not level2 and prev is not None and level3:
        level2 = prev.level2
    if not (level1 or level2):
        cat.warnings.append(f"{where}: row has no 公开事项 name; skipped")
        return None
    if not level2:
        cat.warnings.append(f"{where}: row has no 二级事项 name; read {level1!r} as both 一级 and 二级")
        level2 = level1
    return level1, level2, level3


def _declare_none(row: UnitRow) -> bool:
    """Mark a row whose elements say 无 (the unit has no such item) with its reason; True if it does."""
    elements = [row.content, row.basis, row.time_limit, row.subject, row.channels_text]
    marks = [none_marker(x) for x in elements if x.strip()]
    content_none = none_marker(row.content)
    if not (content_none[0] or (marks and all(m for m, _ in marks))):
        return False
    row.declared_none = True
    reasons = [r for m, r in ([content_none] + marks) if m and r]
    row.none_reason = reasons[0] if reasons else re.sub(r"^(?:原因|理由)[:：]?", "", row.remark).strip()
    return True


def _parse_requirements(row: UnitRow) -> None:
    """Channels and 公开时限 through the national parsers; a failure is kept as an error, never guessed."""
    if row.channels_text and not _is_placeholder(row.channels_text):
        try:
            row.channels = parse_channel_cell(row.channels_text)
        except CatalogError as exc:
            row.channel_error = exc.message
    if row.time_limit and not _is_placeholder(row.time_limit):
        try:
            row.deadline = parse_time_limit(row.time_limit)
        except CatalogError as exc:
            row.deadline_error = exc.message


def _build_row(grid: Grid, i: int, t_index: int, names: tuple[str, str, str | None], section: str,
               got: _RowCells) -> UnitRow:
    """The typed UnitRow of grid row i from its sorted cells, 无 declared or requirements parsed."""
    text = got.text
    level1, level2, level3 = names
    row = UnitRow(row=grid.row_numbers[i], sheet=grid.sheet, table=t_index, seq=text.get("seq", ""),
                  domain=text.get("domain", "") or section, level1=level1, level2=level2, level3=level3,
                  content=text.get("content", ""), basis=text.get("basis", ""),
                  time_limit=text.get("time_limit", ""), subject=text.get("subject", ""),
                  channels_text=text.get("channels", ""), remark=text.get("remark", ""),
                  ditto=got.ditto, raw=got.raw)
    # 公开对象 / 公开方式 / 公开层级 / 五公开: text column or √-columns
    row.audience = got.group("audience")
    row.mode = _mode_of(got.group("mode"))
    row.levels_text = got.group("levels")
    row.levels = normalise_levels(row.levels_text)
    row.stage_text = got.group("stage")
    row.stage = parse_stage_cell(row.stage_text)
    if not _declare_none(row):
        _parse_requirements(row)
    return row


def _parse_grid(grid: Grid, t_index: int, cat: UnitCatalog) -> list[UnitRow]:
    """The rows of one grid under its catalog header (none if it has no header); section rows name the 领域."""
    found = _find_header(grid)
    if found is None:
        return []
    layout = _register_table(grid, *found, cat)
    width = len(layout.cols)
    rows: list[UnitRow] = []
    prev_text: dict[int, str] = {}
    prev: UnitRow | None = None
    section = ""
    for i in range(layout.top + layout.height, len(grid.rows)):
        cells = grid.rows[i] + [""] * (width - len(grid.rows[i]))
        if not any(cells):
            continue
        if [norm_label(c) for c in grid.rows[i]] == layout.header_norm:
            continue  # header repeated on a new printed page
        if (h := _heading(cells[:width])) is not None:
            section = h
            continue
        where = grid.where(i)
        got = _read_cells(cells, layout, prev_text, where)
        names = _item_names(got.text, prev, where, cat)
        if names is None:
            continue
        prev = _build_row(grid, i, t_index, names, section, got)
        rows.append(prev)
    return rows


def parse_grids(grids: list[Grid], source: str, fmt: str) -> UnitCatalog:
    """Grids → UnitCatalog; UnitCatalogError if no grid has a catalog header."""
    cat = UnitCatalog(source=source, format=fmt)
    for grid in grids:
        if not grid.rows:
            continue
        cat.rows += _parse_grid(grid, len(cat.tables), cat)
    if not cat.tables:
        names = ", ".join(g.sheet for g in grids if g.sheet) or "the file"
        raise UnitCatalogError(
            f"no catalog table found (looked in {names}): no row with the national header "
            "序号/公开事项(一级事项/二级事项)/公开内容/公开依据/公开时限/公开主体/公开渠道和载体",
            where=source, hint="export the catalog table itself, with its header row")
    if not cat.rows:
        cat.warnings.append(f"{source}: the catalog table has a header but no rows")
    return cat


def read_unit_catalog(path: str | Path, fmt: str | None = None) -> UnitCatalog:
    """Import a unit catalog from .csv/.tsv, .xlsx or .html (fmt forces 'csv'|'xlsx'|'html')."""
    path = Path(path)
    fmt, grids = read_grids(path, fmt)
    return parse_grids(grids, str(path), fmt)


load_unit_catalog = read_unit_catalog  # the name auditor.checks.conformity imports

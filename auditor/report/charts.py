"""Geometry for inline SVG bar charts: computed here so templates only draw, and pages need no JavaScript."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from auditor.report.model import Bin, TrendSeries

MAX_LABEL = 16  # characters; longer unit names are shortened on the chart (the tables show them in full)


def text_width(text: str, size: float = 12.0) -> float:
    """Approximate rendered width: CJK and other wide characters take a full em, the rest about half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Bar:
    """What bar_chart reads of a row; a report UnitRow has the same fields (with its page to link to)."""

    name: str
    score: float | None
    cls: str = "hna"
    page: str | None = None


class _BarRow(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def score(self) -> float | None: ...
    @property
    def cls(self) -> str: ...
    @property
    def page(self) -> str | None: ...


def bar_chart(rows: Sequence[_BarRow], *, bar_width: float = 420, row_height: int = 22,
              href_prefix: str | None = None, href_for: Callable[[Any], str] | None = None
              ) -> dict[str, Any]:
    """Horizontal bars on a 0–100 scale, one per row (a Bar or a report UnitRow)."""
    top, bottom = 8, 26
    names = [shorten(r.name) for r in rows]
    label_w = round(max((text_width(n) for n in names), default=40) + 14)
    bars = []
    for i, (r, name) in enumerate(zip(rows, names)):
        y = top + i * row_height
        score = r.score
        w = round(max(0.0, min(100.0, score or 0.0)) / 100 * bar_width, 1)
        page = r.page
        bars.append({
            "name": name, "full": r.name, "score": score, "cls": r.cls,
            "x": label_w, "y": y + 4, "w": w, "h": row_height - 8, "text_y": y + row_height / 2 + 4,
            "label_x": label_w - 6, "value_x": label_w + w + 4, "fill": fill(r.cls),
            "href": href_for(r) if href_for is not None and page else
            f"{href_prefix}{page}" if href_prefix is not None and page else None,
        })
    axis_y = top + len(rows) * row_height
    ticks = [{"x": round(label_w + t / 100 * bar_width, 1), "label": t} for t in range(0, 101, 20)]
    return {"width": round(label_w + bar_width + 48), "height": axis_y + bottom, "top": top, "axis_y": axis_y,
            "x0": label_w, "pass_x": round(label_w + 0.6 * bar_width, 1), "bars": bars, "ticks": ticks}


# Fill colours of the heat bands, as attributes too: PDF renderers do not always apply page CSS to SVG.
FILLS = {"h5": "#1a9850", "h4": "#91cf60", "h3": "#fee08b", "h2": "#fc8d59", "h1": "#d73027", "hna": "#cbd2d9"}
SERIES = ("#0b4f9c", "#b71c1c", "#1a7f37", "#8e44ad", "#d35400")
BIN_CLASSES = ("h1", "h2", "h3", "h4", "h5")  # BINS in context.py: <60, 60s, 70s, 80s, ≥90


def fill(cls: str) -> str:
    return FILLS.get(cls, FILLS["hna"])


def histogram(bins: Sequence[Bin], *, width: float = 420, height: float = 110) -> dict[str, Any]:
    """Vertical bars: units per score band, in ascending score order."""
    left, top, bottom = 34, 12, 30
    n = max(len(bins), 1)
    peak = max([b.count for b in bins] + [1])
    step = max(1, -(-peak // 4))
    ymax = step * (-(-peak // step))
    slot = width / n
    cols = []
    for i, b in enumerate(bins):
        h = round(b.count / ymax * height, 1)
        x = left + i * slot
        cols.append({"x": round(x + slot * 0.15, 1), "w": round(slot * 0.7, 1), "y": round(top + height - h, 1),
                     "h": h, "count": b.count, "label": b.label, "cx": round(x + slot / 2, 1),
                     "fill": fill(BIN_CLASSES[i] if i < len(BIN_CLASSES) else "hna")})
    ticks = [{"y": round(top + height - v / ymax * height, 1), "label": v} for v in range(0, ymax + 1, step)]
    return {"width": round(left + width + 10), "height": round(top + height + bottom), "x0": left,
            "axis_y": top + height, "top": top, "right": round(left + width), "cols": cols, "ticks": ticks}


def line_chart(labels: list[str], series: Sequence[TrendSeries], *, width: float = 480,
               height: float = 180) -> dict[str, Any]:
    """Lines on a 0–100 scale, one point per run; a gap where a series has no value."""
    left, top, bottom, legend_h = 34, 12, 30, 18
    n = len(labels)
    slot = width / max(n, 1)
    xs = [round(left + slot * (i + 0.5), 1) for i in range(n)]

    def y(v: float) -> float:
        return round(top + height - max(0.0, min(100.0, v)) / 100 * height, 1)

    lines = []
    for k, s in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        pts = [(xs[i], y(v), v) for i, v in enumerate(s.values) if v is not None]
        segments, current = [], []
        for i, v in enumerate(s.values):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{xs[i]},{y(v)}")
        if current:
            segments.append(current)
        lines.append({"label": s.label, "colour": colour, "paths": [" ".join(seg) for seg in segments],
                      "points": [{"x": px, "y": py, "v": v} for px, py, v in pts],
                      "legend_x": left + k * 170, "legend_y": top + height + bottom + 10})
    return {"width": round(left + width + 10), "height": round(top + height + bottom + legend_h + 6),
            "x0": left, "top": top, "axis_y": top + height, "right": round(left + width),
            "xticks": [{"x": x, "label": lab} for x, lab in zip(xs, labels)],
            "yticks": [{"y": y(v), "label": v} for v in range(0, 101, 20)], "lines": lines,
            "pass_y": y(60)}

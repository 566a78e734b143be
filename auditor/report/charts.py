"""Geometry for inline SVG bar charts: computed here so templates only draw, and pages need no JavaScript."""

from __future__ import annotations

import unicodedata
from typing import Any

MAX_LABEL = 16  # characters; longer unit names are shortened on the chart (the tables show them in full)


def text_width(text: str, size: float = 12.0) -> float:
    """Approximate rendered width: CJK and other wide characters take a full em, the rest about half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: list[dict[str, Any]], *, bar_width: float = 420, row_height: int = 22,
              href_prefix: str | None = None) -> dict[str, Any]:
    """Horizontal bars on a 0–100 scale. rows: {"name", "score", "cls", optional "page"}."""
    top, bottom = 8, 26
    names = [shorten(r["name"]) for r in rows]
    label_w = round(max((text_width(n) for n in names), default=40) + 14)
    bars = []
    for i, (r, name) in enumerate(zip(rows, names)):
        y = top + i * row_height
        score = r.get("score")
        w = round(max(0.0, min(100.0, score or 0.0)) / 100 * bar_width, 1)
        page = r.get("page")
        bars.append({
            "name": name, "full": r["name"], "score": score, "cls": r.get("cls", "hna"),
            "x": label_w, "y": y + 4, "w": w, "h": row_height - 8, "text_y": y + row_height / 2 + 4,
            "label_x": label_w - 6, "value_x": label_w + w + 4,
            "href": f"{href_prefix}{page}" if href_prefix is not None and page else None,
        })
    axis_y = top + len(rows) * row_height
    ticks = [{"x": round(label_w + t / 100 * bar_width, 1), "label": t} for t in range(0, 101, 20)]
    return {"width": round(label_w + bar_width + 48), "height": axis_y + bottom, "top": top, "axis_y": axis_y,
            "x0": label_w, "pass_x": round(label_w + 0.6 * bar_width, 1), "bars": bars, "ticks": ticks}

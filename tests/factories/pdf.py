"""Reading PDFs in tests: text with pdftotext, pages rasterised with pdftoppm (poppler-utils), and a skip that
says which tool is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

POPPLER = ("pdftotext", "pdftoppm", "pdfinfo", "pdffonts")


def require_pdf_tools() -> None:
    missing = [t for t in POPPLER if shutil.which(t) is None]
    if missing:
        msg = f"poppler-utils not installed ({', '.join(missing)} missing): apt-get install poppler-utils"
        print(msg)
        pytest.skip(msg)
    try:
        import typst  # noqa: F401
    except ImportError as exc:
        msg = f"Typst unavailable ({exc}): pip install typst"
        print(msg)
        pytest.skip(msg)
    from auditor.report.pdf import cjk_font_available

    if cjk_font_available() is False:
        msg = "no Chinese font (fc-list :lang=zh-cn is empty): apt-get install fonts-noto-cjk"
        print(msg)
        pytest.skip(msg)


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_text(path: Path) -> list[str]:
    """Text of every page (pdftotext separates pages with a form feed)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return out.decode("utf-8").split("\f")[: pdf_pages(path)]


def squash(text: str) -> str:
    """Table cells wrap long titles over lines: compare without any whitespace."""
    return re.sub(r"\s+", "", text)


def rasterise(path: Path, out_dir: Path, dpi: int = 50) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page-*.png"))

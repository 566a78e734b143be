"""PDF reports: text extracted with pdftotext, pages rasterised with pdftoppm, fonts listed with pdffonts.

These need Typst (pip) and poppler-utils + fonts-noto-cjk (apt). They skip, saying why, only when
one of those is not installed; CI installs them.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from factories.pdf import pdf_pages, pdf_text, rasterise, require_pdf_tools, squash
from factories.report import DDE, FORMULA, HOSTILE, LINK, build_report_store


@pytest.fixture()
def store(tmp_path: Path):
    return build_report_store(tmp_path)


def test_district_and_unit_pdfs_show_hostile_titles_as_text(store, tmp_path: Path) -> None:
    require_pdf_tools()
    from auditor.report.pdf import render_pdf

    out = tmp_path / "pdf"
    with store() as s:
        paths = render_pdf(s, 2, out, per_unit=True, matches=True)
    district = out / "audit-run-2.pdf"
    assert paths[0] == district
    assert {p.name for p in paths[1:]} == {"fgj.pdf", "jyj.pdf", "cgjd.pdf", "dhz.pdf"}
    for p in paths:
        assert p.read_bytes().startswith(b"%PDF-")

    pages = pdf_text(district)
    n = len(pages)
    whole = squash("".join(pages))
    units = {name: pdf_text(out / "units" / f"{uid}.pdf") for uid, name in
             (("fgj", "区发展和改革局"), ("jyj", "区教育局"), ("cgjd", "城关街道"), ("dhz", "东湖镇"))}
    every = whole + squash("".join("".join(p) for p in units.values()))
    # hostile titles are printed literally, as text: markup and formulas are not interpreted
    assert squash(HOSTILE) in every
    assert squash('=HYPERLINK("http://evil","x")') in whole  # the unassigned dead-link finding, district-wide
    assert squash(FORMULA) in every and squash(DDE) in every and squash(LINK) in every
    # the district summary: overview, rankings per level, heat map, methodology — not the scorecards
    for word in ("基层政务公开标准化规范化评估报告", "区级部门排名", "乡镇（街道）排名", "领域得分热力图",
                 "附录：评估方法", "历次评估趋势", "常见问题", "units/<单位编码>.pdf"):
        assert word in whole, word
    assert "抓取覆盖与无法核实事项" not in whole and "即将到期的公开义务" not in whole
    # page numbers on every page, "第 i 页 / 共 n 页"
    for i, text in enumerate(pages, 1):
        assert squash(f"第{i}页/共{n}页") in squash(text), f"page {i} has no page number"
    # each unit's scorecard is its own PDF, starting with the unit's name, numbered on its own
    for name, unit_pages in units.items():
        assert re.match(rf"\s*(\S.*\n)?\s*{name}\s*\n", unit_pages[0]), f"{name}.pdf does not start with it"
        assert squash(f"第1页/共{len(unit_pages)}页") in squash(unit_pages[0])
        assert "问题清单与整改建议" in squash("".join(unit_pages))
    # the per-unit PDF has the unit's scorecard only
    unit_text = squash("".join(units["区发展和改革局"]))
    assert "区发展和改革局" in unit_text and squash(HOSTILE) in unit_text and squash(LINK) in unit_text
    # and no link annotation points where a crawled title wanted it to
    assert b"evil.example" not in (out / "units" / "fgj.pdf").read_bytes()
    for p in paths:  # PDF/A-2b, for the assessment's archive: fonts embedded, XMP metadata says so
        assert b"<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>" in p.read_bytes()
    assert "区级部门排名" not in unit_text and "城关街道" not in unit_text

    fonts = subprocess.run(["pdffonts", str(district)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, fonts  # Chinese text is set in an embedded Noto CJK font, not as missing glyphs

    pngs = rasterise(district, tmp_path / "png")
    assert len(pngs) == n
    assert all(p.stat().st_size > 1000 for p in pngs)
    print(f"district PDF: {district} ({n} pages); PNG pages in {tmp_path / 'png'}")


def test_pdf_fetches_nothing(store, tmp_path: Path) -> None:
    require_pdf_tools()
    from auditor.report.pdf import html_to_pdf

    hits: list[str] = []
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        html = (f'<html><head><link rel="stylesheet" href="{url}/a.css"></head><body>'
                f'<img src="{url}/b.png"><p style="background:url({url}/c.png)">正文</p></body></html>')
        path = html_to_pdf(html, tmp_path / "x.pdf")
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert "正文" in "".join(pdf_text(path))


def test_render_pdf_explains_missing_typst(store, tmp_path: Path, monkeypatch) -> None:
    import builtins

    from auditor.report import pdf
    from auditor.report.report_context import ReportError

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "typst":
            raise ImportError("No module named 'typst'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with store() as s, pytest.raises(ReportError) as err:
        pdf.render_pdf(s, 2, tmp_path)
    assert "typst" in str(err.value).lower() and "fonts-noto-cjk" in str(err.value)


def test_pdf_commands(store, tmp_path: Path, capsys) -> None:
    require_pdf_tools()
    from auditor.cli import main

    db = str(tmp_path / "t.db")  # the store fixture's database
    assert main(["pdf", "--db", db, "--run", "2", "--unit", "cgjd", "--out", str(tmp_path / "one")]) == 0
    one = tmp_path / "one" / "units" / "cgjd.pdf"
    assert capsys.readouterr().out.split() == [str(one)]
    text = squash("".join(pdf_text(one)))
    assert "城关街道" in text and "无法核实" in text and "区发展和改革局" not in text
    # dated with the audit run, not the clock: rendering the run again gives the same bytes
    assert main(["pdf", "--db", db, "--run", "2", "--unit", "cgjd", "--out", str(tmp_path / "again")]) == 0
    capsys.readouterr()
    assert (tmp_path / "again" / "units" / "cgjd.pdf").read_bytes() == one.read_bytes()
    from datetime import datetime, timezone

    from auditor.report.pdf import run_timestamp
    from auditor.report.report_context import build_report_context

    with store() as s:
        stamp = run_timestamp(build_report_context(s, 2))
    created = datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    assert f"<xmp:CreateDate>{created}".encode() in one.read_bytes()

    assert main(["pdf", "--db", db, "--unit", "nosuch", "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "unknown unit(s) in audit run 2: nosuch" in err and "Traceback" not in err

    assert main(["report", "--db", db, "--run", "2", "--format", "pdf", "--out", str(tmp_path / "r")]) == 0
    written = capsys.readouterr().out.split()
    assert written[0] == str(tmp_path / "r" / "audit-run-2.pdf")
    assert sorted(Path(p).name for p in written[1:]) == ["cgjd.pdf", "dhz.pdf", "fgj.pdf", "jyj.pdf"]
    assert pdf_pages(tmp_path / "r" / "audit-run-2.pdf") >= 4  # the district summary
    assert main(["pdf", "--db", db, "--run", "2", "--out", str(tmp_path / "d"), "--workers", "1"]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "d" / "audit-run-2.pdf")]  # no --units: summary only


# ------------------------------------------------------------------ the Chinese-font check (no poppler needed)
def _fake_fc_list(tmp_path: Path, families: str) -> str:
    """A PATH whose fc-list prints `families` (what fontconfig would list for :lang=zh)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fc = bin_dir / "fc-list"
    fc.write_text(f"#!/bin/sh\nprintf '%s' '{families}'\n", encoding="utf-8")
    fc.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def test_without_a_chinese_font_no_pdf_is_written_and_the_reason_is_one_line(store, tmp_path: Path, monkeypatch,
                                                                             capsys) -> None:
    from auditor.cli import main
    from auditor.report import pdf

    monkeypatch.setenv("AUDITOR_PDF_NO_CJK", "1")  # a fresh machine without fonts-noto-cjk
    with store() as s, pytest.raises(pdf.NoCJKFontError) as err:
        pdf.render_pdf(s, 2, tmp_path / "p")
    assert "fc-list :lang=zh" in str(err.value) and "fonts-noto-cjk" in str(err.value)
    assert not list((tmp_path / "p").rglob("*.pdf")) if (tmp_path / "p").exists() else True

    db = str(tmp_path / "t.db")
    assert main(["report", "--db", db, "--run", "2", "--format", "html,pdf", "--out", str(tmp_path / "r")]) == 0
    out, errs = capsys.readouterr()
    assert not list((tmp_path / "r").rglob("*.pdf")) and (tmp_path / "r" / "index.html").is_file()
    skip = [line for line in errs.splitlines() if line.strip()]
    assert len(skip) == 1 and skip[0].startswith("pdf: skipped — PDF not written") and "fonts-noto-cjk" in skip[0]
    assert main(["report", "--db", db, "--run", "2", "--format", "pdf", "--out", str(tmp_path / "r2")]) == 1
    assert capsys.readouterr().err.startswith("error: PDF not written")


def test_the_font_check_asks_fontconfig_for_chinese(tmp_path: Path, monkeypatch) -> None:
    from auditor.report import pdf

    monkeypatch.delenv("AUDITOR_PDF_NO_CJK", raising=False)
    monkeypatch.setenv("PATH", _fake_fc_list(tmp_path, "Noto Sans CJK SC,Noto Sans CJK SC Regular\\n"))
    assert pdf.cjk_font_available() is True
    pdf.require_cjk_font()  # no error: the PDF is rendered
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", _fake_fc_list(empty, ""))
    assert pdf.cjk_font_available() is False
    with pytest.raises(pdf.NoCJKFontError):
        pdf.require_cjk_font()
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # no fontconfig at all: cannot tell, so no PDF
    assert pdf.cjk_font_available() is None
    with pytest.raises(pdf.NoCJKFontError, match="fc-list"):
        pdf.require_cjk_font()


TYPST_MARKUP = ['#read("/etc/passwd")', '#import "@preview/evil:0.1.0": *', "#let x = 1] $a^2$ <lbl> @ref *粗体*",
                '#{ panic("boom") }', "\\u{1F600} // 注释 /* 块 */"]


@pytest.mark.parametrize("text", TYPST_MARKUP)
def test_typst_markup_in_crawled_text_is_printed_not_run(text: str, tmp_path: Path) -> None:
    """Crawled text reaches Typst as data: markup in a title is printed as it is, never evaluated."""
    require_pdf_tools()
    from html import escape

    from auditor.report.pdf import html_to_pdf

    html = (f"<html><body><h1>{escape(text)}</h1><table><thead><tr><th>事项</th></tr></thead>"
            f"<tbody><tr><td>{escape(text)}</td></tr></tbody></table><p>正文</p></body></html>")
    path = html_to_pdf(html, tmp_path / "x.pdf")
    whole = squash("".join(pdf_text(path)))
    assert whole.count(squash(text)) == 2, whole
    assert b"root:" not in path.read_bytes()


def test_many_documents_are_typeset_in_spawned_workers_after_one_in_this_process(tmp_path: Path) -> None:
    """Typst keeps threads: a process forked after it ran would hang in its next compile. One document
    typeset here, then a batch over two workers: every file is written, in order."""
    require_pdf_tools()
    from auditor.report.pdf import CHUNK, PdfJob, compile_all, html_to_pdf
    from auditor.report.typeset import document_from_html

    html_to_pdf("<html><body><p>先在本进程排版一份</p></body></html>", tmp_path / "first.pdf")
    jobs = [PdfJob(document_from_html(f"<html><body><h1>单位{i}</h1></body></html>").to_json(),
                   str(tmp_path / "units" / f"u{i}.pdf")) for i in range(CHUNK * 2 + 1)]
    written = compile_all(jobs, workers=2)
    assert [str(p) for p in written] == [job.path for job in jobs]
    assert [squash("".join(pdf_text(p))) for p in written[:3]] == [f"单位{i}第1页/共1页" for i in range(3)]

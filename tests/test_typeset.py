"""report/typeset.py: the print HTML read into the blocks the Typst template lays out (no PDF is made here;
tests/test_report_pdf.py typesets real report stores)."""

from __future__ import annotations

import json

import pytest

from auditor.report.typeset import Cell, Run, column_widths, document_from_html, inline_runs


def _doc(body: str, head: str = "") -> dict:
    return json.loads(document_from_html(f"<html><head>{head}</head><body>{body}</body></html>").to_json())


def _cell(text: str, *, num: bool = False) -> Cell:
    """A cell whose lines are separated by "|" (a <br> in the HTML)."""
    runs = [r for i, t in enumerate(text.split("|")) for r in ([Run("\n")] if i else []) + [Run(t)]]
    return Cell(runs=runs, num=num)


@pytest.mark.parametrize(("html", "runs"), [
    ("<td>事项<br><span class='note'>安全生产</span></td>", [("事项", ""), ("\n", ""), ("安全生产", "muted")]),
    ("<p>新增 <b>3</b> 项</p>", [("新增 ", ""), ("3", "bold"), (" 项", "")]),
    ("<td><a href='http://evil.example/x'>=HYPERLINK(\"http://evil\")</a></td>",
     [('=HYPERLINK("http://evil")', "")]),
    ("<td>  多个\n   空白  </td>", [("多个 空白", "")]),
    ("<td>1<small> / 7</small></td>", [("1", ""), (" / 7", "small")]),
])
def test_inline_text_keeps_breaks_styles_and_link_text_only(html: str, runs: list[tuple[str, str]]) -> None:
    from lxml import html as lxml_html

    el = lxml_html.fragment_fromstring(html)
    assert [(r.t, r.style) for r in inline_runs(el)] == runs


def test_a_scorecard_reads_into_headings_cards_tables_and_page_sections() -> None:
    doc = _doc("""<div class="running-title">云溪区财政局 评估得分卡</div>
<article class="unit"><div class="running-unit">云溪区财政局</div>
<header><h1>云溪区财政局</h1><p class="meta">区级部门 · 单位编码 czj</p></header>
<section><div class="cards"><div class="card h5"><div class="v">97.9</div><div class="k">总分</div></div>
<div class="card"><div class="v">1<small> / 7</small></div><div class="k">排名</div></div></div>
<p class="warn">部分评估</p><h2>维度得分</h2>
<table class="dims"><thead><tr><th>维度</th><th class="num">得分</th></tr></thead>
<tbody><tr><td>完整性</td><td class="num h4">85.0</td></tr></tbody></table>
<svg class="chart" viewBox="0 0 10 10" width="10"><rect x="1" y="1" width="2" height="2"/></svg></section>
<section class="page" id="x-defects"><h2>问题清单</h2><ul><li>一</li><li>二</li></ul></section>
<section class="page landscape"><h3>热力图</h3></section></article>
<footer>评估批次 #1</footer>""")
    assert (doc["title"], doc["unit"]) == ("云溪区财政局 评估得分卡", "云溪区财政局")
    kinds = [b["kind"] for b in doc["blocks"]]
    assert kinds == ["heading", "para", "cards", "para", "heading", "table", "svg", "section", "section", "para"]
    cards = doc["blocks"][2]["cards"]
    assert [(c["value"][0]["t"], c["tone"]) for c in cards] == [("97.9", "h5"), ("1", "")]
    table = doc["blocks"][5]
    assert table["widths"] == ["auto", "auto"]
    assert [[c["runs"][0]["t"] for c in r] for r in table["head"] + table["rows"]] == [["维度", "得分"],
                                                                                     ["完整性", "85.0"]]
    assert table["rows"][0][1]["tone"] == "h4" and table["rows"][0][1]["num"]
    assert 'viewBox="0 0 10 10"' in doc["blocks"][6]["svg"]  # the HTML parser would have lower-cased it
    page, landscape = doc["blocks"][7], doc["blocks"][8]
    assert (page["page"], page["landscape"], landscape["landscape"]) == (True, False, True)
    assert page["blocks"][1]["items"] == [[{"t": "一", "style": "", "tone": ""}], [{"t": "二", "style": "", "tone": ""}]]
    assert doc["blocks"][-1]["cls"] == "note"


def test_spans_and_hidden_parts() -> None:
    doc = _doc('<nav class="top">导航</nav><div class="noprint">按钮</div>'
               '<table><tr><th rowspan="2">领域</th><th colspan="3">区级部门</th></tr>'
               '<tr><td>a</td><td>b</td><td>c</td></tr></table><script>alert(1)</script>')
    assert [b["kind"] for b in doc["blocks"]] == ["table"]
    head = doc["blocks"][0]["head"][0]
    assert [(c["rowspan"], c["colspan"]) for c in head] == [(2, 1), (1, 3)]


@pytest.mark.parametrize(("cells", "widths"), [
    ([["12", "3"]], ["auto", "auto"]),  # short texts fit their content
    ([["http://127.0.0.1/" + "x" * 80, "在信息公开元数据中标注成文日期；本项不扣分"]], ["40fr", "21fr"]),
    ([["安全生产失信联合惩戒|安全生产", "已评估"]], ["auto", "auto"]),  # lines, not cells, are measured
    ([["在审核工作台上传公示图片等佐证材料后计入", "是"]], ["20fr", "auto"]),
])
def test_column_widths(cells: list[list[str]], widths: list[str]) -> None:
    rows = [[_cell(t) for t in r] for r in cells]
    assert column_widths([], rows) == widths


def test_numeric_columns_fit_even_when_long() -> None:
    rows = [[_cell("事项名称很长很长很长很长很长很长"), _cell("1234567890.123", num=True)]]
    assert column_widths([[_cell("事项"), _cell("得分")]], rows) == ["16fr", "auto"]


def test_undecodable_text_does_not_stop_the_document() -> None:
    from auditor.report.typeset import Block, Document

    doc = Document("标题\ud800", "", [Block("para", runs=[Run("x\udcff")])])
    data = json.loads(doc.to_json())
    assert data["title"] == "标题?" and data["blocks"][0]["runs"][0]["t"] == "x?"

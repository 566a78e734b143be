"""The sample portal over real HTTP: statuses, encodings, conditional requests, POST, refusal."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, timedelta
from urllib.parse import urlencode, urljoin

import pytest

from auditor.harvest.adapters import detect_adapter, parse_feed
from auditor.sample.plan import DistrictPlan, PlanAttachment, PlanColumn, PlanFeed, PlanItem, PlanSite
from auditor.sample.render import render_site
from auditor.sample.server import SamplePortal


def items(n: int, prefix: str) -> list[PlanItem]:
    out = []
    for i in range(n):
        day = date(2026, 3, 1) - timedelta(days=i)
        out.append(PlanItem(
            uid=f"{prefix}-{i}", title=f"云溪区{prefix}关于第{i}项重点民生工程进展情况的公示",
            publish_date=day, written_date=day, index_no=f"YX-{prefix}-{i:04d}",
            publisher="云溪区发展和改革局", doc_no=None, category="发展规划",
            body="正文第一段。\n正文第二段，包含“引号”、① 与 • 等字符。",
            attachments=[PlanAttachment("项目清单", f"{prefix}-{i}.xls", "xls", missing=i == 1),
                         PlanAttachment("公示文件", f"{prefix}-{i}.pdf", "pdf")] if i < 2 else [],
            dead=i == 3, show_date=i != 4))
    return out


def site(key: str, style: str, encoding: str = "utf-8", unreachable: bool = False) -> PlanSite:
    cols = [PlanColumn(key="gsgg", name="公示公告", path=["政府信息公开", "公示公告"], kind="notice",
                       items=items(20, key)),
            PlanColumn(key="zcwj", name="政策文件", path=["政府信息公开", "政策文件"], kind="catalog",
                       items=items(3, key + "z"))]
    return PlanSite(key=key, name=f"云溪区{key}", style=style, encoding=encoding, columns=cols,
                    unreachable=unreachable, page_size=15)


PLAN = DistrictPlan(
    sites=[site("trs", "static_paging", "gbk"), site("dh", "ajax_xml"), site("gk", "col_art"),
           site("down", "static_paging", unreachable=True)],
    feeds=[PlanFeed(key="wx", name="云溪发布", format="json", items=items(4, "wx")),
           PlanFeed(key="wb", name="云溪微博", format="rss", items=items(3, "wb"))])


@pytest.fixture(scope="module")
def portal():
    with SamplePortal(PLAN) as running:
        yield running


def get(url: str, headers: dict | None = None, data: bytes | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_pages_and_home(portal) -> None:
    urls = portal.urls
    assert set(urls) == {"trs", "dh", "gk", "down", "feeds"}
    for key in ("trs", "dh", "gk"):
        for path in ("/", "/index.html", "/robots.txt", portal.sites[key].column_url("gsgg")):
            status, headers, _ = get(urls[key] + path)
            assert status == 200, (key, path)
            assert headers["ETag"] and headers["Last-Modified"]
        status, _, body = get(urls[key] + "/")
        assert "公示公告" in body.decode("gbk" if key == "trs" else "utf-8")
        assert get(urls[key] + "/no/such/page.html")[0] == 404


def test_dead_items_and_attachments(portal) -> None:
    for key in ("trs", "dh", "gk"):
        rendered, base = portal.sites[key], portal.urls[key]
        assert get(base + rendered.item_url("gsgg", f"{key}-0"))[0] == 200
        assert get(base + rendered.item_url("gsgg", f"{key}-3"))[0] == 404  # dead
        status, headers, body = get(base + rendered.attachment_url(f"{key}-0.pdf"))
        assert status == 200 and body.startswith(b"%PDF-") and headers["Content-Type"] == "application/pdf"
        status, _, body = get(base + rendered.attachment_url(f"{key}-0.xls"))
        assert status == 200 and body.startswith(bytes.fromhex("d0cf11e0a1b11ae1"))
        assert get(base + rendered.attachment_url(f"{key}-1.xls"))[0] == 404  # missing


def test_gbk_site_serves_gbk(portal) -> None:
    rendered = portal.sites["trs"]
    status, headers, body = get(portal.urls["trs"] + rendered.item_url("gsgg", "trs-0"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gbk")
    assert '<meta charset="gbk">' in text and "云溪区trs关于第0项重点民生工程进展情况的公示" in text
    assert "①" in text and "&#8226;" in text  # • is outside GBK: a character reference


def test_conditional_requests(portal) -> None:
    url = portal.urls["dh"] + portal.sites["dh"].column_url("gsgg")
    status, headers, _ = get(url)
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-None-Match": '"other"'})[0] == 200
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_unreachable_site_refuses_connections(portal) -> None:
    with pytest.raises(urllib.error.URLError) as err:
        urllib.request.urlopen(portal.urls["down"] + "/", timeout=5)
    assert isinstance(err.value.reason, ConnectionRefusedError)


def test_dataproxy_post_and_get(portal) -> None:
    rendered, base = portal.sites["dh"], portal.urls["dh"]
    first = base + rendered.column_url("gsgg")
    page = detect_adapter(first, get(first)[2].decode()).parse_list(first, get(first)[2].decode())
    req = page.next_requests[0]
    status, headers, body = get(req.url, data=urlencode(req.formdata).encode())
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    answer = detect_adapter(req.url, body.decode()).parse_list(req.url, body.decode())
    assert len(answer.entries) == 5 and answer.total_pages == 2
    query = urlencode({**req.formdata, "startrecord": 16, "endrecord": 20, "perpage": 15})
    status, _, body2 = get(f"{base}/module/web/jpage/dataproxy.jsp?{query}")
    assert status == 200 and body2 == body
    assert ("dh", "POST", req.url[len(base):], 200) in portal.request_log


def test_crawl_every_site_over_http(portal) -> None:
    """Column pages + all scheduled pages list exactly the plan's items."""
    for key in ("trs", "dh", "gk"):
        rendered, base = portal.sites[key], portal.urls[key]
        charset = "gbk" if key == "trs" else "utf-8"
        for column in PLAN.site(key).columns:
            first = base + rendered.column_url(column.key)
            text = get(first)[2].decode(charset)
            page = detect_adapter(first, text).parse_list(first, text)
            found = list(page.entries)
            for req in page.next_requests:
                data = urlencode(req.formdata).encode() if req.method == "POST" else None
                more = get(req.url, data=data)[2].decode(charset)
                found += detect_adapter(req.url, more).parse_list(req.url, more).entries
            assert [e.url for e in found] == [
                urljoin(base, rendered.item_url(column.key, i.uid)) for i in column.items]
    assert any(e[0] == "gk" for e in portal.request_log)


def test_feeds_are_served(portal) -> None:
    for key in ("wx", "wb"):
        url = portal.feed_url(key)
        status, headers, body = get(url)
        assert status == 200
        entries = parse_feed(url, body.decode("utf-8"))
        assert len(entries) == len(next(f for f in PLAN.feeds if f.key == key).items)
        assert get(entries[0].url)[0] == 200
        assert get(entries[3 if key == "wx" else 0].url)[0] == (404 if key == "wx" else 200)
    doc = json.loads(get(portal.feed_url("wx"))[2])
    assert doc["account"] == "云溪发布" and doc["items"][0]["pub_date"].startswith("2026-03-01 ")


def test_rendering_is_deterministic() -> None:
    one, two = render_site(PLAN.site("dh")), render_site(PLAN.site("dh"))
    assert one.pages.keys() == two.pages.keys()
    assert all(one.pages[k].body == two.pages[k].body for k in one.pages)


def test_sample_serve_through_the_cli(tmp_path) -> None:
    """`auditor sample serve` serves the sample alone until interrupted, with a registry pointing at it."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    registry = tmp_path / "sample-registry.yaml"
    truth = tmp_path / "truth.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "auditor.cli", "sample", "serve", "--registry-out", str(registry),
                             "--truth-out", str(truth)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    lines = []
    try:
        for line in proc.stdout:  # the URLs come first, then "serving until Ctrl-C"
            lines.append(line)
            if line.startswith("serving until"):
                break
        assert any("云溪区人民政府门户网站: http://127.0.0.1:" in ln for ln in lines), lines
        reg = yaml.safe_load(registry.read_text(encoding="utf-8"))
        portal = next(s for s in reg["sites"] if s["id"] == "portal")
        column = reg["units"][0]["channels"][0]["columns"][0]["url"]
        status, _, body = get(column)
        assert status == 200 and "createPageHTML" in body.decode("utf-8")
        assert get(portal["home"])[0] == 200
        assert json.loads(truth.read_text(encoding="utf-8"))["as_of"] == "2026-11-20"
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        rest = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "".join(lines) + rest
    assert "stopped" in rest
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(portal["home"], timeout=5)

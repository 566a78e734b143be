"""A saved HTTrack-style copy of a sample site (and the same copy as a WARC), and the audit of it.

The copy writer keeps relative links for what it saved and absolute links on the original host for what
it did not, as HTTrack and `wget -m -k` do. The last test audits such a copy through the real CLI
(`auditor crawl --replay HOST=PATH`) and requires exactly what `copy_truth` says: entries seen through the
saved list pages are found, entries of a column whose list page was not archived are unverified (never
missing), listed items whose detail page was not archived are found by title and are not dead links.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from auditor.sample.mirror import copy_registry, copy_truth, default_missing, write_httrack_copy, write_warc
from auditor.sample.plan import PlanColumn, PlanItem, PlanSite
from auditor.sample.render import norm_target, render_site

HOST = "www.beiling.example.gov.cn"
ROOT = Path(__file__).resolve().parents[1]


def _site() -> PlanSite:
    items = [PlanItem(uid=f"t-{i}", title=f"北岭镇关于第{i}批临时救助审核审批信息的公示",
                      publish_date=date(2026, 3, 1) - timedelta(days=i), written_date=date(2026, 2, 20) - timedelta(days=i),
                      index_no=f"BL-{i:03d}", publisher="云溪区北岭镇人民政府", doc_no=None, category="社会救助",
                      body="正文。") for i in range(20)]
    col = PlanColumn(key="shjz", name="社会救助", path=["首页", "社会救助"], kind="catalog", items=items)
    return PlanSite(key="bl", name="北岭镇人民政府", style="static_paging", columns=[col], page_size=15)


def test_httrack_copy_links_saved_pages_relatively_and_the_rest_on_the_host(tmp_path) -> None:
    site = _site()
    rendered = render_site(site)
    lists = rendered.list_urls("shjz")
    missing = [lists[1], rendered.item_url("shjz", "t-1")]
    root = write_httrack_copy(site, tmp_path, host=HOST, missing=missing, rendered=rendered)
    assert root == tmp_path / HOST and (tmp_path / "index.html").is_file()
    assert (root / "index.html").is_file() and (root / lists[0].lstrip("/")).is_file()
    assert not (root / lists[1].lstrip("/")).exists()
    assert not (root / rendered.item_url("shjz", "t-1").lstrip("/")).exists()
    kept = root / rendered.item_url("shjz", "t-0").lstrip("/")
    assert kept.is_file()
    page = (root / lists[0].lstrip("/")).read_text(encoding="utf-8")
    rel0 = os.path.relpath(kept, (root / lists[0].lstrip("/")).parent)
    assert f'href="{rel0}"' in page
    assert f'href="http://{HOST}{rendered.item_url("shjz", "t-1")}"' in page  # not saved: absolute on the host
    assert f'href="http://{HOST}{lists[1]}"' in page  # the pager link to the unsaved page 2
    assert "createPageHTML" in page  # the script stays: a crawler computes page 2 from it, and finds it missing
    detail = kept.read_text(encoding="utf-8")
    assert 'href="../index.html"' in detail and 'href="../../../index.html"' in detail  # column, home
    assert int(kept.stat().st_mtime) == int(rendered.pages[norm_target(rendered.item_url("shjz", "t-0"))]
                                            .last_modified.timestamp())


def test_warc_holds_the_same_saved_pages(tmp_path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    site = _site()
    rendered = render_site(site)
    lists = rendered.list_urls("shjz")
    path = write_warc(site, tmp_path / "copy.warc.gz", host=HOST, missing=[lists[1]], rendered=rendered)
    records = {}
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type == "response":
                records[rec.rec_headers.get_header("WARC-Target-URI")] = rec.content_stream().read()
    assert f"http://{HOST}{lists[0]}" in records and f"http://{HOST}{lists[1]}" not in records
    url = rendered.item_url("shjz", "t-3")
    assert records[f"http://{HOST}{url}"] == rendered.pages[norm_target(url)].body


@pytest.fixture(scope="module")
def blz_copy(tmp_path_factory):
    """北岭镇's site (it does not answer live) saved as an HTTrack copy lacking page 2 and two details."""
    from auditor.catalog.loader import load_catalog
    from auditor.sample.generate import build_sample

    sample = build_sample(load_catalog())
    out = tmp_path_factory.mktemp("copy")
    missing = default_missing(sample, "blz")
    root = write_httrack_copy(sample.plan.site("blz"), out / "httrack", host=HOST, missing=missing)
    registry = out / "registry.yaml"
    registry.write_text(yaml.safe_dump(copy_registry(sample, "blz", HOST), allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    truth = copy_truth(sample, "blz", HOST, missing)
    (out / "copy-truth.json").write_text(json.dumps(truth.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return out, root, registry, truth, sample.as_of


def test_copy_truth_is_consistent(blz_copy) -> None:
    _, root, _, truth, _ = blz_copy
    found = {(f["unit"], f["entry_id"]) for f in truth.found}
    unverified = {(u["unit"], u["entry_id"]) for u in truth.unverified}
    assert found and unverified and not found & unverified
    assert len(truth.details_not_archived) == 2
    assert [c["coverage"] for c in truth.columns if c["column"] == "blz_shehui_jiuzhu"] == ["partial"]
    assert all((root / c["url"].split(HOST, 1)[1].lstrip("/")).is_file() for c in truth.columns)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def _audit_matches_copy_truth(db: Path, truth, as_of) -> None:  # CopyTruth
    """The store after crawl + score of the copy holds exactly what the copy's ground truth says."""
    from auditor.store.db import open_db
    from auditor.store.models import Channel, ColumnHealth, CrawlRun, Finding, Item, LinkCheck, Match

    factory = open_db(f"sqlite:///{db}", migrate=False)
    with factory() as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run.status == "complete"
        assert run.stats.get("replay/not_archived_details") == len(truth.details_not_archived), run.stats
        audit_id = max(s.scalars(select(Finding.audit_run_id)))
        findings = list(s.scalars(select(Finding).where(Finding.audit_run_id == audit_id)))
        accepted = {(m.unit_id, m.entry_id, m.item.title or m.item.list_title)
                    for m in s.scalars(select(Match).where(Match.audit_run_id == audit_id))
                    if m.decision in ("accept", "confirmed")}
        items = {i.canonical_url: i.detail_state for i in s.scalars(select(Item))}
        dead = [c.url for c in s.scalars(select(LinkCheck).where(LinkCheck.ok.is_(False)))]
        coverage = dict(s.execute(select(Channel.url, ColumnHealth.coverage)
                                  .join(ColumnHealth, ColumnHealth.channel_id == Channel.id)
                                  .where(ColumnHealth.crawl_run_id == run.id)).all())
    assert accepted == {(f["unit"], f["entry_id"], f["title"]) for f in truth.found}
    unverified = {(f.unit_id, f.entry_id) for f in findings if f.rule in ("unverified", "offline_only")}
    assert unverified == {(u["unit"], u["entry_id"]) for u in truth.unverified}
    assert not [f for f in findings if f.status == "defect"], [f.title for f in findings if f.status == "defect"]
    for d in truth.details_not_archived:
        assert items[d["url"]] == "not_archived", d
        assert d["url"] not in dead
    assert {(f.unit_id, f.entry_id, f.evidence["title"]) for f in findings if f.rule == "no_anchor"} == \
        {(u["unit"], u["entry_id"], u["title"]) for u in truth.timeliness_unassessable}
    assert {c["url"]: coverage.get(c["url"]) for c in truth.columns} == {c["url"]: c["coverage"] for c in truth.columns}


def test_audit_of_the_saved_copy_through_replay(blz_copy) -> None:
    """CRAWLER: `auditor crawl --replay HOST=PATH` on the HTTrack copy, then `auditor score`, as a user would."""
    out, root, registry, truth, as_of = blz_copy
    db = out / "cli.db"
    crawl = _cli("--db", str(db), "crawl", "--registry", str(registry), "--replay", f"{HOST}={root}", cwd=out)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    score = _cli("--db", str(db), "score", "--as-of", as_of.isoformat(), cwd=out)
    assert score.returncode == 0, score.stdout + score.stderr
    _audit_matches_copy_truth(db, truth, as_of)
    from auditor.store.db import open_db
    from auditor.store.models import CrawlRun

    with open_db(f"sqlite:///{db}", migrate=False)() as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert {"host": HOST, "path": str(root), "kind": "folder"} in run.stats.get("replay", []), run.stats


def test_audit_of_the_warc_copy(blz_copy) -> None:
    """The same copy as a WARC file, replayed by the crawler (AUDITOR_REPLAY), audits the same."""
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.sample.generate import build_sample
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit
    from auditor.stages import crawl, load_registry_for
    from auditor.store.db import open_db, resolve_db_url

    out, _, registry, truth, as_of = blz_copy

    sample = build_sample(load_catalog())
    warc = write_warc(sample.plan.site("blz"), out / "copy.warc.gz", host=HOST, missing=default_missing(sample, "blz"))
    db = out / "warc.db"
    url = resolve_db_url(str(db))
    factory = open_db(url)
    catalog = load_catalog()
    crawl(factory, url, load_registry_for(registry, catalog), str(registry),
          settings={"AUDITOR_REPLAY": json.dumps([{"host": HOST, "path": str(warc)}])})
    with factory() as session:
        run_audit(session, catalog, load_scheme("default"), WorkingCalendar(), as_of)
    _audit_matches_copy_truth(db, truth, as_of)

"""Evidence snapshots: compressed, hashed, deduplicated, pruned, capped, shown by item URL."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zlib

import pytest
import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.cli import main
from auditor.errors import AuditorError
from auditor.harvest.snapshots import prune_snapshots, show_snapshot
from auditor.sample.server import SamplePortal
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Item
from auditor.store.models_harvest import PageFetch, PageSnapshot
from factories.crawl import crawl_plan, crawl_registry


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Three crawls of one site: full, full again (no validators used), then after one item changed.

    Shared by the tests of this module (in file order; the pruning test runs after the others read
    the first run's snapshots)."""
    tmp_path = tmp_path_factory.mktemp("snap")
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        site = portal.sites["mz"]
        moved = site.item_paths[("shjz", "t-008")]
        portal.redirects[("mz", moved)] = moved + "?from=old"
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "snap.db"))
        factory = open_db(url)
        registry = load_registry_for(path, load_catalog())
        runs = [crawl(factory, url, registry, str(path), settings={"AUDITOR_SNAPSHOT_KEEP_RUNS": 0})]
        with factory() as s:
            counts = [(s.scalar(select(func.count(PageSnapshot.id))), s.scalar(select(func.count(PageFetch.id))))]
        runs.append(crawl(factory, url, registry, str(path),
                          settings={"AUDITOR_INCREMENTAL": False, "AUDITOR_SNAPSHOT_KEEP_RUNS": 0}))
        with factory() as s:
            counts.append((s.scalar(select(func.count(PageSnapshot.id))),
                           s.scalar(select(func.count(PageFetch.id)))))
        column = plan.site("mz").columns[0]
        column.items[20] = dataclasses.replace(column.items[20], body="正文已更正。")
        portal.replace_site(plan.site("mz"))
        # a body edit the list does not show is found by revalidation: tonight revalidates every known page
        runs.append(crawl(factory, url, registry, str(path), settings={"AUDITOR_SNAPSHOT_KEEP_RUNS": 0,
                                                                       "AUDITOR_REVALIDATE_DAYS": 1}))
        base = portal.urls["mz"]
        yield dict(factory=factory, url=url, runs=runs, counts=counts, base=base, site=site, moved=moved,
                   changed=base + site.item_paths[("shjz", column.items[20].uid)])


def test_snapshot_of_an_item_shows_its_page_with_fetch_facts(crawled):
    factory, base = crawled["factory"], crawled["base"]
    with factory() as s:
        item = s.scalar(select(Item).where(Item.title == "关于第7批最低生活保障对象名单的公示"))
        snap = show_snapshot(s, item.canonical_url)
        assert "关于第7批最低生活保障对象名单的公示" in snap.text()
        assert snap.sha256 == hashlib.sha256(snap.body).hexdigest() and snap.size == len(snap.body)
        assert snap.http_status in (200, 304) and snap.fetched_at is not None
        stored = s.scalar(select(PageSnapshot).where(PageSnapshot.sha256 == snap.sha256))
        assert len(stored.data) < stored.size and zlib.decompress(stored.data) == snap.body  # compressed
        redirected = show_snapshot(s, base + crawled["moved"], run_id=crawled["runs"][0])
        assert redirected.final_url == base + crawled["moved"] + "?from=old"
        assert redirected.redirects == [{"url": base + crawled["moved"], "status": 302}]
        with pytest.raises(AuditorError):
            show_snapshot(s, base + "/never/crawled.html")


def test_identical_pages_are_stored_once(crawled):
    (snaps1, fetches1), (snaps2, fetches2) = crawled["counts"]
    assert fetches2 > fetches1 * 1.9  # every page fetched again in full …
    assert snaps2 == snaps1  # … and not one new snapshot: same bytes, same hash


def test_snapshot_cli(crawled, tmp_path, capsys):
    out = tmp_path / "page.html"
    assert main(["--db", crawled["url"].removeprefix("sqlite:///"), "snapshot", "show", crawled["changed"],
                 "--out", str(out)]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert main(["--db", crawled["url"].removeprefix("sqlite:///"), "snapshot", "show", "http://x.invalid/"]) == 1
    assert "no snapshot" in capsys.readouterr().err


def test_changed_page_gets_a_new_snapshot_and_retention_prunes_the_old(crawled):
    factory, changed, runs = crawled["factory"], crawled["changed"], crawled["runs"]
    with factory() as s:
        before = s.scalar(select(func.count(PageSnapshot.id)))
        old = show_snapshot(s, changed, run_id=runs[0])
        new = show_snapshot(s, changed)
        assert old.sha256 != new.sha256 and "正文已更正" in new.text()
        result = prune_snapshots(s, keep_runs=1)
        assert result["snapshots"] >= 1 and result["fetches"] > 0
        assert s.scalar(select(func.count(PageSnapshot.id))) == before - result["snapshots"]
        assert s.scalar(select(PageSnapshot.id).where(PageSnapshot.sha256 == old.sha256)) is None  # old bytes gone
        assert show_snapshot(s, changed).sha256 == new.sha256
        for url in s.scalars(select(Item.canonical_url).where(Item.fetched_at.is_not(None))):
            show_snapshot(s, url)  # every stored item keeps the evidence it was read from
        assert set(s.scalars(select(PageFetch.crawl_run_id).where(PageFetch.crawl_run_id < runs[2]))) <= {
            runs[0], runs[1]}
        with pytest.raises(AuditorError):
            prune_snapshots(s, keep_runs=0)


def test_snapshots_are_capped(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "cap.db"))
        factory = open_db(url)
        crawl(factory, url, load_registry_for(path, load_catalog()), str(path),
              settings={"AUDITOR_SNAPSHOT_MAXSIZE": 600})
    with factory() as s:
        sizes = list(s.execute(select(PageSnapshot.size, PageSnapshot.truncated)))
        assert sizes and all(size <= 600 for size, _ in sizes) and all(t for _, t in sizes)
        assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == 39  # content unaffected

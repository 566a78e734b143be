"""The sample district crawled twice — as built, and through the fault-injecting portal — then audited.

Transient faults (5xx, slow answers past DOWNLOAD_TIMEOUT, resets, truncated bodies) hit only the
first request of a target, so retries must recover all of them: nothing lost, nothing duplicated,
every fault visible in the crawl stats. Permanent faults (redirect loops, 50 MB answers) hit the
first list page of two catalog columns: those columns are recorded as failed and their entries are
'unverified'. Lying charsets must not change a single extracted field. No fault may turn into a
'missing' finding.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.sample.faults import FaultConfig, FaultPortal
from auditor.sample.generate import build_sample
from auditor.sample.registry import registry_dict, write_registry
from auditor.sample.server import SamplePortal
from auditor.scheme import load_scheme
from auditor.scoring.engine import run_audit
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Channel, ColumnHealth, CrawlRun, Finding, Item, ItemListing, LinkCheck, SiteProbe

TIMEOUT = 2  # DOWNLOAD_TIMEOUT of the fault run, seconds
SEED = 9


@dataclass
class Run:
    counts: dict
    stats: dict
    items: dict  # normalised URL -> extracted fields
    listings: Counter  # (normalised item URL, unit, normalised channel URL) -> n
    health: dict  # (unit, channel URL) -> (status, entries, pages, error)
    dead_links: Counter  # (kind, URL, status, normalised referrer)
    probes: dict  # site -> ok
    findings: Counter  # (rule, status, unit, entry, normalised key)
    permanent: dict  # normalised column URL -> kind


def _normaliser(urls: dict[str, str]):
    bases = sorted(((base, key) for key, base in urls.items()), key=lambda t: -len(t[0]))

    def norm(text: str | None) -> str | None:
        if text is None:
            return None
        for base, key in bases:
            text = text.replace(base, f"<{key}>")
        return text

    return norm


def _collect(factory, crawl_id: int, audit_id: int, norm, counts: dict, permanent: dict) -> Run:
    with factory() as s:
        items = {norm(i.canonical_url): (i.title, i.list_title, i.publish_date, i.written_date, i.index_no,
                                         i.publisher, i.doc_no, i.body_hash, i.fetched_at is not None)
                 for i in s.scalars(select(Item))}
        listings = Counter((norm(u), unit, norm(c)) for u, unit, c in s.execute(
            select(Item.canonical_url, Channel.unit_id, Channel.url).join(ItemListing, ItemListing.item_id == Item.id)
            .join(Channel, Channel.id == ItemListing.channel_id)))
        health = {(unit, norm(h.url)): (h.status, h.entries, h.pages, norm(h.error)) for h, unit in s.execute(
            select(ColumnHealth, Channel.unit_id).join(Channel, Channel.id == ColumnHealth.channel_id)
            .where(ColumnHealth.crawl_run_id == crawl_id))}
        dead = Counter((c.kind, norm(c.url), c.http_status, norm(c.referrer)) for c in s.scalars(
            select(LinkCheck).where(LinkCheck.crawl_run_id == crawl_id, LinkCheck.ok.is_(False))))
        probes = {p.site_id: p.ok for p in s.scalars(select(SiteProbe).where(SiteProbe.crawl_run_id == crawl_id))}
        findings = Counter((f.rule, f.status, f.unit_id, f.entry_id, norm(f.key)) for f in s.scalars(
            select(Finding).where(Finding.audit_run_id == audit_id)))
        stats = s.get(CrawlRun, crawl_id).stats
    return Run(counts, stats, items, listings, health, dead, probes, findings,
               {norm(u): k for u, k in permanent.items()})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    catalog, cal, scheme = load_catalog(), WorkingCalendar(), load_scheme("default")
    sample = build_sample(catalog, cal)
    out: dict[str, Run] = {}
    for mode in ("clean", "faults"):
        tmp = tmp_path_factory.mktemp(mode)
        url = resolve_db_url(str(tmp / "audit.db"))
        factory = open_db(url)
        portal = FaultPortal(sample.plan, FaultConfig(seed=SEED, slow_seconds=TIMEOUT * 2)) if mode == "faults" \
            else SamplePortal(sample.plan)
        with portal:
            permanent = {}
            if mode == "faults":
                permanent = portal.choose_permanent(registry_dict(sample, portal), count=2)
            path = write_registry(sample, portal, tmp / "registry.yaml")
            crawl_id = crawl(factory, url, load_registry_for(path, catalog), str(path),
                             settings={"DOWNLOAD_TIMEOUT": TIMEOUT} if mode == "faults" else None)
            counts = portal.counts() if mode == "faults" else {"requests": len(portal.request_log)}
            norm = _normaliser(portal.urls)
        with factory() as session:
            audit_id = run_audit(session, catalog, scheme, cal, sample.as_of)
        out[mode] = _collect(factory, crawl_id, audit_id, norm, counts, permanent)
        out[mode].counts.update(retries=out[mode].stats.get("retry/count", 0), items=len(out[mode].items), findings=sum(out[mode].findings.values()),
                                missing=sum(n for k, n in out[mode].findings.items() if k[0] == "missing"),
                                unverified=sum(n for k, n in out[mode].findings.items() if k[1] == "unverified"))
    record = {m: r.counts for m, r in out.items()}
    print("\nfault-run counts:", json.dumps(record, ensure_ascii=False))
    (Path(tmp_path_factory.getbasetemp()) / "fault-counts.json").write_text(json.dumps(record, indent=1))
    return out


def _permanent_channels(run: Run) -> set[tuple[str, str]]:
    return {key for key in run.health if key[1] in run.permanent}


def test_every_kind_of_fault_was_injected(runs):
    c = runs["faults"].counts
    for kind in ("5xx", "slow", "reset", "truncated", "redirect_loop", "oversize", "wrong_charset"):
        assert c.get(kind, 0) >= 1, (kind, c)
    assert c["category:permanent"] == 2


def test_no_item_lost_or_duplicated(runs):
    clean, faulty = runs["clean"], runs["faults"]
    perm = _permanent_channels(faulty)
    # items reachable only through a permanently failing column may be absent; nothing else
    only_perm = {u for u in clean.items
                 if all((unit, ch) in perm for (iu, unit, ch) in clean.listings if iu == u)}
    assert set(faulty.items) <= set(clean.items), "items the clean crawl never saw"
    assert set(clean.items) - set(faulty.items) <= only_perm
    for url, fields in faulty.items.items():
        assert fields == clean.items[url], url  # every field identical: no truncated or mis-decoded page
    expected = Counter({k: n for k, n in clean.listings.items() if (k[1], k[2]) not in perm})
    assert Counter({k: n for k, n in faulty.listings.items() if (k[1], k[2]) not in perm}) == expected
    assert max(faulty.listings.values()) == 1


def test_transient_faults_show_as_retries_in_crawl_stats(runs):
    clean, faulty = runs["clean"], runs["faults"]
    c, st, base = faulty.counts, faulty.stats, clean.stats

    def reason(pattern: str, stats: dict) -> int:
        return sum(v for k, v in stats.items() if k.startswith("retry/reason_count/") and re.search(pattern, k))

    five = sum(reason(rf"/{code} ", st) - reason(rf"/{code} ", base) for code in (500, 502, 503, 504))
    assert five == c["5xx"]
    assert reason("DataLoss", st) - reason("DataLoss", base) == c["truncated"]
    assert reason("Timeout", st) - reason("Timeout", base) >= c["slow"]  # a loaded machine may add its own
    known = "|".join(("/50[0234] ", "DataLoss", "Timeout", "ConnectionRefused"))
    others = sum(v for k, v in st.items() if k.startswith("retry/reason_count/") and not re.search(known, k))
    assert others == c["reset"], {k: v for k, v in st.items() if k.startswith("retry/")}
    total = st.get("retry/count", 0) - base.get("retry/count", 0)
    assert total >= c["category:transient"]
    assert st.get("retry/max_reached", 0) == base.get("retry/max_reached", 0), "a transient fault was given up on"


def test_permanent_faults_are_failed_columns_in_crawl_health(runs):
    clean, faulty = runs["clean"], runs["faults"]
    perm = _permanent_channels(faulty)
    assert len(perm) == 2
    for key in perm:
        status, entries, _, error = faulty.health[key]
        assert status == "failed" and entries == 0 and error, (key, faulty.health[key])
        assert clean.health[key][0] == "ok"
    others = {k: v[:3] for k, v in faulty.health.items() if k not in perm}
    assert others == {k: v[:3] for k, v in clean.health.items() if k not in perm}
    # a dead attachment of an item listed only in a permanently failing column cannot be seen; nothing else differs
    only_perm = {u for u in clean.items
                 if all((unit, ch) in perm for (iu, unit, ch) in clean.listings if iu == u)}
    assert faulty.dead_links == Counter({k: n for k, n in clean.dead_links.items() if k[3] not in only_perm})
    assert faulty.probes == clean.probes


def test_no_fault_becomes_a_missing_finding(runs):
    clean, faulty = runs["clean"], runs["faults"]
    perm_units = {unit for unit, _ in _permanent_channels(faulty)}
    missing = lambda r: {k for k in r.findings if k[0] == "missing"}  # noqa: E731
    assert missing(faulty) <= missing(clean)
    # the entries behind a failed column are unverified, costing nothing
    new = faulty.findings - clean.findings
    assert any(k[0] == "unverified" and k[2] in perm_units for k in new)


def test_no_fault_becomes_any_defect(runs):
    clean, faulty = runs["clean"], runs["faults"]
    perm_units = {unit for unit, _ in _permanent_channels(faulty)}
    new = faulty.findings - clean.findings
    assert all(k[1] != "defect" for k in new), [k for k in new if k[1] != "unverified"]
    assert all(k[2] in perm_units for k in new), new
    gone = clean.findings - faulty.findings
    assert all(k[2] in perm_units for k in gone), gone

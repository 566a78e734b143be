"""End to end: the audit of the sample district reproduces its ground truth exactly, under both
shipped scoring schemes (the demo scores with `default`; the same database is re-scored with
`guoban` through run_audit).

Every seeded defect is found, no defect is reported that was not seeded, the unreachable
subdistrict's entries are 'unverified' (never 'missing'), every published item is matched, and the
seeded site-health defect (北岭镇's site does not answer) fires the 国办 veto.

The sample also has the habits of real portals (auditor/sample/habits.py, data/habits.yaml); the ground
truth records their expected effect and the tests below require it exactly: the coverage of every column
(a column whose pager points at a dead host, a column whose page-count script declares pages that were
never generated), entries resting on a partial column 'unverified' with that column named, items without
成文日期 counted as unassessable, 来源 naming a website not taken for the publisher, reposts, procurement
notices, name lists, bare housing-project names and a unit that holds no catalog domain.

Assertions marked CRAWLER rest on the crawler's coverage accounting (the lead's side of issue 12);
those marked FAIR on fair scores / publisher-vs-source (h12-fair's side).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml
from sqlalchemy import select

from auditor.store.db import open_db
from auditor.store.models import Channel, ColumnHealth, Finding, Item, Match

SCHEMES = ("default", "guoban")
_RESCORED: dict[str, int] = {}


def _run_id(demo_run, scheme: str) -> int:
    """The demo's audit run for `default`; for another scheme, one re-score of the same database."""
    if scheme == "default":
        return demo_run.audit_run_id
    if scheme not in _RESCORED:
        from datetime import date

        from auditor.catalog.loader import load_catalog
        from auditor.catalog.workdays import WorkingCalendar
        from auditor.scheme import load_scheme
        from auditor.scoring.engine import run_audit

        truth = json.loads((demo_run.out / "ground-truth.json").read_text(encoding="utf-8"))
        factory = open_db(demo_run.db_url, migrate=False)
        with factory() as session:
            _RESCORED[scheme] = run_audit(session, load_catalog(), load_scheme(scheme), WorkingCalendar(),
                                          date.fromisoformat(truth["as_of"]))
    return _RESCORED[scheme]


@pytest.fixture(scope="module", params=SCHEMES)
def scheme(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def audit(demo_run, scheme):
    truth = json.loads((demo_run.out / "ground-truth.json").read_text(encoding="utf-8"))
    run_id = _run_id(demo_run, scheme)
    factory = open_db(demo_run.db_url, migrate=False)
    with factory() as session:
        findings = list(session.scalars(select(Finding).where(Finding.audit_run_id == run_id)))
        matches = list(session.scalars(select(Match).where(Match.audit_run_id == run_id)))
        for m in matches:
            _ = m.item.title  # load while the session is open
    return truth, findings, matches


def _truth_key(d: dict) -> tuple:
    t = d["type"]
    if t == "missing":
        return (t, d["unit"], d["entry_id"])
    if t == "late":
        return (t, d["unit"], d["entry_id"], d["title"], d["days_late"])
    if t == "channel_gap":
        return (t, d["unit"], d["entry_id"], tuple(d["channels_missing"]))
    if t == "dead_link":
        return (t, d["site"], d["title"])
    if t == "missing_attachment":
        return (t, d["unit"], d["attachment"])
    if t in ("blank_column", "stale_column"):
        return (t, d["site"], d["column_name"])
    if t == "site_unreachable":
        return (t, d["site"])
    raise AssertionError(f"unknown seeded defect type {t}")


def _finding_key(f: Finding) -> tuple:
    ev = f.evidence
    if f.rule == "missing":
        return ("missing", f.unit_id, f.entry_id)
    if f.rule == "late":
        return ("late", f.unit_id, f.entry_id, ev["title"], f.days_late)
    if f.rule == "channel_gap":
        return ("channel_gap", f.unit_id, f.entry_id, tuple(f.channels_missing))
    if f.rule == "dead_link":
        return ("dead_link", f.site_id, ev["title"])
    if f.rule == "missing_attachment":
        return ("missing_attachment", f.unit_id, ev["attachment"])
    if f.rule in ("blank_column", "stale_column"):
        return (f.rule, f.site_id, ev["column"])
    if f.rule == "site_unreachable":
        return ("site_unreachable", f.site_id)
    return (f.rule, f.unit_id, f.entry_id, f.title)


def test_every_seeded_defect_found_and_nothing_else(audit):
    truth, findings, _ = audit
    expected = Counter(_truth_key(d) for d in truth["defects"])
    found = Counter(_finding_key(f) for f in findings if f.status == "defect")
    assert found - expected == Counter(), "defects reported that were not seeded"
    assert expected - found == Counter(), "seeded defects not found"


def test_seeded_defects_cover_every_kind(audit):
    truth, _, _ = audit
    kinds = Counter(d["type"] for d in truth["defects"])
    for kind in ("missing", "late", "channel_gap", "dead_link", "missing_attachment", "blank_column",
                 "stale_column", "site_unreachable"):
        assert kinds[kind] >= 1, kind
    late = [d for d in truth["defects"] if d["type"] == "late"]
    holiday = [d for d in late if d["written_date"][5:7] in ("09", "02")]
    assert holiday, "some late items must run across 国庆 or 春节"


def test_unreachable_site_is_unverified_never_missing(audit):
    truth, findings, _ = audit
    expected = {(u["unit"], u["entry_id"]) for u in truth["unverified"]}
    assert expected, "the sample must have entries behind an unreachable site"
    unverified = {(f.unit_id, f.entry_id) for f in findings if f.rule in ("unverified", "offline_only")}
    assert unverified == expected  # CRAWLER: the partial-column entries need the coverage accounting
    missing = {(f.unit_id, f.entry_id) for f in findings if f.rule == "missing"}
    assert not missing & expected
    assert all(f.points == 0 for f in findings if f.status != "defect")


def _bases(demo_run) -> dict[str, str]:
    """Site key -> base URL of this run (the registry the demo wrote)."""
    reg = yaml.safe_load(demo_run.registry.read_text(encoding="utf-8"))
    return {s["id"]: s["url"].rstrip("/") for s in reg["sites"]}


def test_unverified_findings_name_the_partial_column(demo_run, audit):
    """CRAWLER: an entry not seen because its column was read in part is unverified, and says which column."""
    truth, findings, _ = audit
    bases = _bases(demo_run)
    partial = [u for u in truth["unverified"] if u["reason"] == "partial column"]
    assert {u["coverage_reason"] for u in partial} == {"offsite_pager", "pages_not_served", "owned_host_refuses"}
    paths = {(r["site"], r["column"]): r["url_path"] for r in truth["coverage"]}
    by_key = {(f.unit_id, f.entry_id): f for f in findings if f.rule in ("unverified", "offline_only")}
    for u in partial:
        f = by_key[(u["unit"], u["entry_id"])]
        url = bases[u["site"]] + paths[(u["site"], u["column"])]
        cols = [c for c in f.evidence.get("columns", []) if c.get("url") == url]
        assert cols, (u, f.evidence)
        coverage = cols[0].get("coverage")  # one value per recent crawl run, newest first
        assert (coverage if isinstance(coverage, list) else [coverage])[0] == "partial", cols[0]
        assert cols[0].get("coverage_reason"), cols[0]


def test_no_missing_finding_rests_on_a_partial_column(demo_run, audit):
    truth, findings, _ = audit
    partial_cols = {(r["site"], r["column"]) for r in truth["coverage"] if r["coverage"] != "complete"}
    assert len(partial_cols) >= 3
    bases = _bases(demo_run)
    urls = {bases[s] + r["url_path"] for r in truth["coverage"] for s in [r["site"]] if (s, r["column"]) in partial_cols}
    for f in findings:
        if f.rule == "missing":
            assert not {c["url"] for c in f.evidence["columns"]} & urls, f.evidence


def test_periodic_checks_do_not_rest_on_a_partial_column(demo_run, audit):
    """An annual item on an unread list page is not a missed period: period_unverified, never period_missed."""
    truth, findings, _ = audit
    partial = {(r["site"], r["column"]) for r in truth["coverage"] if r["coverage"] == "partial"}
    holders = {(u, c) for u, cols in _unit_columns(demo_run).items() for c in cols if c in {k[1] for k in partial}}
    flagged = {(f.unit_id, f.entry_id) for f in findings if f.rule == "period_unverified"}
    assert flagged, "the partial columns hide annual items: their periods cannot be judged"
    for unit, entry in flagged:
        assert any(u == unit and entry.split(".")[0] in c for u, c in holders), (unit, entry)
    assert all(f.status == "unverified" and f.points == 0 for f in findings if f.rule == "period_unverified")


def _unit_columns(demo_run) -> dict[str, list[str]]:
    """unit id -> column keys (the registry's URLs end in the column key for the TRS portal)."""
    reg = yaml.safe_load(demo_run.registry.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for u in reg["units"]:
        for ch in u["channels"]:
            for col in ch.get("columns", []):
                out.setdefault(u["id"], []).append(col["url"].rstrip("/").split("/")[-2])
    return out


def test_coverage_of_every_column(demo_run):
    """CRAWLER: coverage per column as the ground truth says: complete, partial (with the share seen) or failed."""
    truth = json.loads((demo_run.out / "ground-truth.json").read_text(encoding="utf-8"))
    bases = _bases(demo_run)
    factory = open_db(demo_run.db_url, migrate=False)
    with factory() as session:
        rows = session.execute(select(Channel.url, ColumnHealth).join(ColumnHealth, ColumnHealth.channel_id == Channel.id)
                               .where(ColumnHealth.crawl_run_id == demo_run.crawl_run_id)).all()
        health = {url: h for url, h in rows}
        got, want = {}, {}
        for r in truth["coverage"]:
            url = bases[r["site"]] + r["url_path"]
            assert url in health, f"no health row for {r['site']}/{r['column']} ({url})"
            h = health[url]
            want[r["column"]] = (r["coverage"], r["entries_seen"] if r["coverage"] != "failed" else 0)
            got[r["column"]] = (h.coverage, h.entries)
            if r["coverage"] == "partial":
                assert h.coverage_reason, r
                assert h.declared_total == r["declared_total"], (r, h.declared_total)
                assert h.share_seen == pytest.approx(r["share_seen"], abs=0.002), r
                if r["reason"] == "offsite_pager":
                    assert h.pages_skipped >= 1 and h.pages_failed == 0, r
                else:
                    assert h.pages_failed >= 1, r
    assert got == want
    print("\ncoverage of the sample's columns:")
    for r in truth["coverage"]:
        h = health[bases[r["site"]] + r["url_path"]]
        print(f"  {r['site']:7} {r['column']:30} {h.coverage or '-':9} {h.entries:4}/{h.declared_total or '-':>4} "
              f"share={h.share_seen} failed={h.pages_failed} skipped={h.pages_skipped} {h.coverage_reason or ''}")


def test_items_without_written_date_are_unassessable_not_on_time(audit):
    """Timeliness of items whose page shows no 成文日期 (and no 文号 with a dated signature) is not judged:
    seeded late items among them are not reported late; the ones still anchored stay late."""
    truth, findings, _ = audit
    expected = {(u["unit"], u["entry_id"], u["title"]) for u in truth["timeliness_unassessable"]}
    assert any(u["seeded_late"] for u in truth["timeliness_unassessable"])
    got = {(f.unit_id, f.entry_id, f.evidence["title"]) for f in findings
           if f.check == "timeliness" and f.rule not in ("late", "undated")}
    assert got == expected
    assert all(f.status != "defect" and f.points == 0 for f in findings if f.check == "timeliness"
               and f.rule not in ("late", "undated"))
    kept = next(h for h in truth["habits"] if h["habit"] == "late_without_written_date")["kept_late"]
    late = {f.evidence["title"] for f in findings if f.rule == "late"}
    assert set(kept) <= late, "文号 plus a dated signature is an anchor: still judged late"


def _items_by_title(demo_run) -> dict[str, Item]:
    factory = open_db(demo_run.db_url, migrate=False)
    with factory() as session:
        items = list(session.scalars(select(Item)))
        session.expunge_all()
    return {(i.title or i.list_title): i for i in items}


def test_reposts_carry_the_issuers_doc_no_and_date(demo_run, audit):
    truth, _, matches = audit
    items = _items_by_title(demo_run)
    accepted = {(m.unit_id, m.entry_id, m.item.title) for m in matches if m.decision == "accept"}
    for r in truth["reposts"]:
        item = items[r["title"]]
        assert item.doc_no == r["doc_no"], r
        assert item.written_date.isoformat() == r["written_date"], r
        assert (r["unit"], r["entry_id"], r["title"]) in accepted


def test_publisher_is_not_the_source_website(demo_run):
    """FAIR: 来源 naming a website (本网, 某市采购网) is not the 发布机构: publisher empty, source kept."""
    truth = json.loads((demo_run.out / "ground-truth.json").read_text(encoding="utf-8"))
    items = _items_by_title(demo_run)
    assert any(p["publisher"] is None for p in truth["publishers"])
    for p in truth["publishers"]:
        item = items[p["title"]]
        assert (item.publisher or None) == p["publisher"], (p, item.publisher)
        assert getattr(item, "source", None) == p["source"], (p, getattr(item, "source", None))


def test_bare_housing_names_are_attributed_to_the_project_row(audit):
    """Bare project names (翠湖花园 …) in a 保障性住房 column fulfil its project row, judged from title plus
    column (issue 13's labelling rule): each is accepted there, and for no other row."""
    truth, _, matches = audit
    names = {p["title"]: p["entry_id"] for p in truth["published"] if p.get("habit") == "housing_name"}
    assert len(names) == 4
    accepted = {(m.item.title, m.entry_id) for m in matches if m.decision in ("accept", "confirmed")
                and m.item.title in names}
    assert accepted == set(names.items())


def test_unit_without_domains_is_not_ranked_above_assessed_units(demo_run, audit, scheme):
    """FAIR: the 区政府办 holds no catalog domain: completeness 未评估, never ranked above assessed units."""
    truth, _, _ = audit
    from auditor.store.models import Score

    [expect] = truth["unassessed_units"]
    factory = open_db(demo_run.db_url, migrate=False)
    with factory() as session:
        overall = {s.unit_id: s for s in session.scalars(select(Score).where(
            Score.audit_run_id == _run_id(demo_run, scheme), Score.dimension.is_(None), Score.domain.is_(None)))}
        comp = session.scalar(select(Score).where(Score.audit_run_id == _run_id(demo_run, scheme),
                                                  Score.unit_id == expect["unit"], Score.dimension == "completeness",
                                                  Score.domain.is_(None)))
    zfb = overall[expect["unit"]]
    reg = yaml.safe_load(demo_run.registry.read_text(encoding="utf-8"))
    level = {u["id"]: u["level"] for u in reg["units"]}
    assessed = {u["id"] for u in reg["units"] if u["domains"]["lead"] or u["domains"]["share"]}
    peers = [s for u, s in overall.items() if u in assessed and s.rank is not None
             and level[u] == level[expect["unit"]]]
    assert peers
    assert zfb.rank is None or zfb.rank > max(s.rank for s in peers), (zfb.rank, [s.rank for s in peers])
    assert zfb.details.get("grade") != "优秀"
    assert comp is None or comp.details.get("status") in ("unassessed", "not_applicable"), comp and comp.details


def test_every_published_item_is_matched_to_its_entry(audit):
    truth, _, matches = audit
    accepted = {(m.unit_id, m.entry_id, m.item.title or m.item.list_title)
                for m in matches if m.decision in ("accept", "confirmed")}
    published = {(p["unit"], p["entry_id"], p["title"]) for p in truth["published"]}
    assert published - accepted == set(), "published items not matched"
    wrong = {(u, e, t) for (u, e, t) in accepted if (u, e, t) not in published}
    assert wrong == set(), "items matched to an entry they do not belong to"


def test_findings_carry_evidence_and_scores_trace_to_findings(demo_run, audit, scheme):
    _, findings, _ = audit
    for f in findings:
        if f.status == "defect":
            assert f.evidence, f.title
            assert f.fix, f.title
    from auditor.store.models import Score

    factory = open_db(demo_run.db_url, migrate=False)
    with factory() as session:
        overall = {s.unit_id: s for s in session.scalars(select(Score).where(
            Score.audit_run_id == _run_id(demo_run, scheme), Score.dimension.is_(None), Score.domain.is_(None)))}
    assert overall
    for unit_id, s in overall.items():
        if not s.details.get("scored", True):
            continue
        lost = sum(f.points for f in findings if f.unit_id == unit_id)
        bonus = s.details.get("bonus", 0.0)  # deductions schemes: final = deductions score + bonus
        assert s.score == pytest.approx(100 - lost + bonus, abs=0.05), unit_id
        assert s.details["scheme"] == scheme


def test_unreachable_site_fires_the_veto(demo_run, audit, scheme):
    """北岭镇's site never answers: 站点无法访问 is a 单项否决 under both schemes."""
    truth, findings, _ = audit
    down = {d["site"]: d["unit"] for d in truth["defects"] if d["type"] == "site_unreachable"}
    assert down == {"blz": "blz"}
    veto = [f for f in findings if f.rule == "site_unreachable"]
    assert [(f.site_id, f.unit_id, f.severity) for f in veto] == [("blz", "blz", "veto")]
    assert veto[0].evidence["share"] >= 0.05 and veto[0].evidence["probes_failed"] >= 1
    from auditor.store.models import AuditRun, Score

    factory = open_db(demo_run.db_url, migrate=False)
    run_id = _run_id(demo_run, scheme)
    with factory() as session:
        run = session.get(AuditRun, run_id)
        blz = session.scalar(select(Score).where(Score.audit_run_id == run_id, Score.unit_id == "blz",
                                                 Score.dimension.is_(None), Score.domain.is_(None)))
        others = list(session.scalars(select(Score).where(Score.audit_run_id == run_id, Score.unit_id != "blz",
                                                          Score.dimension.is_(None), Score.domain.is_(None))))
    assert run.summary["sites"]["blz"]["verdict"] == "不合格"
    assert run.summary["sites"]["portal"]["veto"] == []
    assert blz.details["grade"] == "不合格" and blz.details["veto"] == ["site_unreachable|blz"]
    assert all(not s.details["veto"] for s in others)
    if scheme == "guoban":
        assert blz.score == 0 and blz.details["verdict"] == "veto"
        assert all(s.details["verdict"] in ("pass", "fail") for s in others)
        # nothing else is a veto: no aggregate column red line is crossed in the sample
        assert {f.rule for f in findings if f.severity == "veto"} == {"site_unreachable"}


def test_rescore_history_and_versions(demo_run, audit, scheme):
    """Each run records catalog, rules and code versions; re-scoring keeps the earlier runs."""
    from auditor.store.models import AuditRun

    factory = open_db(demo_run.db_url, migrate=False)
    with factory() as session:
        run = session.get(AuditRun, _run_id(demo_run, scheme))
        assert run.status == "complete" and run.scheme == scheme
        assert run.rules_version.startswith(f"{scheme}@") and run.catalog_version and run.code_version
        assert session.get(AuditRun, demo_run.audit_run_id).status == "complete"


def test_demo_writes_reports(demo_run):
    assert (demo_run.out / "index.html").is_file()
    assert demo_run.xlsx.is_file()
    assert {"scores.csv", "findings.csv", "matches.csv"} <= {p.name for p in demo_run.out.glob("*.csv")}
    assert (demo_run.out / f"audit-run-{demo_run.audit_run_id}.json").is_file()
    from auditor.report.pdf import cjk_font_available

    if cjk_font_available():
        assert demo_run.pdf is not None and demo_run.pdf.read_bytes()[:5] == b"%PDF-"
    else:  # never a PDF with blank text: skipped with the reason (fonts-noto-cjk missing)
        assert demo_run.pdf is None and "fonts-noto-cjk" in demo_run.pdf_note
    assert demo_run.pages >= 2000
    assert {role for _, _, role, _ in demo_run.accounts} == {"admin", "evaluator", "staff"}

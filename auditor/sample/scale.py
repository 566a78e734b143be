"""The sample district scaled to a province: N units for benchmarking scoring and reports.

Crawling a generated 1,000-unit portal takes far longer than what it is meant to measure, so the bundled
sample is crawled once (as `auditor demo` does) and its units are then copied in the store: each copy is
another district (its own ids, names with another place name, URLs under another path) holding the same
catalog columns, items, column health, probes and link checks as the original. News and notice columns
(site health only) are not copied, so a copy holds only what its units publish — about 55 items a unit,
the density of the sample. The ground truth is copied with the units, so an audit of the scaled store
can be compared with it exactly (`defect_keys`, `finding_key`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from auditor.store.models import Base

PLACE = "云溪"  # the sample's place name; each copy replaces it in names and titles
# two-character place names for the copies (none equals 云溪): 10 × 10 = 100 districts, then three characters
FIRST = "青白东西南北金银玉石"
SECOND = "山水河湖林江岭川原泉"
NOT_COPIED_KINDS = ("news", "notice")  # site-health columns of the original sites stay with the original
# seeded defects that live on the news/notice columns that are not copied
SITE_COLUMN_DEFECTS = ("dead_link", "stale_column", "blank_column")
URL_COLUMNS = ("url", "canonical_url", "referrer", "base_url", "home_url", "final_url")


@dataclass(frozen=True)
class Copy:
    """One copy of the district: its number, suffix for ids and URL paths, and place name."""

    n: int

    @property
    def suffix(self) -> str:
        return f"c{self.n:03d}"

    @property
    def place(self) -> str:
        return place_name(self.n)

    def unit(self, unit_id: str) -> str:
        return f"{unit_id}-{self.suffix}"

    def url(self, url: str | None) -> str | None:
        """The same page of the copy: the path moves under /cNNN on the same host."""
        if not url:
            return url
        return re.sub(r"^([a-z]+://[^/]+)", lambda m: f"{m.group(1)}/{self.suffix}", url, count=1)

    def text(self, value: Any) -> Any:
        """Names and titles of the copy: the place name replaced, recursively in JSON values."""
        if isinstance(value, str):
            return value.replace(PLACE, self.place)
        if isinstance(value, list):
            return [self.text(v) for v in value]
        if isinstance(value, dict):
            return {k: self.text(v) for k, v in value.items()}
        return value


def place_name(n: int) -> str:
    """The n-th place name (n ≥ 1): 青山, 青水, … then three characters."""
    names = itertools.chain((a + b for a, b in itertools.product(FIRST, SECOND)),
                            (a + b + c for a, b, c in itertools.product(FIRST, SECOND, SECOND)))
    return next(itertools.islice(names, n - 1, None))


@dataclass
class ScaleResult:
    units: int
    copies: int
    items: int
    channels: int


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _rows(session: Session, name: str, where: Any = None) -> list[dict[str, Any]]:
    t = _table(name)
    stmt = select(t) if where is None else select(t).where(where(t))
    return [dict(r._mapping) for r in session.execute(stmt)]


def _stride(session: Session, name: str) -> int:
    return int(session.scalar(select(func.max(_table(name).c.id))) or 0) + 1


def _insert(session: Session, name: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_table(name).insert(), rows)


@dataclass
class _Originals:
    """The original district's rows that copies are made of, read once, and which units each row belongs to."""

    units: list[dict[str, Any]]  # sorted by id: the order copies take them in
    sites: list[dict[str, Any]]
    channels: list[dict[str, Any]]  # catalog columns only (news and notice columns stay with the original)
    listings: list[dict[str, Any]]
    items: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    health: list[dict[str, Any]]
    probes: list[dict[str, Any]]
    site_health: list[dict[str, Any]]
    links: list[dict[str, Any]]  # link checks of copied items and attachments
    strides: dict[str, int]  # table → id offset per copy (past every original id)
    item_units: dict[int, set[str]]  # item id → units listing it
    url_units: dict[str, set[str]]  # item URL → units listing it
    att_item: dict[str, int]  # attachment URL → its item id


def _read_originals(session: Session, units: list[dict[str, Any]]) -> _Originals:
    """Read every row a copy needs once, so each copy is written from memory."""
    channels = _rows(session, "channels", lambda t: t.c.column_kind.not_in(NOT_COPIED_KINDS))
    channel_ids = {c["id"] for c in channels}
    listings = _rows(session, "item_listings", lambda t: t.c.channel_id.in_(channel_ids))
    item_ids = {lst["item_id"] for lst in listings}
    items = _rows(session, "items", lambda t: t.c.id.in_(item_ids))
    attachments = _rows(session, "attachments", lambda t: t.c.item_id.in_(item_ids))
    item_urls = {i["canonical_url"] for i in items}
    att_urls = {a["url"] for a in attachments}
    links = [lc for lc in _rows(session, "link_checks")
             if lc["url"] in item_urls or lc["url"] in att_urls or lc["referrer"] in item_urls]
    strides = {name: _stride(session, name) for name in ("channels", "items", "item_listings", "attachments",
                                                        "column_health", "site_probes", "link_checks",
                                                        "site_health")}
    item_units: dict[int, set[str]] = {}
    unit_of_channel = {c["id"]: c["unit_id"] for c in channels}
    for lst in listings:
        item_units.setdefault(lst["item_id"], set()).add(unit_of_channel[lst["channel_id"]])
    url_units: dict[str, set[str]] = {}
    for i in items:
        url_units[i["canonical_url"]] = item_units.get(i["id"], set())
    return _Originals(
        units=units, sites=_rows(session, "sites"), channels=channels, listings=listings, items=items,
        attachments=attachments, health=_rows(session, "column_health", lambda t: t.c.channel_id.in_(channel_ids)),
        probes=_rows(session, "site_probes"), site_health=_rows(session, "site_health"), links=links,
        strides=strides, item_units=item_units, url_units=url_units,
        att_item={a["url"]: a["item_id"] for a in attachments})


def scale_store(session: Session, units: int) -> ScaleResult:
    """Copy the store's units until it holds `units` scored units; returns what was written.

    The store must hold one crawled sample district (one crawl run) and nothing copied yet."""
    originals = _rows(session, "units")
    originals.sort(key=lambda u: u["id"])
    if not originals:
        raise ValueError("the store holds no units: crawl the sample first")
    wanted = units - len(originals)
    if wanted <= 0:
        return ScaleResult(units=len(originals), copies=0, items=0, channels=0)
    src = _read_originals(session, originals)
    n_copies = -(-wanted // len(originals))
    written_items = written_channels = 0
    for n in range(1, n_copies + 1):
        keep = {u["id"] for u in originals[: min(len(originals), wanted - (n - 1) * len(originals))]}
        copied_items, copied_channels = _write_copy(session, src, Copy(n), keep)
        written_items += copied_items
        written_channels += copied_channels
    session.flush()
    total = session.scalar(select(func.count()).select_from(_table("units")))
    return ScaleResult(units=int(total or 0), copies=n_copies, items=written_items, channels=written_channels)


def _shift(row: dict[str, Any], cp: Copy, id_offset: int, **fixed: Any) -> dict[str, Any]:
    """The copy's row: URLs under the copy's path, the place renamed, the id past the originals', `fixed` set."""
    out = {k: (cp.url(v) if k in URL_COLUMNS else cp.text(v)) for k, v in row.items()}
    out["id"] = row["id"] + id_offset
    out.update(fixed)
    return out


def _write_copy(session: Session, src: _Originals, cp: Copy, keep: set[str]) -> tuple[int, int]:
    """Write one copy of the units in `keep` with everything they publish; returns (items, channels) written."""
    my_channels = [c for c in src.channels if c["unit_id"] in keep]
    my_sites = {s["id"] for s in src.sites if s["owner_unit_id"] in keep} | \
               {c["site_id"] for c in my_channels if c["site_id"]}
    site_id = {s: f"{s}-{cp.suffix}" for s in my_sites}
    my_items = [i for i in src.items if src.item_units.get(i["id"], set()) & keep]
    _write_units_and_sites(session, src, cp, keep, site_id)
    _write_columns(session, src, cp, site_id, my_channels, my_items)
    _write_site_checks(session, src, cp, keep, site_id, {i["id"] for i in my_items})
    return len(my_items), len(my_channels)


def _write_units_and_sites(session: Session, src: _Originals, cp: Copy, keep: set[str],
                           site_id: dict[str, str]) -> None:
    """The copied units (another district) and their sites (renamed, or prefixed with the copy's place)."""
    _insert(session, "units", [
        {**{k: cp.text(v) for k, v in u.items()}, "id": cp.unit(u["id"]),
         "district": f"{u['district']}-{cp.suffix}", "contact": cp.text(u["contact"])}
        for u in src.units if u["id"] in keep])
    _insert(session, "sites", [
        {**{k: (cp.url(v) if k in URL_COLUMNS else cp.text(v)) for k, v in s.items()}, "id": site_id[s["id"]],
         "name": cp.text(s["name"]) if PLACE in s["name"] else cp.place + "区" + s["name"],
         "owner_unit_id": cp.unit(s["owner_unit_id"]) if s["owner_unit_id"] in keep else None}
        for s in src.sites if s["id"] in site_id])


def _write_columns(session: Session, src: _Originals, cp: Copy, site_id: dict[str, str],
                   my_channels: list[dict[str, Any]], my_items: list[dict[str, Any]]) -> None:
    """The copied catalog columns with their items, listings, attachments and column health."""
    n, strides = cp.n, src.strides
    ch_ids = {c["id"] for c in my_channels}
    it_ids = {i["id"] for i in my_items}
    _insert(session, "channels", [
        _shift(c, cp, n * strides["channels"], unit_id=cp.unit(c["unit_id"]),
               site_id=site_id.get(c["site_id"], c["site_id"]))
        for c in my_channels])
    _insert(session, "items", [
        _shift(i, cp, n * strides["items"], site_id=site_id.get(i["site_id"], i["site_id"])) for i in my_items])
    _insert(session, "item_listings", [
        _shift(lst, cp, n * strides["item_listings"], item_id=lst["item_id"] + n * strides["items"],
               channel_id=lst["channel_id"] + n * strides["channels"])
        for lst in src.listings if lst["channel_id"] in ch_ids])
    _insert(session, "attachments", [
        _shift(a, cp, n * strides["attachments"], item_id=a["item_id"] + n * strides["items"])
        for a in src.attachments if a["item_id"] in it_ids])
    _insert(session, "column_health", [
        _shift(h, cp, n * strides["column_health"], channel_id=h["channel_id"] + n * strides["channels"])
        for h in src.health if h["channel_id"] in ch_ids])


def _write_site_checks(session: Session, src: _Originals, cp: Copy, keep: set[str], site_id: dict[str, str],
                       it_ids: set[int]) -> None:
    """The copied sites' probes and health, and the link checks of the copied pages and attachments."""
    n, strides = cp.n, src.strides
    _insert(session, "site_probes", [
        _shift(p, cp, n * strides["site_probes"], site_id=site_id[p["site_id"]])
        for p in src.probes if p["site_id"] in site_id])
    _insert(session, "site_health", [
        _shift(h, cp, n * strides["site_health"], site_id=site_id[h["site_id"]])
        for h in src.site_health if h["site_id"] in site_id])
    _insert(session, "link_checks", [
        _shift(lc, cp, n * strides["link_checks"], site_id=site_id.get(lc["site_id"], lc["site_id"]))
        for lc in src.links if _link_kept(lc, src, it_ids, keep)])


def _link_kept(lc: dict[str, Any], src: _Originals, it_ids: set[int], keep: set[str]) -> bool:
    """Whether a link check belongs to the copy: an attachment's goes with its item, a page's with its units."""
    page = lc["url"] if lc["kind"] == "detail" else lc["referrer"]
    if lc["kind"] != "detail" and lc["url"] in src.att_item:
        return src.att_item[lc["url"]] in it_ids
    return bool(src.url_units.get(page or "", set()) & keep)


def scale_truth(truth: dict[str, Any], unit_ids: Iterable[str], units: int,
                site_columns: Iterable[str] = ()) -> dict[str, Any]:
    """The ground truth of the scaled store: every record of a copied unit copied with it.

    `unit_ids`: the original units (the order scale_store copies them in is sorted by id);
    `site_columns`: keys of the news/notice columns, whose records are not copied."""
    originals = sorted(unit_ids)
    wanted = units - len(originals)
    not_copied = set(site_columns)
    out: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in truth.items()}
    if wanted <= 0:
        return out
    for n in range(1, -(-wanted // len(originals)) + 1):
        cp = Copy(n)
        keep = set(originals[: min(len(originals), wanted - (n - 1) * len(originals))])
        for key, records in truth.items():
            if not isinstance(records, list):
                continue
            for rec in records:
                if not isinstance(rec, dict) or rec.get("unit") not in keep:
                    continue
                if rec.get("type") in SITE_COLUMN_DEFECTS or rec.get("column") in not_copied:
                    continue
                copied = cp.text(rec)
                copied["unit"] = cp.unit(rec["unit"])
                if rec.get("site"):
                    copied["site"] = f"{rec['site']}-{cp.suffix}"
                out[key].append(copied)
    return out


def defect_keys(truth: dict[str, Any]) -> Counter:
    """The seeded defects as comparable keys (the same keys as `finding_key`)."""
    return Counter(_truth_key(d) for d in truth["defects"])


def _truth_key(d: dict[str, Any]) -> tuple:
    t = d["type"]
    keys: dict[str, Callable[[], tuple]] = {
        "missing": lambda: (t, d["unit"], d["entry_id"]),
        "late": lambda: (t, d["unit"], d["entry_id"], d["title"], d["days_late"]),
        "channel_gap": lambda: (t, d["unit"], d["entry_id"], tuple(d["channels_missing"])),
        "dead_link": lambda: (t, d["site"], d["title"]),
        "missing_attachment": lambda: (t, d["unit"], d["attachment"]),
        "blank_column": lambda: (t, d["site"], d["column_name"]),
        "stale_column": lambda: (t, d["site"], d["column_name"]),
        "site_unreachable": lambda: (t, d["site"]),
    }
    if t not in keys:
        raise ValueError(f"unknown seeded defect type {t!r}")
    return keys[t]()


def finding_key(rule: str, unit_id: str | None, site_id: str | None, entry_id: str | None,
                evidence: dict[str, Any], days_late: int | None, channels_missing: list[str], title: str) -> tuple:
    """A stored defect finding as the key of the seeded defect it stands for."""
    ev = evidence or {}
    if rule == "missing":
        return ("missing", unit_id, entry_id)
    if rule == "late":
        return ("late", unit_id, entry_id, ev.get("title"), days_late)
    if rule == "channel_gap":
        return ("channel_gap", unit_id, entry_id, tuple(channels_missing or ()))
    if rule == "dead_link":
        return ("dead_link", site_id, ev.get("title"))
    if rule == "missing_attachment":
        return ("missing_attachment", unit_id, ev.get("attachment"))
    if rule in ("blank_column", "stale_column"):
        return (rule, site_id, ev.get("column"))
    if rule == "site_unreachable":
        return ("site_unreachable", site_id)
    return (rule, unit_id, entry_id, title)


def compare(expected: Counter, found: Counter) -> tuple[int, int, Counter, Counter]:
    """(+X findings not seeded, -Y seeded defects not found, the extra keys, the missed keys)."""
    extra, missed = found - expected, expected - found
    return sum(extra.values()), sum(missed.values()), extra, missed


def write_truth(truth: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@dataclass
class ScaledSample:
    db_url: str
    truth_path: Path
    registry: Path
    result: ScaleResult
    crawl_seconds: float
    scale_seconds: float


def build_scaled_sample(out: Path, units: int = 1000) -> ScaledSample:
    """Crawl the bundled sample into out/audit.db once, then copy its units up to `units`; writes
    out/ground-truth.json (scaled). The registry written is the original sample's (the copies exist only in
    the store: there is nothing to crawl for them)."""
    import time

    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.sample.generate import build_sample
    from auditor.sample.registry import write_registry
    from auditor.sample.server import SamplePortal
    from auditor.stages import crawl, load_registry_for
    from auditor.store.db import open_db, resolve_db_url

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("audit.db", "audit.db-wal", "audit.db-shm"):
        (out / stale).unlink(missing_ok=True)
    catalog = load_catalog()
    sample = build_sample(catalog, WorkingCalendar())
    db_url = resolve_db_url(str(out / "audit.db"))
    factory = open_db(db_url)
    t0 = time.monotonic()
    with SamplePortal(sample.plan) as portal:
        registry_path = write_registry(sample, portal, out / "registry.yaml")
        registry = load_registry_for(registry_path, catalog)
        crawl(factory, db_url, registry, str(registry_path), settings={"AUDITOR_HOST_RATE": 1000.0})
    t1 = time.monotonic()
    with factory() as session:
        result = scale_store(session, units)
        session.commit()
    t2 = time.monotonic()
    truth = scale_truth(sample.truth.to_json(), [u.id for u in sample.units], units,
                        [c["key"] for cols in sample.spec["site_columns"].values() for c in cols])
    path = write_truth(truth, out / "ground-truth.json")
    return ScaledSample(db_url=db_url, truth_path=path, registry=registry_path, result=result,
                        crawl_seconds=t1 - t0, scale_seconds=t2 - t1)

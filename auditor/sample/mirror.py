"""A saved copy of one sample site, as HTTrack (or `wget -m -k`) leaves it, plus the same copy as a WARC.

Evaluators freeze a portal this way and audit the copy (`auditor crawl --replay HOST=PATH`). A real copy
is never whole: the mirroring tool missed pages (depth limits, script pagers, timeouts). What it saved is
linked relatively; what it did not save keeps its absolute link on the original host. The audit must treat
what the copy lacks as "not archived" (unverified), never as missing or dead.

`write_httrack_copy(site, out_dir, host=…, missing=[…])` writes `out_dir/<host>/…` (one file per page,
`/` saved as `index.html`) with links rewritten that way, and returns that folder (the PATH to replay).
`write_warc(site, path, host=…, missing=[…])` writes the same saved pages as WARC response records.
`copy_truth(sample, site_key, missing)` says what an audit of the copy must find: the entries seen through
the saved list pages, the entries that are unverified because a list page was not archived, and the items
listed whose detail page was not archived (listed, so found by title, but not fetched: not dead links).
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from auditor.sample.plan import PlanSite
from auditor.sample.render import RenderedSite, norm_target, render_site

_LINK = re.compile(r"""(?P<attr>\b(?:href|src))\s*=\s*(?P<q>["'])(?P<url>[^"'<>]*)(?P=q)""", re.I)
_SKIP = ("javascript:", "mailto:", "#", "data:", "tel:")


def _file_path(target: str) -> str:
    """Where HTTrack saves a path-only URL: directories become index.html."""
    path = urlsplit(target).path or "/"
    if urlsplit(target).query:
        raise ValueError(f"{target}: pages with a query string are saved under hashed names by HTTrack; "
                         "the copy writer handles path-only sites (style static_paging)")
    return path + "index.html" if path.endswith("/") else path


def saved_targets(rendered: RenderedSite, missing: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """Normalised target -> file path (site-relative) of every page the copy holds."""
    gone = {norm_target(_file_path(m)) for m in missing}
    out: dict[str, str] = {}
    for target, page in rendered.pages.items():
        if page.status != 200 or "?" in target:
            continue
        path = _file_path(target)
        if norm_target(path) in gone or target in gone:
            continue
        out[target] = path
    return out


def _rewrite(html: str, page_path: str, origin: str, saved_paths: set[str]) -> str:
    """Links to saved pages relative to this file; links to unsaved pages absolute on the original host."""
    base = origin + page_path

    def repl(m: re.Match) -> str:
        url = m.group("url").strip()
        if not url or url.lower().startswith(_SKIP):
            return m.group(0)
        target = urljoin(base, url)
        parts = urlsplit(target)
        if f"{parts.scheme}://{parts.netloc}" != origin or parts.query:
            return m.group(0)  # another host (or a query page): left as the page had it
        path = _file_path(parts.path or "/")
        if norm_target(path) in saved_paths:
            rel = posixpath.relpath(path, posixpath.dirname(page_path) or "/")
            return f'{m.group("attr")}={m.group("q")}{rel}{m.group("q")}'
        return f'{m.group("attr")}={m.group("q")}{origin}{path if path != "/index.html" else "/"}{m.group("q")}'

    return _LINK.sub(repl, html)


def write_httrack_copy(site: PlanSite, out_dir: Path, *, host: str, missing: list[str] | tuple[str, ...] = (),
                       rendered: RenderedSite | None = None) -> Path:
    """Write the site as HTTrack saves it under `out_dir/<host>`; returns that folder (the PATH to replay)."""
    rendered = rendered or render_site(site)
    origin = f"http://{host}"
    saved = saved_targets(rendered, missing)
    saved_paths = {norm_target(p) for p in saved.values()}
    root = Path(out_dir) / host
    for target, path in saved.items():
        page = rendered.pages[target]
        dest = root / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if page.content_type.startswith("text/html"):
            text = page.body.decode(site.encoding)
            dest.write_bytes(_rewrite(text, path, origin, saved_paths).encode(site.encoding, "xmlcharrefreplace"))
        else:
            dest.write_bytes(page.body)
        stamp = page.last_modified.timestamp()
        os.utime(dest, (stamp, stamp))
    (Path(out_dir) / "index.html").write_text(  # HTTrack's project page, beside the host folder
        f'<html><head><meta charset="utf-8"><title>HTTrack copy of {host}</title></head>'
        f'<body><a href="{host}/index.html">{site.name}</a></body></html>\n', encoding="utf-8")
    return root


def write_warc(site: PlanSite, path: Path, *, host: str, missing: list[str] | tuple[str, ...] = (),
               rendered: RenderedSite | None = None) -> Path:
    """The same saved pages as WARC response records (original URLs, bodies as served)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rendered = rendered or render_site(site)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.suffix == ".gz")
        for target in sorted(saved_targets(rendered, missing)):
            page = rendered.pages[target]
            headers = StatusAndHeaders("200 OK", [("Content-Type", page.content_type),
                                                  ("Content-Length", str(len(page.body))),
                                                  ("Last-Modified", page.last_modified_http)],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(f"http://{host}{target}", "response", payload=BytesIO(page.body),
                                               http_headers=headers)
            writer.write_record(record)
    return path


# ------------------------------------------------------------------------------------ ground truth

@dataclass
class CopyTruth:
    """What an audit of the copy must find (see module docstring)."""

    site: str
    host: str
    found: list[dict[str, Any]]  # unit, entry_id, title: seen through saved list pages
    unverified: list[dict[str, Any]]  # unit, entry_id, column, reason "not archived"
    details_not_archived: list[dict[str, Any]]  # title, url: listed on a saved list page, detail not saved
    columns: list[dict[str, Any]]  # site, column, url, coverage (complete | partial), pages_missing
    # unit, entry_id, title: found by list title only, so no 成文日期 to judge timeliness from
    timeliness_unassessable: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"site": self.site, "host": self.host, "found": self.found, "unverified": self.unverified,
                "details_not_archived": self.details_not_archived, "columns": self.columns,
                "timeliness_unassessable": self.timeliness_unassessable}


def default_missing(sample, site_key: str) -> list[str]:
    """The pages a realistic copy lacks: page 2 of the catalog column, and two detail pages of its page 1."""
    site = sample.plan.site(site_key)
    rendered = render_site(site)
    col = next(c for c in site.columns if c.kind == "catalog" and len(rendered.list_urls(c.key)) > 1)
    first = col.visible_items(site.page_size)[: site.page_size]
    return [rendered.list_urls(col.key)[1]] + [rendered.item_url(col.key, it.uid) for it in first[1:3]]


def copy_truth(sample, site_key: str, host: str, missing: list[str]) -> CopyTruth:
    """Entries found and unverified when the site is audited through a copy lacking `missing`."""
    from auditor.catalog.loader import load_catalog
    from auditor.sample.generate import _applicable

    site = sample.plan.site(site_key)
    rendered = render_site(site)
    saved = set(saved_targets(rendered, missing))
    gone = {norm_target(m) for m in missing}
    per = site.page_size
    from auditor.checks.deadlines import deadline_for

    found, unverified, not_archived, columns, unassessable = [], [], [], [], []
    catalog = load_catalog()
    for col in site.columns:
        lists = rendered.list_urls(col.key)
        readable = [k for k, url in enumerate(lists) if norm_target(url) in saved]
        partial = len(readable) < len(lists)
        columns.append({"site": site_key, "column": col.key, "url": f"http://{host}{lists[0]}",
                        "coverage": "partial" if partial else "complete",
                        "pages_missing": [f"http://{host}{u}" for u in lists if norm_target(u) not in saved]})
        seen_items = [it for k in readable for it in col.items[k * per:(k + 1) * per]]
        for it in seen_items:
            url = rendered.item_url(col.key, it.uid)
            if norm_target(url) in gone:
                not_archived.append({"column": col.key, "title": it.title, "url": f"http://{host}{url}"})
        if col.kind != "catalog":
            continue
        unit = next(u for u in sample.units if col.key.startswith(u.id + "_"))
        seen_entries = set()
        entries = {e.id: e for e in _applicable(catalog, unit)}
        for it in seen_items:
            entry_id = sample.item_entries.get((unit.id, it.title))
            if entry_id:
                seen_entries.add(entry_id)
                found.append({"unit": unit.id, "entry_id": entry_id, "title": it.title})
                rule = deadline_for(entries[entry_id], it.title)
                if (norm_target(rendered.item_url(col.key, it.uid)) in gone and rule.has_deadline
                        and rule.kind == "deadline_after"):
                    unassessable.append({"unit": unit.id, "entry_id": entry_id, "title": it.title})
        if partial:
            for entry in entries.values():
                if entry.domain == col.name and entry.id not in seen_entries:
                    unverified.append({"unit": unit.id, "entry_id": entry.id, "column": col.key,
                                       "reason": "not archived"})
    return CopyTruth(site_key, host, found, unverified, not_archived, columns, unassessable)


def copy_registry(sample, site_key: str, host: str) -> dict[str, Any]:
    """The registry a user writes to audit the copy: the site on its original host, and its units."""
    from auditor.sample.registry import build_registry

    site = sample.plan.site(site_key)
    return build_registry(sample, {site_key: f"http://{host}"}, {site_key: render_site(site)},
                          lambda key: "", only_sites={site_key})

"""Audit a saved copy of a site as if it were live: `auditor crawl --replay HOST=PATH`.

Evaluators freeze sites (HTTrack, `wget -m`, WARC) so their results can be defended later. This
downloader middleware answers every request for HOST from the copy; the rest of the crawl (adapters,
extraction, coverage, scoring) is the same code as a live crawl. A page the copy lacks raises
`NotArchived`: the crawler records it as "not archived" — unverified, never a dead link and never
missing content.

Folder copies: `PATH/HOST/path` or `PATH/path` (PATH may be the host folder itself); a directory URL is
its index.html; query strings as wget writes them (`page.php?id=1`, `page.php@id=1`, with or without
`.html` appended); HTTrack's own URL → file map in `hts-cache/new.txt` when present. WARC copies
(`.warc`, `.warc.gz`) are indexed by target URI once and read record by record (warcio).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response

from auditor.errors import AuditorError

INDEX_FILES = ("index.html", "index.htm", "index.shtml", "default.html", "default.htm")


class NotArchived(IgnoreRequest):
    """The saved copy has no page for this URL (the site itself was never asked)."""


@dataclass(frozen=True)
class ReplaySource:
    """One `--replay HOST=PATH` option: which host is answered from which saved copy."""

    host: str
    path: Path

    @property
    def kind(self) -> str:
        return "warc" if self.path.is_file() else "folder"

    def as_json(self) -> dict[str, str]:
        return {"host": self.host, "path": str(self.path), "kind": self.kind}


def parse_replay_option(value: str) -> ReplaySource:
    """`HOST=PATH` → ReplaySource, with one clear message when it is not usable."""
    host, sep, path = value.partition("=")
    host = host.strip().lower()
    if not sep or not host or not path.strip():
        raise AuditorError(f"--replay {value!r}: expected HOST=PATH", where="--replay",
                           hint="e.g. --replay www.example.gov.cn=/data/mirror (an HTTrack/wget folder or a WARC file)")
    if "/" in host or any(c.isspace() for c in host):
        raise AuditorError(f"--replay {value!r}: {host!r} is not a host name", where="--replay",
                           hint="give the host as it appears in the site's URLs, e.g. www.example.gov.cn")
    target = Path(path.strip()).expanduser().resolve()
    if not target.exists():
        raise AuditorError(f"--replay {value!r}: no saved copy at {target}", where=str(target),
                           hint="give the folder HTTrack/wget wrote, or a .warc/.warc.gz file")
    if target.is_file() and not target.name.lower().endswith((".warc", ".warc.gz")):
        raise AuditorError(f"--replay {value!r}: {target.name} is not a WARC file", where=str(target),
                           hint="a saved copy is a folder (HTTrack/wget) or a .warc/.warc.gz file")
    return ReplaySource(host, target)


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


class FolderCopy:
    """A copy saved by HTTrack or wget: the URL path mirrored as folders under the host's folder."""

    def __init__(self, host: str, root: Path) -> None:
        self.base = root.resolve()
        self.root = root / host if (root / host).is_dir() else root
        self.cache_map = self._httrack_map(root)

    def _inside(self, path: Path) -> bool:
        """Only files of the copy are served (no `..`, no symlink out of it)."""
        try:
            path.resolve().relative_to(self.base)
            return True
        except (ValueError, OSError):
            return False

    @staticmethod
    def _httrack_map(root: Path) -> dict[str, Path]:
        """HTTrack's log of what it saved: URL → local file (hts-cache/new.txt), when it is there."""
        found: dict[str, Path] = {}
        for log in (root / "hts-cache" / "new.txt", root.parent / "hts-cache" / "new.txt"):
            if not log.is_file():
                continue
            for line in log.read_text("utf-8", errors="replace").splitlines():
                cells = line.split("\t")
                for i, cell in enumerate(cells[:-1]):
                    if cell.startswith(("http://", "https://")) and cells[i + 1].strip():
                        local = Path(cells[i + 1].strip())
                        found[cell] = local if local.is_absolute() else root / local
                        break
        return found

    def candidates(self, url: str) -> Iterable[Path]:
        parts = urlsplit(url)
        rel = unquote(parts.path).lstrip("/")
        if ".." in Path(rel).parts:
            return
        base = self.root / rel
        if not rel or rel.endswith("/"):
            for name in INDEX_FILES:
                yield base / name
            return
        if parts.query:
            for sep in ("?", "@"):
                yield base.with_name(f"{base.name}{sep}{parts.query}")
                yield base.with_name(f"{base.name}{sep}{parts.query}.html")
            return
        yield base
        yield base.with_name(base.name + ".html")
        for name in INDEX_FILES:
            yield base / name

    def lookup(self, url: str) -> tuple[int, dict[str, str], bytes] | None:
        mapped = self.cache_map.get(url)
        paths = [mapped] if mapped else []
        for path in [*paths, *self.candidates(url)]:
            try:
                if path.is_file() and self._inside(path):
                    ctype = mimetypes.guess_type(path.name)[0] or "text/html"
                    return 200, {"Content-Type": ctype}, path.read_bytes()
            except OSError:
                continue
        return None


class WarcCopy:
    """A WARC file: response records indexed by target URI (offsets only; bodies read on demand)."""

    def __init__(self, path: Path) -> None:
        from warcio.archiveiterator import ArchiveIterator

        self.path = path
        self.offsets: dict[str, int] = {}
        with open(path, "rb") as f:
            records = ArchiveIterator(f)
            for record in records:
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    self.offsets.setdefault(uri, records.get_record_offset())

    def lookup(self, url: str) -> tuple[int, dict[str, str], bytes] | None:
        from warcio.archiveiterator import ArchiveIterator

        offset = self.offsets.get(url)
        if offset is None:
            return None
        with open(self.path, "rb") as f:
            f.seek(offset)
            record = next(iter(ArchiveIterator(f)))
            status = int((record.http_headers.get_statuscode() or "200") if record.http_headers else 200)
            headers = {k: v for k, v in (record.http_headers.headers if record.http_headers else [])
                       if k.lower() in ("content-type", "last-modified", "etag", "location")}
            return status, headers, record.content_stream().read()


class ReplayMiddleware:
    """Downloader middleware: requests for a replayed host never leave the machine."""

    def __init__(self, sources: list[ReplaySource]) -> None:
        self.copies = {s.host: (WarcCopy(s.path) if s.kind == "warc" else FolderCopy(s.host, s.path))
                       for s in sources}

    @classmethod
    def from_crawler(cls, crawler):
        raw = crawler.settings.get("AUDITOR_REPLAY") or "[]"
        specs = json.loads(raw) if isinstance(raw, str) else raw
        if not specs:
            raise NotConfigured("no saved copies to replay")
        return cls([ReplaySource(s["host"], Path(s["path"])) for s in specs])

    def process_request(self, request, spider=None) -> Response | None:
        copy = self.copies.get(_host_of(request.url))
        if copy is None:
            return None
        found = copy.lookup(request.url) if request.method in ("GET", "HEAD") else None
        if found is None:
            if urlsplit(request.url).path == "/robots.txt":
                return Response(request.url, status=404, request=request)  # no robots.txt saved: none applies
            raise NotArchived(f"not archived: the saved copy of {_host_of(request.url)} has no {request.url}")
        status, headers, body = found
        if request.method == "HEAD":
            body = b""
        cls = HtmlResponse if "html" in headers.get("Content-Type", "") else Response
        return cls(request.url, status=status, headers={**headers, "X-Auditor-Replay": "1"}, body=body,
                   request=request)

"""Answer requests for chosen hosts from a saved copy of the site (HTTrack/wget folder) instead of the network.

Stand-in for the project's replay middleware (auditor/harvest/replay.py, being written on another
branch): same option shape, `--replay HOST=PATH`. A page the copy lacks answers 404 with
`X-Replay: not-archived`, so discovery lists it as unread rather than as a dead link.
"""

from __future__ import annotations

import json
import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response


def parse_replay_option(values: list[str] | None) -> dict[str, str]:
    """['www.x.gov.cn=/saved/x'] → {'www.x.gov.cn': '/saved/x'}; ValueError names the bad value."""
    out: dict[str, str] = {}
    for value in values or []:
        host, sep, path = value.partition("=")
        if not sep or not host.strip() or not path.strip():
            raise ValueError(f"--replay {value!r}: expected HOST=PATH (e.g. www.example.gov.cn=./saved-site)")
        if not Path(path).is_dir():
            raise ValueError(f"--replay {value!r}: {path} is not a folder")
        out[host.strip().lower()] = str(Path(path).resolve())
    return out


def saved_file(folder: Path, host: str, url: str) -> Path | None:
    """The file of a saved copy that holds `url`: FOLDER/path, FOLDER/host/path, …/index.html."""
    parts = urlsplit(url)
    path = unquote(parts.path or "/").lstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    bases = [folder, folder / host]
    names = [path + query, path] if query else [path]
    for base in bases:
        for name in names:
            candidate = base / name
            if name == "" or name.endswith("/"):
                candidate = candidate / "index.html"
            for option in (candidate, candidate / "index.html", candidate.with_name(candidate.name + ".html")):
                inside = os.path.abspath(option).startswith(os.path.abspath(folder) + os.sep)  # no ../ escape
                if inside and option.is_file():
                    return option
    return None


class FolderReplayMiddleware:
    """Downloader middleware: requests to a replayed host are answered from its folder."""

    def __init__(self, hosts: dict[str, str]) -> None:
        self.hosts = {h: Path(p) for h, p in hosts.items()}

    @classmethod
    def from_crawler(cls, crawler) -> "FolderReplayMiddleware":  # noqa: ANN001
        hosts = json.loads(crawler.settings.get("AUDITOR_REPLAY") or "{}")
        if not hosts:
            raise NotConfigured("no --replay hosts")
        return cls(hosts)

    def process_request(self, request, spider=None) -> Response | None:  # noqa: ANN001
        host = urlsplit(request.url).netloc.lower()
        folder = self.hosts.get(host)
        if folder is None:
            return None
        found = saved_file(folder, host, request.url)
        if found is None:
            return HtmlResponse(request.url, status=404, body=b"", request=request,
                                headers={"X-Replay": "not-archived"})
        body = found.read_bytes()
        ctype = mimetypes.guess_type(found.name)[0] or "text/html"
        if found.suffix.lower() in (".html", ".htm", ".shtml", "") or "?" in found.name:
            ctype = "text/html"
        return HtmlResponse(request.url, status=200, body=body, request=request,
                            headers={"Content-Type": ctype, "X-Replay": "archived"})

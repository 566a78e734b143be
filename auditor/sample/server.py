"""Serve the sample district from 127.0.0.1 so a whole audit runs with no government site.

One ThreadingHTTPServer per site (own port = own origin, as real sites have) and one for the
feeds. Unreachable sites get a port nobody listens on, so crawlers see "connection refused".
Answers carry Last-Modified and an ETag (hash of the body) and honour conditional requests,
because incremental crawls depend on them.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from auditor.sample.plan import DistrictPlan, PlanSite
from auditor.sample.render import Page, RenderedSite, norm_target, render_feed, render_site
from auditor.sample.render.common import EPOCH

Resolver = Callable[[str, str, dict[str, str] | None], Page]
FEEDS = "feeds"


def _free_port() -> int:
    """A port that was free a moment ago and that nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _not_modified(page: Page, headers) -> bool:
    tags = headers.get("If-None-Match")
    if tags is not None:
        return tags.strip() == "*" or page.etag in [t.strip() for t in tags.split(",")]
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return page.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _handler(key: str, resolve: Resolver, log: Callable[[tuple], None],
             redirect: Callable[[str, str], str | None] = lambda key, path: None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SampleCMS/1.0"
        timeout = 30
        # headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK
        # add ~40 ms to every keep-alive response on loopback
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:
            return

        def _answer(self, method: str, form: dict[str, str] | None = None) -> None:
            target = redirect(key, self.path)
            if target is not None:
                log((key, method, self.path, 302))
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            page = resolve(self.path, method, form)
            status = page.status
            if status == 200 and method != "POST" and _not_modified(page, self.headers):
                status = 304
            log((key, method, self.path, status))
            self.send_response(status)
            self.send_header("Last-Modified", page.last_modified_http)
            self.send_header("ETag", page.etag)
            if status == 304:
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(page.body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_HEAD(self) -> None:
            self._answer("HEAD")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
            self._answer("POST", form)

    return Handler


class _FeedSite:
    """The feeds origin: every feed document and post page, rendered with absolute URLs."""

    def __init__(self, plan: DistrictPlan, base_url: str) -> None:
        self.pages: dict[str, Page] = {
            "/robots.txt": Page(200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n",
                                EPOCH)}
        self.feed_paths: dict[str, str] = {}
        for feed in plan.feeds:
            pages, path = render_feed(feed, base_url)
            self.feed_paths[feed.key] = path
            self.pages.update({norm_target(k): v for k, v in pages.items()})
        self._missing = Page(404, "text/html; charset=utf-8",
                             "<html><body><h1>404 页面不存在</h1></body></html>".encode(), EPOCH)

    def resolve(self, target: str, method: str = "GET", form=None) -> Page:
        if method == "POST":
            return Page(405, "text/plain; charset=utf-8", b"405", EPOCH)
        key = norm_target(target)
        return self.pages.get(key) or self.pages.get(key.split("?", 1)[0]) or self._missing


class SamplePortal:
    """All sample sites on 127.0.0.1; `start()` returns site key → base URL (plus "feeds")."""

    def __init__(self, plan: DistrictPlan, *, base_port: int = 0) -> None:
        self.plan = plan
        self.base_port = base_port  # 0: any free ports; else sites on base_port, base_port+1, … in plan order
        self.sites: dict[str, RenderedSite] = {}
        self.feeds: _FeedSite | None = None
        self.urls: dict[str, str] = {}
        self.request_log: list[tuple[str, str, str, int]] = []
        self.redirects: dict[tuple[str, str], str] = {}  # (site key, path) -> Location of a 302
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    def _log(self, entry: tuple) -> None:
        with self._lock:
            self.request_log.append(entry)

    def _port(self) -> int:
        return self.base_port + len(self._servers) if self.base_port else 0

    def _serve(self, key: str, resolve: Resolver) -> str:
        try:
            server = self._bind(key, resolve)
        except OSError as exc:
            from auditor.errors import AuditorError
            raise AuditorError(f"cannot listen on 127.0.0.1:{self._port()} ({exc.strerror})",
                               hint="choose another --port (the sample needs one port per site)") from None
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name=f"sample-{key}", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def _bind(self, key: str, resolve: Resolver) -> ThreadingHTTPServer:
        return ThreadingHTTPServer(("127.0.0.1", self._port()),
                                  _handler(key, resolve, self._log, lambda k, p: self.redirects.get((k, p))))

    def start(self) -> dict[str, str]:
        if self._servers:
            return dict(self.urls)
        urls: dict[str, str] = {}
        for site in self.plan.sites:
            if not site.unreachable:
                self.sites[site.key] = render_site(site)
                urls[site.key] = self._serve(site.key, self._resolver(site.key))
        holder: dict[str, _FeedSite] = {}
        base = self._serve(FEEDS, lambda t, m, f: holder[FEEDS].resolve(t, m, f))
        holder[FEEDS] = self.feeds = _FeedSite(self.plan, base)
        # dead ports last, so none of our own servers can be handed a port we promised dead
        dead = {s.key: f"http://127.0.0.1:{_free_port()}" for s in self.plan.sites if s.unreachable}
        self.urls = {s.key: urls.get(s.key) or dead[s.key] for s in self.plan.sites}
        self.urls[FEEDS] = base
        return dict(self.urls)

    def _resolver(self, key: str) -> Resolver:
        return lambda target, method, form: self.sites[key].resolve(target, method, form)

    def replace_site(self, site: PlanSite) -> None:
        """Serve a new version of a running site (same origin): what a re-crawl sees after edits."""
        assert site.key in self.sites, f"site {site.key!r} is not served"
        self.sites[site.key] = render_site(site)

    def clear_log(self) -> None:
        with self._lock:
            self.request_log.clear()

    def feed_url(self, feed_key: str) -> str:
        """Absolute URL of a feed document (after start())."""
        assert self.feeds is not None, "start() the portal first"
        return self.urls[FEEDS] + self.feeds.feed_paths[feed_key]

    def requests_for(self, site_key: str) -> list[tuple[str, str, str, int]]:
        with self._lock:
            return [e for e in self.request_log if e[0] == site_key]

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SamplePortal:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

"""A fault-injecting mode of the sample portal: the sample district as a badly behaved real site.

Every decision is a hash of (seed, site, method, target, form), so a run is reproducible. Three
categories, counted apart because they are expected to end differently:

* **transient** — ``5xx`` (500/502/503/504), ``slow`` (an answer later than the crawl's
  DOWNLOAD_TIMEOUT), ``reset`` (TCP RST before any answer), ``truncated`` (Content-Length
  promises more than is sent). Injected only on the *first* request of a target, so the crawler's
  retries recover: the crawl must lose and duplicate nothing, and the faults show only as retries
  in the crawl stats.
* **permanent** — ``redirect_loop`` (302 to a fresh URL forever) and ``oversize`` (a 50 MB answer,
  above DOWNLOAD_MAXSIZE), on every request of the targets chosen with ``permanent_targets``
  (list pages of catalog columns). No retry helps: the column is recorded as failed and its
  entries become 'unverified', never 'missing'.
* **content** — ``wrong_charset``: HTML answered with a Content-Type charset that lies about the
  bytes (UTF-8 labelled gb2312, GBK labelled utf-8), on every request. The decoder must cope.

``/robots.txt`` is never faulted: its failures are invisible in crawl health by design.
"""

from __future__ import annotations

import hashlib
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

from auditor.sample.plan import DistrictPlan
from auditor.sample.render import Page, norm_target
from auditor.sample.server import Resolver, SamplePortal, _handler

TRANSIENT = ("5xx", "slow", "reset", "truncated")
PERMANENT = ("redirect_loop", "oversize")
CONTENT = ("wrong_charset",)
LOOP_PARAM = "__loop"
STATUSES_5XX = (500, 502, 503, 504)
OVERSIZE_BYTES = 50 * 1024 * 1024


@dataclass
class FaultConfig:
    seed: int = 9
    transient_rate: float = 0.06  # share of targets whose first request fails
    transient_kinds: tuple[str, ...] = TRANSIENT
    slow_seconds: float = 4.0  # must exceed the crawl's DOWNLOAD_TIMEOUT
    charset_rate: float = 0.05  # share of HTML targets answered with a lying charset
    oversize_bytes: int = OVERSIZE_BYTES
    # absolute URLs (as in the registry) → permanent fault kind; see permanent_targets()
    permanent: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InjectedFault:
    kind: str
    category: str  # transient | permanent | content
    site: str
    method: str
    target: str


def _unit_interval(*parts: str) -> float:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def _strip_loop(target: str) -> tuple[str, int]:
    """The target without our redirect-loop parameter, and the hop number it carried."""
    parts = urlsplit(target)
    m = re.search(rf"(?:^|&){LOOP_PARAM}=(\d+)", parts.query)
    if not m:
        return target, 0
    query = re.sub(rf"(?:^|&){LOOP_PARAM}=\d+", "", parts.query).lstrip("&")
    return parts.path + (f"?{query}" if query else ""), int(m.group(1))


def permanent_targets(registry: dict, *, seed: int, count: int = 2, kinds: tuple[str, ...] = PERMANENT,
                      live: set[str] | None = None) -> dict[str, str]:
    """Pick `count` catalog-column URLs of units (not shared by several units) for permanent faults.

    `registry` is the registry dict (auditor.sample.registry.registry_dict); `live` the base URLs
    that answer (a column of an unreachable site cannot be faulted). Kinds are assigned in turn, so
    with count ≥ len(kinds) every permanent kind is exercised.
    """
    owners: Counter[str] = Counter()
    for unit in registry["units"]:
        for ch in unit.get("channels", []):
            for col in ch.get("columns", []) if ch.get("type") == "website" else []:
                if col.get("kind", "catalog") == "catalog":
                    owners[col["url"]] += 1
    # hash the path only: the portal's ports change from run to run, the choice must not
    candidates = sorted((u for u, n in owners.items()
                         if n == 1 and (live is None or any(u.startswith(b + "/") for b in live))),
                        key=lambda u: (_unit_interval(str(seed), "permanent", urlsplit(u).path), u))
    return {url: kinds[i % len(kinds)] for i, url in enumerate(candidates[:count])}


class FaultPortal(SamplePortal):
    """SamplePortal whose servers misbehave as configured; `faults` lists what was injected."""

    def __init__(self, plan: DistrictPlan, config: FaultConfig | None = None) -> None:
        super().__init__(plan)
        self.config = config or FaultConfig()
        self.faults: list[InjectedFault] = []
        self.requests = 0
        self._seen: set[tuple] = set()
        self._flock = threading.Lock()

    # ------------------------------------------------------------------ accounting
    def counts(self) -> dict[str, int]:
        """Requests served, and faults injected by kind and category.

        A permanent fault counts once per target (a redirect loop answers ~20 hops of one request);
        `permanent_hits` counts every answer it gave.
        """
        with self._flock:
            distinct = list({(f.kind, f.category, f.site, f.method, _strip_loop(f.target)[0]) if
                             f.category == "permanent" else (f.kind, f.category, f.site, f.method, f.target, i)
                             for i, f in enumerate(self.faults)})
            c = Counter(d[0] for d in distinct)
            c.update(f"category:{d[1]}" for d in distinct)
            return {"requests": self.requests, "faults": len(distinct),
                    "permanent_hits": sum(f.category == "permanent" for f in self.faults), **dict(sorted(c.items()))}

    def _record(self, fault: InjectedFault) -> None:
        with self._flock:
            self.faults.append(fault)

    def set_permanent(self, targets: dict[str, str]) -> None:
        self.config.permanent = dict(targets)

    def choose_permanent(self, registry: dict, count: int = 2) -> dict[str, str]:
        """Pick and set `count` permanent-fault columns among the sites this portal really serves."""
        live = {self.urls[k] for k in self.sites}
        self.set_permanent(permanent_targets(registry, seed=self.config.seed, count=count, live=live))
        return dict(self.config.permanent)

    def _permanent_kind(self, key: str, target: str) -> str | None:
        if not self.config.permanent:
            return None
        base = self.urls.get(key, "")
        path = norm_target(target)
        for url, kind in self.config.permanent.items():
            if url.startswith(base + "/") and norm_target(url[len(base):]) == path:
                return kind
        return None

    def decide(self, key: str, method: str, target: str, form: dict[str, str] | None) -> tuple[str, str] | None:
        """(kind, category) of the fault for this request, or None to answer normally."""
        with self._flock:
            self.requests += 1
        clean, hop = _strip_loop(target)
        if norm_target(clean) == "/robots.txt":
            return None
        permanent = self._permanent_kind(key, clean)
        if permanent:
            return permanent, "permanent"
        if hop:
            return None
        cfg = self.config
        ident = (key, method, norm_target(target), urlencode(sorted((form or {}).items())))
        with self._flock:
            first = ident not in self._seen
            self._seen.add(ident)
        if first and _unit_interval(str(cfg.seed), "transient", *ident) < cfg.transient_rate:
            kinds = cfg.transient_kinds
            kind = kinds[int(_unit_interval(str(cfg.seed), "kind", *ident) * len(kinds))]
            if kind == "truncated" and method == "HEAD":
                kind = "reset"  # a HEAD answer has no body to cut
            return kind, "transient"
        if method == "GET" and _unit_interval(str(cfg.seed), "charset", key, norm_target(target)) < cfg.charset_rate:
            return "wrong_charset", "content"
        return None

    # ------------------------------------------------------------------ servers
    def _serve(self, key: str, resolve: Resolver) -> str:
        """Start one misbehaving site on a free port: the fault mode ignores base_port, as before."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _fault_handler(self, key, resolve))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name=f"faulty-{key}", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return f"http://127.0.0.1:{server.server_address[1]}"


def _fault_handler(portal: FaultPortal, key: str, resolve: Resolver) -> type:
    """The sample handler of one site with the fault answers mixed in front, so a normal answer is super()."""
    base = _handler(key, resolve, portal._log)
    return type("FaultHandler", (_FaultAnswers, base),
                {"portal": portal, "site_key": key, "resolve_page": staticmethod(resolve)})


class _FaultAnswers:
    """Mixed in before the sample handler: each fault kind answers in its own method `_fault_<kind>`."""

    portal: FaultPortal
    site_key: str
    resolve_page: Resolver

    def _answer(self, method: str, form: dict[str, str] | None = None) -> None:
        """Ask the portal whether this request is faulted; answer normally when it is not."""
        decision = self.portal.decide(self.site_key, method, self.path, form)
        if decision is None:
            return super()._answer(method, form)
        kind, category = decision
        if kind == "wrong_charset":
            page = self.resolve_page(self.path, method, form)
            if page.status != 200 or "html" not in page.content_type:
                return super()._answer(method, form)
            self.portal._record(InjectedFault(kind, category, self.site_key, method, self.path))
            return self._lying_charset(page)
        self.portal._record(InjectedFault(kind, category, self.site_key, method, self.path))
        getattr(self, "_fault_" + kind)(method, form)

    # --- transient
    def _fault_5xx(self, method: str, form: dict[str, str] | None) -> None:
        """A server error the crawler's retry must recover from."""
        status = STATUSES_5XX[int(_unit_interval(self.path, "status") * len(STATUSES_5XX))]
        body = f"<html><body><h1>{status} 服务器繁忙</h1></body></html>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def _fault_slow(self, method: str, form: dict[str, str] | None) -> None:
        """The normal answer, but later than the crawl's DOWNLOAD_TIMEOUT."""
        time.sleep(self.portal.config.slow_seconds)
        try:
            super()._answer(method, form)
        except OSError:  # the crawler gave up long ago
            self.close_connection = True

    def _reset(self) -> None:
        """Close with RST (linger on, timeout 0) rather than a clean FIN."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # RST: linger on, timeout 0
        except OSError:
            pass

    def _fault_reset(self, method: str, form: dict[str, str] | None) -> None:
        """A connection reset after a partial status line."""
        # a status line first: a reset before any byte would be retried silently by Twisted's
        # connection pool (ResponseNeverReceived on a reused connection) and never reach the
        # crawler's retry middleware or its stats
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html")
        self._reset()

    def _fault_truncated(self, method: str, form: dict[str, str] | None) -> None:
        """Half the body, with a Content-Length that promises more."""
        page = self.resolve_page(self.path, method, form)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body) + 1024))
        self.end_headers()
        self.wfile.write(page.body[: len(page.body) // 2])
        self._reset()

    # --- permanent
    def _fault_redirect_loop(self, method: str, form: dict[str, str] | None) -> None:
        """A 302 to the same target with the next hop number, forever."""
        clean, hop = _strip_loop(self.path)
        sep = "&" if "?" in clean else "?"
        self.send_response(302)
        self.send_header("Location", f"{clean}{sep}{LOOP_PARAM}={hop + 1}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _fault_oversize(self, method: str, form: dict[str, str] | None) -> None:
        """An answer above the crawl's DOWNLOAD_MAXSIZE, streamed until the crawler hangs up."""
        size = self.portal.config.oversize_bytes
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if method == "HEAD":
            return
        chunk = b"<p>" + b"0" * 65530 + b"</p>"
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:  # the crawler hung up at its size cap, as it should
            pass
        self.close_connection = True

    # --- content
    def _lying_charset(self, page: Page) -> None:
        """The page's bytes under a Content-Type charset that lies about them."""
        declared = re.search(r"charset=([\w-]+)", page.content_type)
        actual = declared.group(1).lower() if declared else "utf-8"
        lie = "utf-8" if actual in ("gbk", "gb2312", "gb18030") else "gb2312"
        self.send_response(200)
        self.send_header("Last-Modified", page.last_modified_http)
        self.send_header("ETag", page.etag)
        self.send_header("Content-Type", f"text/html; charset={lie}")
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)

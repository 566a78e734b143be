"""Security helpers of the workspace: upload sniffing, safe storage names, a bounded URL fetch."""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from auditor.errors import AuditorError

# Offline-channel evidence: what a file must start with to be accepted, and the extension we store it under.
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


class UploadRejected(AuditorError):
    """An upload that is refused (type, size or name)."""


class FetchError(AuditorError):
    """A pasted URL that cannot be fetched within the limits."""


def sniff(data: bytes) -> tuple[str, str]:
    """(mime type, extension) by magic bytes; raises UploadRejected for anything but JPEG, PNG and PDF."""
    for magic, mime, ext in MAGIC:
        if data.startswith(magic):
            return mime, ext
    raise UploadRejected("只接受 JPEG、PNG 图片或 PDF 文件", hint="文件类型按内容判断，不按扩展名")


def check_client_filename(name: str | None) -> None:
    """The client's filename is never used for storage, but a name that tries to traverse is refused outright."""
    if not name:
        return
    if any(bad in name for bad in ("/", "\\", "\x00")) or name in (".", "..") or ".." in name:
        raise UploadRejected("文件名不合法", hint="文件名不得包含路径")


def store_upload(data: bytes, data_dir: Path, *, max_bytes: int) -> tuple[str, str, str]:
    """Write an accepted upload under data_dir/evidence with a generated name.

    Returns (relative path, mime type, sha256). The relative path is what the database keeps.
    """
    if not data:
        raise UploadRejected("文件为空")
    if len(data) > max_bytes:
        raise UploadRejected(f"文件过大（上限 {max_bytes // (1024 * 1024)} MB）")
    mime, ext = sniff(data)
    folder = Path(data_dir) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    (folder / name).write_bytes(data)
    return f"evidence/{name}", mime, hashlib.sha256(data).hexdigest()


def resolve_stored(data_dir: Path, relative: str) -> Path | None:
    """The absolute path of a stored upload, or None when it would leave data_dir or does not exist."""
    base = Path(data_dir).resolve()
    try:
        path = (base / relative).resolve()
    except (OSError, ValueError):
        return None
    if base not in path.parents or not path.is_file():
        return None
    return path


MAX_URL = 1000  # characters; a longer pasted URL is refused, never silently cut
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Fetched:
    url: str  # final URL after redirects
    status: int
    body: bytes
    charset: str | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one outbound fetch from the workspace.

    `timeout` caps the whole fetch (connects, redirects, headers and body together), not each read.
    `test_allow` lists (ip, port) pairs that may be fetched although they are not public addresses:
    only tests set it (app config TEST_FETCH_ALLOW), so they can serve pages on 127.0.0.1; production
    never does, and nothing on the command line sets it.
    """

    max_bytes: int = 2 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 5
    test_allow: frozenset[tuple[str, int]] = frozenset()


def check_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise FetchError(f"网址过长（{len(url)} 个字符，上限 {MAX_URL}）", hint="请粘贴页面的完整原始网址，不要附加多余内容")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise FetchError("网址中含有控制字符", where=url[:200])
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise FetchError("网址的端口无效", where=url[:200]) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError("只能粘贴 http:// 或 https:// 开头的网址", where=url[:200] or None)
    return url


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for a globally routable unicast address: not loopback, private, link-local, reserved, multicast…"""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(url: str, policy: FetchPolicy) -> tuple[str, str, int]:
    """(host, the address to connect to, port) of an http(s) URL whose host resolves only to public addresses.

    Every address the name resolves to is checked (a name with one public and one private record is
    refused), and the connection is then made to the checked address, so a second lookup cannot
    rebind the name to an inside address.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(f"无法解析网址中的主机名 {host}", where=url[:200]) from None
    chosen = None
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not is_public(ip) and (str(ip), port) not in policy.test_allow:
            raise FetchError(f"拒绝访问内网、本机或保留地址（{host} → {ip}）", where=url[:200],
                             hint="只能挂接互联网上公开的政府网站页面")
        chosen = chosen or str(ip)
    if chosen is None:
        raise FetchError(f"无法解析网址中的主机名 {host}", where=url[:200])
    return host, chosen, port


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand (the Host header still names the host)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _Deadline:
    """Closes the connection when the total time is up, whatever read it is blocked in."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.expired = False
        self._conn: http.client.HTTPConnection | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            self.expired = True
        return max(left, 0.0)

    def watch(self, conn: http.client.HTTPConnection) -> None:
        self._conn = conn

    def _fire(self) -> None:
        self.expired = True
        conn = self._conn
        sock = getattr(conn, "sock", None) if conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def fetch_url(url: str, *, max_bytes: int = 2 * 1024 * 1024, timeout: float = 10.0,
              policy: FetchPolicy | None = None, user_agent: str = "gov-openness-auditor/review") -> Fetched:
    """GET an http(s) URL from the workspace, following redirects, within the policy's limits.

    Refuses (FetchError) loopback, private, link-local and reserved addresses after DNS resolution and
    after every redirect; caps the total time and the body size (the body is never read past the cap).
    """
    policy = policy or FetchPolicy(max_bytes=max_bytes, timeout=timeout)
    current = check_url(url)
    deadline = _Deadline(policy.timeout)
    too_slow = FetchError(f"无法获取页面：超过 {policy.timeout:g} 秒总时限", where=current[:200])
    try:
        for _hop in range(policy.max_redirects + 1):
            host, address, port = resolve_public(current, policy)
            parts = urlsplit(current)
            cls = _PinnedHTTPS if parts.scheme.lower() == "https" else _PinnedHTTP
            left = deadline.left()
            if deadline.expired:
                raise too_slow
            conn = cls(host, port, address, timeout=left)
            deadline.watch(conn)
            try:
                path = parts.path or "/"
                if parts.query:
                    path += "?" + parts.query
                conn.request("GET", path, headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5",
                                                   "Accept-Encoding": "identity", "Connection": "close"})
                resp = conn.getresponse()
                if resp.status in REDIRECTS and resp.getheader("Location"):
                    nxt = urljoin(current, resp.getheader("Location", "").strip())
                    if urlsplit(nxt).scheme.lower() not in ("http", "https"):
                        raise FetchError("页面跳转到非 http(s) 地址，已拒绝", where=nxt[:200])
                    current = check_url(nxt)
                    continue
                if resp.status >= 400:
                    raise FetchError(f"无法获取页面：HTTP {resp.status}", where=current[:200])
                length = resp.getheader("Content-Length")
                if length and length.strip().isdigit() and int(length) > policy.max_bytes:
                    raise FetchError(f"页面过大（上限 {policy.max_bytes // 1024} KB）", where=current[:200])
                chunks: list[bytes] = []
                size = 0
                while size <= policy.max_bytes:
                    chunk = resp.read1(min(65536, policy.max_bytes + 1 - size)) if hasattr(resp, "read1") \
                        else resp.read(min(65536, policy.max_bytes + 1 - size))
                    if deadline.expired:
                        raise too_slow
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"页面过大（上限 {policy.max_bytes // 1024} KB）", where=current[:200])
                if deadline.expired:
                    raise too_slow
                return Fetched(url=current, status=resp.status, body=b"".join(chunks),
                               charset=resp.headers.get_content_charset(), etag=resp.getheader("ETag"),
                               last_modified=resp.getheader("Last-Modified"))
            finally:
                conn.close()
        raise FetchError(f"跳转次数过多（上限 {policy.max_redirects} 次）", where=current[:200])
    except FetchError:
        raise
    except (http.client.HTTPException, OSError, ValueError) as exc:
        if deadline.expired:
            raise too_slow from None
        raise FetchError(f"无法获取页面：{type(exc).__name__}: {exc}"[:300], where=current[:200]) from None
    finally:
        deadline.cancel()

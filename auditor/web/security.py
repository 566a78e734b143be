"""Security helpers of the workspace: upload sniffing, safe storage names, a bounded URL fetch."""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib signature
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, "redirect to a non-http URL refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class Fetched:
    url: str  # final URL after redirects
    status: int
    body: bytes
    charset: str | None
    etag: str | None
    last_modified: str | None


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError("只能粘贴 http:// 或 https:// 开头的网址", where=url[:200] or None)
    if len(url) > 1000:
        raise FetchError("网址过长（上限 1000 个字符）")
    return url


def fetch_url(url: str, *, max_bytes: int, timeout: float, user_agent: str = "gov-openness-auditor/review") -> Fetched:
    """GET an http(s) URL with a timeout and a size cap (the body is never read past max_bytes)."""
    url = check_url(url)
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _HttpOnlyRedirects(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    req = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"})
    try:
        with opener.open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"页面过大（上限 {max_bytes // 1024} KB）", where=url)
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FetchError(f"页面过大（上限 {max_bytes // 1024} KB）", where=url)
            return Fetched(url=resp.geturl(), status=resp.status, body=body,
                           charset=resp.headers.get_content_charset(), etag=resp.headers.get("ETag"),
                           last_modified=resp.headers.get("Last-Modified"))
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"无法获取页面：HTTP {exc.code}", where=url) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"无法获取页面：{reason}", where=url) from None

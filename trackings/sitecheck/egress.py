"""The site check browser's only way out: a forward proxy that checks every connection.

Chromium runs with this proxy for everything (loopback included: Playwright adds `<-loopback>`
to the bypass list), so each request a page makes (documents, scripts, images, XHR, WebSockets)
arrives here as `CONNECT host:port` (https, wss) or `GET http://host/...` (plain http). The
host is resolved here and every address checked against the site check's policy
(webhooks.targets: public addresses only); the connection then goes to the checked address, so
the name cannot resolve somewhere else in between (DNS rebinding). A refused connection is
answered 403 and recorded. Bytes received are counted against the page's budget; a connection
that goes past it is cut. Chromium itself never resolves a page's host names when it uses a
proxy, and WebRTC is kept off non-proxied UDP (trackings.sitecheck.browser).
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from webhooks.targets import AddressPolicy, TargetRefused, target_parse, target_resolve

_MAX_HEAD_BYTES = 64 * 1024
_CHUNK = 64 * 1024
# Hop-by-hop and proxy headers: the origin gets neither, and the upstream connection is closed
# after one answer (the browser opens another; keeping them alive is not worth the parsing).
_DROPPED_HEADERS = (b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive")


@dataclass
class EgressLog:
    """What one page's loading did through the gate."""

    received_bytes: int = 0
    over_budget: bool = False
    # (host, "<url or host:port>", why) for each connection refused. Chromium's own background
    # requests come through here too; the page's are told apart by host (pages.py).
    refused: list[tuple[str, str, str]] = field(default_factory=list)


class EgressGate:
    """One proxy per site check, on 127.0.0.1 and a free port; `start_page` resets the log."""

    def __init__(self, *, policy: AddressPolicy, byte_budget: int, timeout: float) -> None:
        self.policy = policy
        self.byte_budget = byte_budget
        self.timeout = timeout
        self.log = EgressLog()
        self._lock = threading.Lock()
        gate = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                gate._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> EgressGate:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def start_page(self) -> EgressLog:
        with self._lock:
            self.log = EgressLog()
            return self.log

    def _refuse(self, host: str, what: str, reason: str) -> None:
        with self._lock:
            self.log.refused.append((host, what, reason))

    def _count(self, size: int) -> bool:
        """Adds received bytes to the page's total; False once it is past the budget."""
        with self._lock:
            self.log.received_bytes += size
            if self.log.received_bytes > self.byte_budget:
                self.log.over_budget = True
            return not self.log.over_budget

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(self.timeout)
        try:
            head, rest = _read_head(client)
            if head is None:
                return
            request_line, _, headers = head.partition(b"\r\n")
            method, target, version = request_line.decode("latin-1").split(" ", 2)
            if method == "CONNECT":
                host, _, port_text = target.rpartition(":")
                url = f"https://{host}:{port_text}/"
            else:
                url = target
            host = (urlsplit(url).hostname or "").lower()
            try:
                checked = target_parse(url, self.policy)
                if method != "CONNECT" and checked.scheme != "http":
                    raise TargetRefused("Only http goes through the proxy without CONNECT.")
                address = target_resolve(checked, self.policy)[0]
            except (TargetRefused, ValueError) as refused:
                self._refuse(host, target, getattr(refused, "message", str(refused)))
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            try:
                upstream = socket.create_connection((address, checked.port), timeout=self.timeout)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                else:
                    upstream.sendall(_origin_request(method, target, version, headers) + rest)
                self._relay(client, upstream)
        except (OSError, ValueError):
            # A browser that went away, or a request line that is not HTTP: nothing to answer.
            return
        finally:
            client.close()

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        sockets = [client, upstream]
        while True:
            readable, _, _ = select.select(sockets, [], [], self.timeout)
            if not readable:
                return
            for source in readable:
                data = source.recv(_CHUNK)
                if not data:
                    return
                if source is upstream:
                    if not self._count(len(data)):
                        return
                    client.sendall(data)
                else:
                    upstream.sendall(data)


def _read_head(client: socket.socket) -> tuple[bytes | None, bytes]:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > _MAX_HEAD_BYTES:
            return None, b""
        chunk = client.recv(_CHUNK)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def _origin_request(method: str, target: str, version: str, headers: bytes) -> bytes:
    """`GET http://host/path` as the origin expects it: `GET /path`, closing after the answer."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [
        line
        for line in headers.split(b"\r\n")
        if line and line.split(b":", 1)[0].strip().lower() not in _DROPPED_HEADERS
    ]
    lines = [f"{method} {path} {version}".encode("latin-1"), *kept, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"

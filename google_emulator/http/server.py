"""A threaded stdlib HTTP server that routes to the control, OAuth and API handlers."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Importing these registers their handlers and stores.
from .. import ga4, ga4_dimensions, gtm, oauth
from ..errors import ApiError
from ..reports import admin as reports_admin
from ..reports import collect, ga4_data
from ..state import STATE
from . import api, control
from .messages import Request, Response, json_response

logger = logging.getLogger(__name__)
_REGISTERED = (ga4, ga4_dimensions, gtm, reports_admin, ga4_data)


def route(req: Request) -> Response:
    if req.path.startswith("/_emulator/"):
        return control.handle(req)
    if req.path in collect.PATHS:
        return collect.handle(req)
    answered = oauth.handle(req)
    if answered is not None:
        return answered
    answered = api.handle(req)
    if answered is not None:
        return answered
    err = ApiError(404, f"The requested URL {req.path} was not found on this server.")
    return json_response(404, err.body())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GoogleEmulator/1.0"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "127.0.0.1"
        req = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        try:
            resp = route(req)
        except Exception:  # a bug must still answer like Google does, and be visible in logs
            logger.exception("emulator failed on %s %s", self.command, self.path)
            resp = json_response(500, ApiError(500, "Internal error encountered.").body())
        if self.command not in ("GET", "HEAD"):
            STATE.changed()  # the state file's writer saves soon (persistence.py)
        self.send_response(resp.status)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_http_server(host: str, port: int) -> tuple[EmulatorHTTPServer, threading.Thread]:
    """Bind and serve in a background thread; `server.shutdown()` stops it."""
    server = EmulatorHTTPServer((host, port), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True)
    thread.start()
    return server, thread

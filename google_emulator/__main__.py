"""``python -m google_emulator [--http HOST:PORT] [--grpc HOST:PORT] [--data-dir DIR]``.

Runs the local Google (GTM v2, GA4 Admin and OAuth over HTTP, Google Ads over gRPC) until
SIGINT or SIGTERM. It is a program of its own: the product starts it by module name and
reaches it only by address.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from . import process

logger = logging.getLogger("google_emulator")
DEFAULT_HTTP = "127.0.0.1:8765"
DEFAULT_GRPC = "127.0.0.1:8766"


def _address(value: str) -> tuple[str, int]:
    if "://" in value:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port
    else:
        host, _, raw_port = value.rpartition(":")
        port = int(raw_port) if raw_port.isdigit() else None
    if not host or port is None or not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"HOST:PORT expected, got {value!r}")
    return host.strip("[]"), port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m google_emulator",
        description="A local Google: GTM v2, GA4 Admin and OAuth over HTTP, Google Ads over gRPC.",
    )
    parser.add_argument("--http", type=_address, default=DEFAULT_HTTP, help="HOST:PORT or URL")
    parser.add_argument("--grpc", type=_address, default=DEFAULT_GRPC, help="HOST:PORT")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where its files live (default ${process.DATA_DIR_ENV} or ./var/emulator)",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="an OAuth redirect URI to accept besides loopback ones (repeatable)",
    )
    parser.add_argument(
        "--redirect-prefix",
        action="append",
        default=[],
        help="accept every OAuth redirect URI under this base URL (repeatable)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(message)s"
    )
    process.configure(
        data_dir=args.data_dir,
        redirect_uris=args.redirect_uri,
        redirect_prefixes=args.redirect_prefix,
    )
    from . import persistence
    from .ads import start_ads_server
    from .http.server import start_http_server

    (http_host, http_port), (grpc_host, grpc_port) = args.http, args.grpc
    # gRPC first: clients (and the test fixture) take a live HTTP side as "all ready". Both have
    # registered their stores once started; the state file is loaded before the first call.
    grpc_server = start_ads_server(grpc_host, grpc_port)
    persistence.attach(process.OPTIONS.data_dir)
    http_server, _thread = start_http_server(http_host, http_port)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sys.stdout.write(
        f"Google emulator ready: http=http://{http_host}:{http_port} grpc={grpc_host}:{grpc_port}\n"
    )
    sys.stdout.flush()
    stop.wait()
    http_server.shutdown()
    http_server.server_close()
    grpc_server.stop(grace=1).wait()
    persistence.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python manage.py google_emulator [--http HOST:PORT] [--grpc HOST:PORT]`: the local Google."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

logger = logging.getLogger(__name__)


def _address(value: str, option: str) -> tuple[str, int]:
    if "://" in value:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port
    else:
        host, _, raw_port = value.rpartition(":")
        port = int(raw_port) if raw_port.isdigit() else None
    if not host or port is None or not 0 < port < 65536:
        raise CommandError(f"{option} must be HOST:PORT, got {value!r}")
    return host.strip("[]"), port


class Command(BaseCommand):
    help = "Run the Google emulator: GTM v2, GA4 Admin and OAuth over HTTP, Google Ads over gRPC."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--http", default=settings.GOOGLE_EMULATOR_URL, help="HOST:PORT")
        parser.add_argument("--grpc", default=settings.GOOGLE_EMULATOR_GRPC, help="HOST:PORT")

    def handle(self, *args: Any, **options: Any) -> None:
        from integrations.google.emulator.http.server import start_http_server

        http_host, http_port = _address(options["http"], "--http")
        grpc_host, grpc_port = _address(options["grpc"], "--grpc")
        grpc_server = None
        try:
            from integrations.google.emulator.ads import start_ads_server
        except ImportError:
            logger.warning("google_emulator: the Ads gRPC server is not available; HTTP only")
        else:
            # gRPC first: clients (and the test fixture) take a live HTTP side as "all ready".
            grpc_server = start_ads_server(grpc_host, grpc_port)
        http_server, _thread = start_http_server(http_host, http_port)

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        grpc_text = f"{grpc_host}:{grpc_port}" if grpc_server is not None else "off"
        self.stdout.write(
            f"Google emulator ready: http=http://{http_host}:{http_port} grpc={grpc_text}"
        )
        self.stdout.flush()
        stop.wait()
        http_server.shutdown()
        http_server.server_close()
        if grpc_server is not None:
            grpc_server.stop(grace=1).wait()

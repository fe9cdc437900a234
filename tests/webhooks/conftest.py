"""A real HTTP receiver on 127.0.0.1 for webhook tests, and the README's signature check."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tenants.actors import Actor
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create


def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """The receiver's check, as README "Webhooks" shows it (written independently of the
    product's signing code, so a mistake there cannot hide here)."""
    parts = [p.split("=", 1) for p in header.split(",")]
    timestamp = next(v for k, v in parts if k == "t")
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return any(hmac.compare_digest(expected.hexdigest(), v) for k, v in parts if k == "v1")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    # Statuses to answer, in order; the last one repeats.
    answers: list[int] = field(default_factory=lambda: [200])
    location: str = ""
    received: list[Received] = field(default_factory=list)

    def answer_next(self) -> int:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _start(receiver_holder: list[Receiver]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = receiver_holder[0]
            length = int(self.headers.get("Content-Length") or 0)
            receiver.received.append(
                Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
            )
            status = receiver.answer_next()
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(f"answered {status}".encode())

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def receivers(settings: Any) -> Iterator[Any]:
    """`receivers()` starts one more receiver; loopback is allowed as a target for the test."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    started: list[ThreadingHTTPServer] = []

    def start(path: str = "/hooks/oneclicktag") -> Receiver:
        holder: list[Receiver] = []
        server, _ = _start(holder)
        holder.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{path}"))
        started.append(server)
        return holder[0]

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(receivers: Any) -> Receiver:
    return receivers()


def make_endpoint(tenant: Any, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    created = webhook_endpoint_create(
        organization=tenant.organization,
        url=url,
        events=events,
        description="test receiver",
        actor=Actor(user=tenant.owner),
    )
    return created.endpoint, created.secret

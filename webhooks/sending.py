"""The one outbound HTTP call of webhooks: a POST to an address we already checked.

The connection goes to the checked IP address (not to the name again, which could resolve
elsewhere a second time), with the name in `Host` and in TLS (SNI and certificate check).
Redirects are never followed: a 3xx is a failed attempt like any other non-2xx answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from webhooks.targets import Target

RESPONSE_EXCERPT_BYTES = 2048


@dataclass(frozen=True)
class SendResult:
    status: int | None  # None: no HTTP answer (connection refused, timeout, TLS error)
    body: str
    latency_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def webhook_post(
    *, target: Target, address: str, body: bytes, headers: dict[str, str]
) -> SendResult:
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, read=settings.WEBHOOK_READ_TIMEOUT_SECONDS
    )
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            excerpt = response.read(RESPONSE_EXCERPT_BYTES)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as failure:
        return SendResult(
            status=None,
            body="",
            latency_ms=_elapsed_ms(started),
            error=f"{type(failure).__name__}: {failure}"[:500],
        )
    finally:
        pool.close()
    status = int(response.status)
    error = ""
    if 300 <= status < 400:
        error = "The receiver answered with a redirect; webhooks do not follow redirects."
    elif not 200 <= status < 300:
        error = f"The receiver answered {status}."
    return SendResult(
        status=status,
        body=excerpt.decode("utf-8", errors="replace"),
        latency_ms=_elapsed_ms(started),
        error=error,
    )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)

"""Delivery signatures: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

While a rotated-out secret is still live the header carries one `v1=` per secret (newest first),
so a receiver holding either secret verifies the delivery (the scheme Stripe uses).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secrets_: list[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"]
    parts += [f"v1={signature_compute(secret=s, timestamp=timestamp, body=body)}" for s in secrets_]
    return ",".join(parts)

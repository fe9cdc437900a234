"""ID tokens as the Firebase Auth emulator issues them: alg "none", empty signature.

Accepted only while FIREBASE_AUTH_EMULATOR_HOST is set (never in production); used by
`manage.py dev_token` and the test fixtures.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from django.conf import settings


def _segment(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def emulator_uid(email: str) -> str:
    """A stable uid per email, so the same address is the same person across tokens."""
    return f"uid-{uuid.uuid5(uuid.NAMESPACE_DNS, email.lower()).hex[:24]}"


def emulator_id_token(
    email: str, uid: str | None = None, *, lifetime_seconds: int = 3600, **claims: Any
) -> str:
    """Claims given as None are left out (e.g. `exp=None` for a token without expiry)."""
    project = settings.FIREBASE_PROJECT_ID
    now = int(time.time())
    subject = uid or emulator_uid(email)
    payload: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{project}",
        "aud": project,
        "auth_time": now,
        "user_id": subject,
        "sub": subject,
        "iat": now,
        "exp": now + lifetime_seconds,
        "email": email,
        "email_verified": True,
        "firebase": {"identities": {"email": [email]}, "sign_in_provider": "password"},
    }
    payload.update(claims)
    payload = {key: value for key, value in payload.items() if value is not None}
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(payload)}."

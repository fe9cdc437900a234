"""google-auth credentials built from a stored connection, refreshing through our wrapper.

The client libraries (googleapiclient's AuthorizedHttp, the Ads gRPC auth plugin) call
`refresh()` whenever the access token is missing or expired; ours does the real google-auth
refresh against the backend's token endpoint inside `google_call` (classification, counting) and
hands the new token to `on_refreshed`, which stores it encrypted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import google.auth.transport.requests
import requests
from google.oauth2.credentials import Credentials

from integrations.google.calls import CallContext, google_call, http_timeout
from integrations.google.oauth import oauth_endpoint

EXPIRY_MARGIN = timedelta(seconds=10)


class _TimeoutSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", http_timeout())
        return super().request(*args, **kwargs)


class ConnectionCredentials(Credentials):
    def __init__(
        self,
        *,
        access_token: str,
        refresh_token: str,
        expires_at: datetime | None,
        client_id: str,
        client_secret: str,
        context: CallContext,
        on_refreshed: Callable[[str, datetime], None] | None = None,
    ) -> None:
        super().__init__(
            token=access_token or None,
            refresh_token=refresh_token,
            token_uri=oauth_endpoint("token"),
            client_id=client_id,
            client_secret=client_secret,
            # google-auth compares naive UTC datetimes.
            expiry=expires_at.astimezone(UTC).replace(tzinfo=None) if expires_at else None,
        )
        self._context = context
        self._on_refreshed = on_refreshed

    def refresh(self, request: Any) -> None:
        session_request = google.auth.transport.requests.Request(session=_TimeoutSession())
        google_call(
            self._context,
            api="oauth",
            method="oauth2.token.refresh",
            call=lambda: Credentials.refresh(self, session_request),
        )
        if self._on_refreshed is not None and self.token and self.expiry:
            self._on_refreshed(self.token, self.expiry.replace(tzinfo=UTC))

    @property
    def expired(self) -> bool:
        # google-auth's margin is 3m45s; Google's tokens live an hour, so ours is shorter and
        # keeps short-lived tokens (the emulator's, in tests) usable for most of their life.
        if not self.expiry:
            return False
        return datetime.now(UTC).replace(tzinfo=None) >= self.expiry - EXPIRY_MARGIN

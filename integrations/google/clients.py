"""`google_clients_for(connection)`: the GTM, Ads and GA4 clients of one customer's grant.

The clients share one CallContext: one counter (per organization, and per deployment when the
engine passes its id) and one reconnect guard. A connection that is not `connected` raises
`GoogleNeedsReconnect` here, before anything reaches Google.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import google_auth_httplib2
import httplib2
from django.conf import settings
from google.ads.googleads.client import GoogleAdsClient
from googleapiclient.discovery import build

from integrations.google.ads import AdsClient
from integrations.google.calls import CallContext, CallCounter, http_timeout
from integrations.google.credentials import ConnectionCredentials
from integrations.google.errors import GoogleNeedsReconnect
from integrations.google.ga4 import Ga4Client
from integrations.google.ga4_data import Ga4DataClient
from integrations.google.grpc_trust import ensure_emulator_trust
from integrations.google.gtm_client import GtmClient

if TYPE_CHECKING:
    from customers.models import GoogleConnection


def _discovery_service(name: str, version: str, credentials: Any) -> Any:
    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(timeout=http_timeout())
    )
    client_options = None
    if settings.GOOGLE_BACKEND == "emulator":
        client_options = {"api_endpoint": str(settings.GOOGLE_EMULATOR_URL)}
    return build(
        name,
        version,
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=client_options,
    )


@dataclass
class GoogleClients:
    connection: GoogleConnection
    context: CallContext
    credentials: ConnectionCredentials
    _ads_clients: dict[str | None, GoogleAdsClient] = field(default_factory=dict)

    @cached_property
    def gtm(self) -> GtmClient:
        return GtmClient(_discovery_service("tagmanager", "v2", self.credentials), self.context)

    @cached_property
    def ga4(self) -> Ga4Client:
        return Ga4Client(
            _discovery_service("analyticsadmin", "v1beta", self.credentials), self.context
        )

    @cached_property
    def ga4_data(self) -> Ga4DataClient:
        return Ga4DataClient(
            _discovery_service("analyticsdata", "v1beta", self.credentials), self.context
        )

    @cached_property
    def ads(self) -> AdsClient:
        return AdsClient(
            self._ads_client_for_login,
            self.context,
            login_customer_id=self.connection.ads_login_customer_id or None,
        )

    def _ads_client_for_login(self, login_customer_id: str | None) -> GoogleAdsClient:
        if login_customer_id not in self._ads_clients:
            ensure_emulator_trust()
            endpoint = None
            if settings.GOOGLE_BACKEND == "emulator":
                endpoint = str(settings.GOOGLE_EMULATOR_GRPC)
            # Built from the stored credentials object: loading from a dict with a refresh token
            # would contact Google at construction.
            self._ads_clients[login_customer_id] = GoogleAdsClient(
                credentials=self.credentials,
                developer_token=str(settings.GOOGLE_ADS_DEVELOPER_TOKEN),
                endpoint=endpoint,
                login_customer_id=login_customer_id,
            )
        return self._ads_clients[login_customer_id]

    @property
    def calls(self) -> dict[str, int]:
        return self.context.counter.as_dict()


def google_clients_for(
    connection: GoogleConnection, *, deployment_id: Any | None = None
) -> GoogleClients:
    from customers.models import ConnectionStatus
    from integrations.google.services.tokens import (
        connection_credentials,
        connection_mark_needs_reconnect,
    )

    if connection.status != ConnectionStatus.CONNECTED or not connection.refresh_token_encrypted:
        raise GoogleNeedsReconnect(
            connection.last_error or "The Google connection must be reconnected.", api="oauth"
        )
    counter = CallCounter(
        organization_id=str(connection.organization_id),
        deployment_id=str(deployment_id) if deployment_id else None,
    )
    context = CallContext(
        counter=counter,
        on_needs_reconnect=lambda error: connection_mark_needs_reconnect(
            connection=connection, reason=error.message
        ),
    )
    credentials = connection_credentials(connection=connection, context=context)
    if not credentials.valid:
        # Refresh now rather than inside a library's auth plugin thread.
        credentials.refresh(None)
    return GoogleClients(connection=connection, context=context, credentials=credentials)

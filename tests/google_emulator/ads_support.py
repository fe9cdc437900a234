"""What the Ads emulator tests share: a signed-in owner and the real GoogleAdsClient.

Credentials come from the OAuth emulator's own endpoints (authorization code grant over HTTP),
and every call goes through ``GoogleAdsClient`` over TLS, trusting the emulator's certificate
through ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` (set by the ``google_emulator_process`` fixture).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from google.ads.googleads.client import GoogleAdsClient
from google.ads.googleads.errors import GoogleAdsException
from google.oauth2.credentials import Credentials

from google_emulator import seed

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
CLIENT_ID = "ads-tests.apps.googleusercontent.com"
REDIRECT_URI = "http://127.0.0.1:8000/oauth/callback"
MANAGER = seed.ADS_MANAGER_CUSTOMER_ID
CLIENT = seed.ADS_CLIENT_CUSTOMER_ID


def owner_credentials(http_url: str, scopes: tuple[str, ...] = (ADWORDS_SCOPE,)) -> Credentials:
    """Sign the seeded owner in through the emulator's consent redirect and token endpoint."""
    consent = requests.get(
        f"{http_url}/o/oauth2/v2/auth",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": " ".join(scopes),
            "access_type": "offline",
            "state": "ads-tests",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert consent.status_code == 302, consent.text
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    answer = requests.post(
        f"{http_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": CLIENT_ID,
            "client_secret": "not-checked",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    return Credentials(
        token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        token_uri=f"{http_url}/token",
        client_id=CLIENT_ID,
        client_secret="not-checked",
        scopes=list(scopes),
    )


def ads_client(
    emulator: Any,
    *,
    login_customer_id: str | None = MANAGER,
    credentials: Credentials | None = None,
) -> GoogleAdsClient:
    return GoogleAdsClient(
        credentials=credentials or owner_credentials(emulator.http_url),
        developer_token="emulator-developer-token",
        endpoint=emulator.grpc_target,
        login_customer_id=login_customer_id,
        use_proto_plus=True,
    )


def webpage_action(client: GoogleAdsClient, name: str, *, category: str = "PURCHASE") -> Any:
    """A create operation for a website conversion action, as product code builds one."""
    operation = client.get_type("ConversionActionOperation")
    action = operation.create
    action.name = name
    action.type_ = client.enums.ConversionActionTypeEnum.WEBPAGE
    action.category = client.enums.ConversionActionCategoryEnum[category]
    action.status = client.enums.ConversionActionStatusEnum.ENABLED
    action.counting_type = client.enums.ConversionActionCountingTypeEnum.MANY_PER_CLICK
    action.value_settings.default_value = 10.0
    action.value_settings.default_currency_code = "USD"
    action.value_settings.always_use_default_value = False
    return operation


def mutate(
    client: GoogleAdsClient, operations: list[Any], customer_id: str = CLIENT, **kw: Any
) -> Any:
    service = client.get_service("ConversionActionService")
    return service.mutate_conversion_actions(
        request={"customer_id": customer_id, "operations": operations, **kw}
    )


def search(client: GoogleAdsClient, query: str, customer_id: str = CLIENT) -> list[Any]:
    service = client.get_service("GoogleAdsService")
    return list(service.search(customer_id=customer_id, query=query))


def error_codes(exc: GoogleAdsException) -> list[tuple[str, str]]:
    """``[("conversion_action_error", "DUPLICATE_NAME"), ...]`` of a GoogleAdsException."""
    codes = []
    for error in exc.failure.errors:
        kind = type(error.error_code).pb(error.error_code).WhichOneof("error_code")
        codes.append((kind, getattr(error.error_code, kind).name))
    return codes

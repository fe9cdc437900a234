"""429 with Retry-After: per person or key, and much sooner for failed authentication."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from oneclicktag.core.throttling import AuthFailureThrottle, UserOrKeyRateThrottle
from tests.fixtures.tenants import TenantHandle, user_client


def _per_minute(rate: str) -> float:
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count) / seconds * 60


def test_failed_authentication_is_limited_far_more_strictly_than_use() -> None:
    rates: dict[str, str] = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # type: ignore[assignment]
    assert _per_minute(rates["auth_failure"]) * 10 <= _per_minute(rates["user"])


def test_a_busy_caller_is_throttled_with_retry_after(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UserOrKeyRateThrottle, "rate", "3/min", raising=False)
    statuses = [alice.client.get("/api/v1/members/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = alice.client.get("/api/v1/members/")
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Someone else in the same organization is counted separately.
    assert alice.client_for("viewer").get("/api/v1/members/").status_code == 200


def test_an_api_key_is_counted_on_its_own(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UserOrKeyRateThrottle, "rate", "2/min", raising=False)
    key_client = alice.api_key_client("viewer")
    assert [key_client.get("/api/v1/members/").status_code for _ in range(3)] == [200, 200, 429]
    assert alice.client.get("/api/v1/members/").status_code == 200


def test_repeated_bad_credentials_block_the_address_even_for_a_good_token(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AuthFailureThrottle, "rate", "3/min", raising=False)
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Api-Key oct_guess_wrong")
    assert [guesser.get("/api/v1/members/").status_code for _ in range(3)] == [401, 401, 401]
    blocked = guesser.get("/api/v1/members/")
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 60
    # The same address with a valid token waits too; another address does not.
    assert alice.client.get("/api/v1/members/").status_code == 429
    elsewhere = user_client(alice.owner, alice.organization)
    assert elsewhere.get("/api/v1/members/", REMOTE_ADDR="10.0.0.9").status_code == 200

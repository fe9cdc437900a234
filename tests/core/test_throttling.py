"""429 with Retry-After: per person or key, and much sooner for failed authentication."""

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from oneclicktag.core.admin_site import AdminLoginThrottle
from oneclicktag.core.throttling import (
    AuthFailureThrottle,
    UserOrKeyRateThrottle,
    WindowRateThrottle,
)
from tenants.models import User
from tests.fixtures.tenants import TenantHandle


@pytest.fixture(autouse=True)
def _still_clock_mid_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting is per fixed window: requests that straddle a window's turn start over halfway
    (CI once saw the fourth admin login of a 3/min test pass). Each test gets a clock standing
    30 s into an hour, so into its minute, and a different hour, so keys of its own."""
    now = random.randrange(10**6, 10**7) * 3600 + 30.0
    monkeypatch.setattr(WindowRateThrottle, "timer", staticmethod(lambda: now))


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


def test_an_api_key_counted_with_its_cache_read_is_counted_once_from_the_first_request(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key's cached copy and its count come in one round trip; the first request (no
    # cached copy yet: a database read) and the later ones (cached) count alike.
    monkeypatch.setattr(UserOrKeyRateThrottle, "rate", "3/min", raising=False)
    key_client = alice.api_key_client("viewer")
    statuses = [key_client.get("/api/v1/members/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_someones_key_prefix_with_a_wrong_secret_does_not_spend_their_limit(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UserOrKeyRateThrottle, "rate", "2/min", raising=False)
    key_client = alice.api_key_client("viewer")
    prefix = key_client.raw_key.split("_")[1]
    impostor = APIClient()
    impostor.credentials(HTTP_AUTHORIZATION=f"Api-Key oct_{prefix}_not-the-secret")
    assert [impostor.get("/api/v1/members/").status_code for _ in range(3)] == [401] * 3

    assert [key_client.get("/api/v1/members/").status_code for _ in range(3)] == [200, 200, 429]


def test_bad_credentials_slow_the_guesser_and_never_a_valid_credential(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 13: 31 bad tokens under someone's address locked that address's valid tokens out.
    monkeypatch.setattr(AuthFailureThrottle, "rate", "3/min", raising=False)
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Api-Key oct_guess_wrong")
    assert [guesser.get("/api/v1/members/").status_code for _ in range(3)] == [401, 401, 401]
    blocked = guesser.get("/api/v1/members/")
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 60
    garbage = APIClient()
    garbage.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert garbage.get("/api/v1/members/").status_code == 429
    # The same address with a valid token or key gets in.
    assert alice.client.get("/api/v1/members/").status_code == 200
    assert alice.api_key_client("viewer").get("/api/v1/members/").status_code == 200


def test_a_forwarded_for_header_is_believed_only_from_configured_proxies(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setattr(AuthFailureThrottle, "rate", "2/min", raising=False)
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Api-Key oct_guess_wrong")
    # No proxy configured: a header the client writes itself changes nothing.
    statuses = [
        guesser.get("/api/v1/members/", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]
    # Behind one proxy: the address it appended (the last) is the client's; what the client
    # wrote before it is not.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    behind = [
        guesser.get("/api/v1/members/", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 10.8.8.1")
        for n in range(4)
    ]
    assert [r.status_code for r in behind] == [401, 401, 429, 429]
    fresh = guesser.get("/api/v1/members/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.8.8.7")
    assert fresh.status_code == 401


def test_the_per_user_limit_holds_under_concurrency(
    alice: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 13: 8 clients together passed 1,600 requests against 1,200 a minute.
    monkeypatch.setattr(UserOrKeyRateThrottle, "rate", "100/min", raising=False)
    factory = APIRequestFactory()

    def attempt(_: int) -> bool:
        raw = factory.get("/api/v1/members/")
        force_authenticate(raw, user=alice.owner)
        request = Request(raw, authenticators=[])
        request.user = alice.owner
        return UserOrKeyRateThrottle().allow_request(request, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(attempt, range(400)))
    assert sum(allowed) == 100


def test_the_admin_login_is_throttled_per_address(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AdminLoginThrottle, "rate", "3/min", raising=False)
    User.objects.create_superuser(email="staff@example.com", password="right-password-123")
    wrong = {"username": "staff@example.com", "password": "wrong", "next": "/admin/"}
    right = {**wrong, "password": "right-password-123"}
    client = Client()
    assert [client.post("/admin/login/", wrong).status_code for _ in range(3)] == [200] * 3
    blocked = client.post("/admin/login/", right)
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 60
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert other.post("/admin/login/", right).status_code == 302


def test_a_window_count_expires_after_its_window() -> None:
    from django.core.cache import caches

    throttle = UserOrKeyRateThrottle()
    throttle.duration = 60
    key = f"expiry-check-{random.randrange(10**9)}"
    assert [throttle.count(key) for _ in range(3)] == [1, 2, 3]
    assert throttle.current(key) == 3

    cache: Any = caches["default"]
    window_key = cache.make_and_validate_key(throttle._window_key(key)[0])
    ttl = cache._cache.get_client(window_key).ttl(window_key)
    # Set by the first increment of the window, not pushed back by the later ones.
    assert 0 < ttl <= 61

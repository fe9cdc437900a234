"""Every Google failure reaches callers as one of our error classes, counted where it happened."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from google_emulator import seed
from integrations.google.calls import organization_calls_today
from integrations.google.clients import google_clients_for
from integrations.google.errors import (
    GoogleInsufficientPermission,
    GoogleQuotaExceeded,
    GtmFingerprintConflict,
    PermanentGoogleError,
    TransientGoogleError,
)
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(alice: Any, google_emulator: Any) -> Any:
    return google_clients_for(oauth_connect(alice))


def _fault(emulator: Any, api: str, method: str, status: int) -> None:
    emulator.configure({"faults": [{"api": api, "method": method, "status": status, "count": 1}]})


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(clients: Any, google_emulator: Any, status: int) -> None:
    _fault(google_emulator, "gtm", "tagmanager.accounts.list", status)
    with pytest.raises(TransientGoogleError):
        clients.gtm.list_accounts()
    assert clients.gtm.list_accounts()  # the fault fired once; the retry succeeds
    assert clients.context.counter.errors["gtm"] == 1


def test_a_429_is_quota_with_a_retry_time(clients: Any, google_emulator: Any) -> None:
    _fault(google_emulator, "gtm", "tagmanager.accounts.list", 429)
    with pytest.raises(GoogleQuotaExceeded) as refused:
        clients.gtm.list_accounts()
    assert refused.value.retry_after_seconds > 0


@pytest.mark.parametrize("status", [403, 429])
def test_googles_quota_refusals_403_and_429_are_quota_with_googles_retry_time(
    clients: Any, google_emulator: Any, status: int
) -> None:
    """403 rateLimitExceeded (Tag Manager's documented answer) says when to retry only in its
    RetryInfo detail; 429 also in Retry-After. Either way: quota, retried after Google's delay."""
    google_emulator.configure({"gtm_quota": {"per_100s": 1, "per_day": 100, "status": status}})
    clients.gtm.list_accounts()
    with pytest.raises(GoogleQuotaExceeded) as refused:
        clients.gtm.list_accounts()
    assert refused.value.status == status
    assert 1 <= refused.value.retry_after_seconds <= 101
    assert not refused.value.daily


def test_a_403_daily_limit_is_daily_quota(clients: Any, google_emulator: Any) -> None:
    google_emulator.configure({"gtm_quota": {"per_100s": 100, "per_day": 1}})
    clients.gtm.list_accounts()
    with pytest.raises(GoogleQuotaExceeded) as refused:
        clients.gtm.list_accounts()
    assert refused.value.status == 403
    assert refused.value.daily


@pytest.mark.parametrize("status", [409, 412])
def test_a_stale_fingerprint_is_a_fingerprint_conflict(
    clients: Any, google_emulator: Any, status: int
) -> None:
    workspace = f"{seed.GTM_CONTAINER_PATH}/workspaces/{seed.GTM_DEFAULT_WORKSPACE_ID}"
    _fault(google_emulator, "gtm", "tagmanager.accounts.containers.workspaces.bulk_update", status)
    with pytest.raises(GtmFingerprintConflict):
        clients.gtm.bulk_update(workspace, [])


def test_other_client_errors_are_permanent_with_googles_message(clients: Any) -> None:
    with pytest.raises(PermanentGoogleError) as refused:
        clients.gtm.list_containers("accounts/999")
    assert refused.value.status == 404
    assert refused.value.message


def test_ads_resource_exhausted_honours_retry_delay(clients: Any, google_emulator: Any) -> None:
    _fault(google_emulator, "ads", "*", 429)
    with pytest.raises(GoogleQuotaExceeded) as refused:
        clients.ads.list_accessible_customers()
    assert refused.value.retry_after_seconds == 30
    assert refused.value.api == "ads"


def test_ads_unavailable_is_transient(clients: Any, google_emulator: Any) -> None:
    _fault(google_emulator, "ads", "*", 503)
    with pytest.raises(TransientGoogleError):
        clients.ads.list_accessible_customers()
    assert clients.ads.list_accessible_customers()


def test_our_bucket_refuses_without_calling_google(
    clients: Any, google_emulator: Any, settings: Any
) -> None:
    settings.GTM_QUOTA_PER_100S = 1
    clients.gtm.list_accounts()
    calls = google_emulator.stats()["calls"]["tagmanager.accounts.list"]
    with pytest.raises(GoogleQuotaExceeded):
        clients.gtm.list_accounts()
    assert google_emulator.stats()["calls"]["tagmanager.accounts.list"] == calls


def test_calls_are_counted_per_deployment_and_per_organization(clients: Any) -> None:
    organization_id = str(clients.connection.organization_id)
    before = organization_calls_today(organization_id)
    deployment = google_clients_for(clients.connection, deployment_id="d-1")
    deployment.gtm.list_accounts()
    deployment.ads.list_accessible_customers()
    deployment.ga4.list_account_summaries()
    clients.gtm.list_accounts()
    assert deployment.calls == {"gtm": 1, "ads": 1, "ga4": 2}
    assert clients.calls == {"gtm": 1, "ads": 0, "ga4": 0}
    after = organization_calls_today(organization_id)
    assert after["gtm"] - before["gtm"] == 2
    assert after["ads"] - before["ads"] == 1
    assert after["ga4"] - before["ga4"] == 2


def test_a_permission_the_account_lacks_is_insufficient_permission(
    clients: Any, google_emulator: Any
) -> None:
    body = {"grants": [{"email": seed.OWNER_EMAIL, "gtm": {seed.GTM_CONTAINER_PATH: "read"}}]}
    answer = requests.post(f"{google_emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    workspace = f"{seed.GTM_CONTAINER_PATH}/workspaces/{seed.GTM_DEFAULT_WORKSPACE_ID}"
    with pytest.raises(GoogleInsufficientPermission) as refused:
        clients.gtm.bulk_update(workspace, [])
    assert refused.value.code == "google_insufficient_permission"
    assert refused.value.status == 403


def test_an_unapproved_ads_developer_token_is_insufficient_permission(
    clients: Any, google_emulator: Any, settings: Any
) -> None:
    body = {"unapproved_developer_tokens": [str(settings.GOOGLE_ADS_DEVELOPER_TOKEN)]}
    answer = requests.post(f"{google_emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    with pytest.raises(GoogleInsufficientPermission) as refused:
        clients.ads.get_customer(
            seed.ADS_CLIENT_CUSTOMER_ID, login_customer_id=seed.ADS_MANAGER_CUSTOMER_ID
        )
    assert refused.value.api == "ads"
    assert "test accounts" in refused.value.message

"""GTM's per-100-seconds and daily quotas refuse calls once spent: 403 as Tag Manager's limits
page documents (the old emulator only ever answered 429), or 429 RESOURCE_EXHAUSTED when
configured so."""

from __future__ import annotations

from .http_support import CONTAINER, google_error


def _retry_seconds(error):
    retry = [d for d in error["details"] if d["@type"].endswith("RetryInfo")]
    assert retry
    return int(retry[0]["retryDelay"].rstrip("s"))


def test_the_sliding_window_quota_refuses_with_403_rate_limit_exceeded(google_emulator, gtm):
    google_emulator.configure({"gtm_quota": {"per_100s": 3}})
    workspaces = gtm.accounts().containers().workspaces()
    for _ in range(3):
        workspaces.list(parent=CONTAINER).execute()

    with google_error(403) as error:
        workspaces.list(parent=CONTAINER).execute()

    assert error["status"] == "PERMISSION_DENIED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded"
    assert "Queries per 100 seconds" in error["message"]
    assert 0 < _retry_seconds(error) <= 100
    stats = google_emulator.stats()
    method = "tagmanager.accounts.containers.workspaces.list"
    assert stats["calls"][method] == 4
    assert stats["errors"][method] == 1
    assert stats["quota_refusals"] == {"gtm": 1}


def test_configured_as_429_it_answers_resource_exhausted_with_retry_after(google_emulator, gtm):
    google_emulator.configure({"gtm_quota": {"per_100s": 1, "status": 429}})
    gtm.accounts().list().execute()

    with google_error(429) as error:
        gtm.accounts().list().execute()

    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded"
    assert 0 < _retry_seconds(error) <= 100


def test_the_daily_quota_refuses_calls_once_spent(google_emulator, gtm):
    google_emulator.configure({"gtm_quota": {"per_100s": 100, "per_day": 2}})
    accounts = gtm.accounts()
    accounts.list().execute()
    accounts.list().execute()

    with google_error(403) as error:
        accounts.list().execute()

    assert "Queries per day" in error["message"]
    assert error["errors"][0]["reason"] == "dailyLimitExceeded"


def test_the_default_quota_is_googles_25_per_100_seconds(google_emulator, gtm):
    assert google_emulator.configure({})["gtm_quota"] == {
        "per_100s": 25,
        "per_day": 10000,
        "status": 403,
    }
    for _ in range(25):
        gtm.accounts().list().execute()

    with google_error(403):
        gtm.accounts().list().execute()

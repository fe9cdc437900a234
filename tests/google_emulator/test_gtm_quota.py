"""GTM's per-100-seconds and daily quotas answer 429 rateLimitExceeded once spent."""

from __future__ import annotations

from .http_support import CONTAINER, google_error


def test_the_sliding_window_quota_refuses_the_call_over_it(google_emulator, gtm):
    google_emulator.configure({"gtm_quota": {"per_100s": 3}})
    workspaces = gtm.accounts().containers().workspaces()
    for _ in range(3):
        workspaces.list(parent=CONTAINER).execute()

    with google_error(429) as error:
        workspaces.list(parent=CONTAINER).execute()

    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded"
    assert "Queries per 100 seconds" in error["message"]
    retry = [d for d in error["details"] if d["@type"].endswith("RetryInfo")]
    assert retry
    assert 0 < int(retry[0]["retryDelay"].rstrip("s")) <= 100
    stats = google_emulator.stats()
    method = "tagmanager.accounts.containers.workspaces.list"
    assert stats["calls"][method] == 4
    assert stats["errors"][method] == 1


def test_the_daily_quota_refuses_calls_once_spent(google_emulator, gtm):
    google_emulator.configure({"gtm_quota": {"per_100s": 100, "per_day": 2}})
    accounts = gtm.accounts()
    accounts.list().execute()
    accounts.list().execute()

    with google_error(429) as error:
        accounts.list().execute()

    assert "Queries per day" in error["message"]


def test_the_default_quota_is_googles_25_per_100_seconds(google_emulator, gtm):
    assert google_emulator.configure({})["gtm_quota"] == {"per_100s": 25, "per_day": 10000}
    for _ in range(25):
        gtm.accounts().list().execute()

    with google_error(429):
        gtm.accounts().list().execute()

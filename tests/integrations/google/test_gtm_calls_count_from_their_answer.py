"""A GTM call counts in our bucket from its answer: never earlier than Google counts it (on
arrival), so the bucket never frees a place before Google's window does (issue 15: runs sent at
the bucket's boundary were refused by Google)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from integrations.google.errors import GoogleQuotaExceeded
from integrations.google.quota import gtm_quota_acquire
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db


def test_a_slow_call_counts_from_its_answer_not_its_request(
    alice: Any, google_emulator: Any, settings: Any
) -> None:
    gtm = google_clients_for(oauth_connect(alice)).gtm
    settings.GTM_QUOTA_PER_100S = 1
    settings.GTM_QUOTA_WINDOW_SECONDS = 3.0
    google_emulator.configure(
        {"gtm_quota": {"per_100s": 10_000, "per_day": 100_000}, "latency_ms": 1500}
    )
    try:
        gtm.list_accounts()
    finally:
        google_emulator.configure({"latency_ms": 0})
    answered = time.monotonic()

    with pytest.raises(GoogleQuotaExceeded) as refused:
        gtm_quota_acquire(organization_id=str(alice.organization.pk))
    # Counted from the request, the place would free 1.5 s earlier.
    expected = answered + 3.0 - time.monotonic()
    assert abs(refused.value.retry_after_seconds - expected) < 0.3

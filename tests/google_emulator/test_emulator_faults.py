"""Injected faults and latency, per API method, for the retry paths of the product."""

from __future__ import annotations

import time

import pytest
import requests

from .http_support import CONTAINER, google_error

LIST = "tagmanager.accounts.containers.workspaces.list"


def test_a_fault_with_a_count_fails_exactly_that_many_calls_of_that_method(google_emulator, gtm):
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": LIST, "status": 503, "rate": 1, "count": 2}]}
    )
    workspaces = gtm.accounts().containers().workspaces()

    for _ in range(2):
        with google_error(503) as error:
            workspaces.list(parent=CONTAINER).execute()
        assert error["status"] == "UNAVAILABLE"
    gtm.accounts().list().execute()  # another method is not affected
    assert workspaces.list(parent=CONTAINER).execute()["workspace"]

    stats = google_emulator.stats()
    assert stats["calls"][LIST] == 3
    assert stats["errors"][LIST] == 2


def test_a_partial_rate_fault_draws_the_same_sequence_each_time_it_is_configured(
    google_emulator, gtm
):
    def outcomes():
        google_emulator.configure(
            {"faults": [{"api": "gtm", "method": "*", "status": 500, "rate": 0.5}]}
        )
        seen = []
        for _ in range(12):
            try:
                gtm.accounts().list().execute()
                seen.append(True)
            except Exception:
                seen.append(False)
        google_emulator.configure({"faults": []})
        return seen

    first, second = outcomes(), outcomes()
    assert first == second
    assert True in first
    assert False in first


def test_latency_delays_every_answer(google_emulator, gtm):
    google_emulator.configure({"latency_ms": 300})
    started = time.monotonic()
    gtm.accounts().list().execute()
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"faults": [{"api": "gmail", "status": 500}]}, "faults[0].api"),
        ({"faults": [{"api": "gtm", "status": 418}]}, "faults[0].status"),
        ({"faults": [{"api": "gtm", "status": 500, "rate": 2}]}, "faults[0].rate"),
        ({"gtm_quota": {"per_100s": 0}}, "gtm_quota.per_100s"),
        ({"latency": 5}, "latency"),
    ],
)
def test_a_bad_control_config_is_refused_naming_the_field(google_emulator, config, field):
    answer = requests.post(f"{google_emulator.http_url}/_emulator/config", json=config, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field

"""Injected faults and latency, per API method, for the retry paths of the product."""

from __future__ import annotations

import time

import pytest
import requests

from google_emulator import seed

from .http_support import CONTAINER, WORKSPACE, google_error

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


TAG_CREATE = "tagmanager.accounts.containers.workspaces.tags.create"
DIMENSION_CREATE = "analyticsadmin.properties.customDimensions.create"


def test_a_lost_answer_applies_the_gtm_write_and_answers_the_error(google_emulator, gtm):
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": TAG_CREATE, "status": 503, "after": True}]}
    )
    tags = gtm.accounts().containers().workspaces().tags()
    body = {
        "name": "Lost answer",
        "type": "html",
        "parameter": [{"type": "template", "key": "html", "value": "<script></script>"}],
        "firingTriggerId": ["2147479553"],
    }

    with google_error(503) as error:
        tags.create(parent=WORKSPACE, body=body).execute()

    assert error["status"] == "UNAVAILABLE"
    google_emulator.configure({"faults": []})
    assert [t["name"] for t in tags.list(parent=WORKSPACE).execute()["tag"]] == ["Lost answer"]
    assert google_emulator.stats()["errors"][TAG_CREATE] == 1


def test_a_lost_answer_applies_the_ga4_write_and_answers_the_error(google_emulator, ga4):
    google_emulator.configure(
        {"faults": [{"api": "ga4", "method": DIMENSION_CREATE, "status": 500, "after": True}]}
    )
    dims = ga4.properties().customDimensions()
    body = {"parameterName": "plan", "displayName": "Plan", "scope": "EVENT"}

    with google_error(500):
        dims.create(parent=seed.GA4_PROPERTY, body=body).execute()

    google_emulator.configure({"faults": []})
    listed = dims.list(parent=seed.GA4_PROPERTY).execute()["customDimensions"]
    assert [d["parameterName"] for d in listed] == ["plan"]


def test_a_lost_answer_fault_is_listed_in_the_config(google_emulator):
    answer = google_emulator.configure(
        {"faults": [{"api": "gtm", "status": 504, "rate": 0.2, "after": True}]}
    )
    assert answer["faults"] == [
        {"api": "gtm", "method": "*", "status": 504, "rate": 0.2, "after": True}
    ]


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"api": "gtm", "status": 503, "after": "yes"}, "faults[0].after"),
        ({"api": "gtm", "status": 409, "after": True}, "faults[0].status"),
        ({"api": "oauth", "status": 503, "after": True}, "faults[0].after"),
    ],
)
def test_a_bad_lost_answer_fault_is_refused_naming_the_field(google_emulator, fault, field):
    answer = requests.post(
        f"{google_emulator.http_url}/_emulator/config", json={"faults": [fault]}, timeout=5
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field

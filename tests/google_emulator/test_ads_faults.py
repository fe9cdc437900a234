"""Injected faults answer as Google's front end does, and every call is counted by its method."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions

from .ads_support import ads_client, mutate, search, webpage_action

SEARCH = "google.ads.googleads.v26.services.GoogleAdsService/Search"
MUTATE = "google.ads.googleads.v26.services.ConversionActionService/MutateConversionActions"
QUERY = "SELECT customer.id FROM customer"


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


def test_resource_exhausted_carries_a_quota_error_with_its_retry_delay(
    google_emulator: Any, client: Any
) -> None:
    google_emulator.configure({"faults": [{"api": "ads", "method": SEARCH, "status": 429}]})

    with pytest.raises(exceptions.ResourceExhausted) as caught:
        search(client, QUERY)

    # The library leaves RESOURCE_EXHAUSTED unwrapped (it is one of its "retry" codes), so the
    # GoogleAdsFailure arrives as the status detail of the api_core exception.
    assert caught.value.grpc_status_code == grpc.StatusCode.RESOURCE_EXHAUSTED
    failure_type = type(client.get_type("GoogleAdsFailure"))
    failure = failure_type.deserialize(caught.value.details[0].value)
    error = failure.errors[0]
    assert error.error_code.quota_error.name == "RESOURCE_EXHAUSTED"
    assert error.details.quota_error_details.retry_delay.seconds == 30
    assert error.details.quota_error_details.rate_scope.name == "DEVELOPER"


@pytest.mark.parametrize(
    ("status", "exception", "code"),
    [
        (500, exceptions.InternalServerError, "INTERNAL"),
        (503, exceptions.ServiceUnavailable, "UNAVAILABLE"),
    ],
)
def test_server_faults_answer_the_matching_grpc_status(
    google_emulator: Any, client: Any, status: int, exception: type[Exception], code: str
) -> None:
    google_emulator.configure({"faults": [{"api": "ads", "method": "*", "status": status}]})

    with pytest.raises(exception) as caught:
        search(client, QUERY)

    assert caught.value.grpc_status_code == grpc.StatusCode[code]  # type: ignore[attr-defined]


def test_a_fault_for_one_method_leaves_the_others_alone_and_counts_down(
    google_emulator: Any, client: Any
) -> None:
    google_emulator.configure(
        {"faults": [{"api": "ads", "method": MUTATE, "status": 409, "count": 1}]}
    )

    assert search(client, QUERY)
    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [webpage_action(client, "OCT Purchase [f3]")])
    response = mutate(client, [webpage_action(client, "OCT Purchase [f3]")])

    assert caught.value.error.code().name == "ABORTED"
    assert (
        caught.value.failure.errors[0].error_code.database_error.name == "CONCURRENT_MODIFICATION"
    )
    assert response.results[0].resource_name


def test_every_call_is_counted_under_its_full_grpc_method_name(
    google_emulator: Any, client: Any
) -> None:
    search(client, QUERY)
    service = client.get_service("GoogleAdsService")
    list(service.search_stream(customer_id="2220000002", query=QUERY))
    with pytest.raises(GoogleAdsException):
        search(client, "SELECT nothing FROM customer")
    client.get_service("CustomerService").list_accessible_customers()

    stats = google_emulator.stats()

    assert stats["calls"][SEARCH] == 2
    assert stats["errors"][SEARCH] == 1
    assert (
        stats["calls"]["google.ads.googleads.v26.services.CustomerService/ListAccessibleCustomers"]
        == 1
    )
    assert stats["calls"][SEARCH.replace("/Search", "/SearchStream")] == 1
    assert MUTATE not in stats["calls"]


def test_a_lost_answer_creates_the_conversion_action_and_answers_the_error(
    google_emulator: Any, client: Any
) -> None:
    google_emulator.configure(
        {"faults": [{"api": "ads", "method": MUTATE, "status": 500, "count": 1, "after": True}]}
    )

    with pytest.raises(exceptions.InternalServerError):
        mutate(client, [webpage_action(client, "OCT Purchase [lost]")])

    rows = search(
        client,
        "SELECT conversion_action.name FROM conversion_action "
        "WHERE conversion_action.name = 'OCT Purchase [lost]'",
    )
    assert [row.conversion_action.name for row in rows] == ["OCT Purchase [lost]"]
    assert google_emulator.stats()["errors"][MUTATE] == 1

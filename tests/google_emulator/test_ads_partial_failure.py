"""partial_failure applies the good operations and reports the bad ones as Google does."""

from __future__ import annotations

from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from .ads_support import ads_client, error_codes, mutate, search, webpage_action

NAMES = "SELECT conversion_action.name FROM conversion_action ORDER BY conversion_action.name"


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


def bad_and_good(client: Any) -> list[Any]:
    bad = webpage_action(client, "OCT Bad [p1]")
    bad.create.value_settings.default_currency_code = "NOPE"
    return [bad, webpage_action(client, "OCT Good [p1]")]


def test_it_applies_the_good_operation_and_reports_the_bad_one(client: Any) -> None:
    response = mutate(client, bad_and_good(client), partial_failure=True)

    assert response.results[0].resource_name == ""
    assert response.results[1].resource_name.startswith("customers/")
    assert [row.conversion_action.name for row in search(client, NAMES)] == ["OCT Good [p1]"]
    status = response.partial_failure_error
    assert status.code == 3  # INVALID_ARGUMENT
    assert "at operations[0].create.value_settings.default_currency_code" in status.message
    failure_type = type(client.get_type("GoogleAdsFailure"))
    failure = failure_type.deserialize(status.details[0].value)
    assert len(failure.errors) == 1
    error = failure.errors[0]
    assert error.error_code.currency_code_error.name == "UNSUPPORTED"
    assert error.location.field_path_elements[0].field_name == "operations"
    assert error.location.field_path_elements[0].index == 0
    assert error.trigger.string_value == "NOPE"


def test_without_partial_failure_one_bad_operation_fails_the_whole_request(client: Any) -> None:
    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, bad_and_good(client))

    assert error_codes(caught.value) == [("currency_code_error", "UNSUPPORTED")]
    assert caught.value.request_id
    assert search(client, NAMES) == []


def test_it_reports_every_failed_operation_with_its_index(client: Any) -> None:
    operations = [
        webpage_action(client, "OCT Same [p3]"),
        webpage_action(client, "OCT Same [p3]"),
        webpage_action(client, "OCT Other [p3]"),
        webpage_action(client, "OCT Same [p3]"),
    ]

    response = mutate(client, operations, partial_failure=True)

    assert [bool(r.resource_name) for r in response.results] == [True, False, True, False]
    assert response.partial_failure_error.message.startswith("Multiple errors in 'details'")
    failure_type = type(client.get_type("GoogleAdsFailure"))
    failure = failure_type.deserialize(response.partial_failure_error.details[0].value)
    indexes = [e.location.field_path_elements[0].index for e in failure.errors]
    assert indexes == [1, 3]

"""validate_only checks a mutate the way Google does and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from .ads_support import ads_client, error_codes, mutate, search, webpage_action

COUNT_ACTIONS = "SELECT conversion_action.id FROM conversion_action"


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


def test_it_stores_nothing_for_a_valid_request(client: Any) -> None:
    response = mutate(client, [webpage_action(client, "OCT Purchase [v1]")], validate_only=True)

    assert list(response.results) == []
    assert search(client, COUNT_ACTIONS) == []
    # The name is still free: the dry run did not take it.
    mutate(client, [webpage_action(client, "OCT Purchase [v1]")])
    assert len(search(client, COUNT_ACTIONS)) == 1


def test_it_still_reports_every_invalid_field(client: Any) -> None:
    operation = webpage_action(client, "placeholder")
    action = operation.create
    action.name = ""
    action.category = client.enums.ConversionActionCategoryEnum.UNSPECIFIED
    action.value_settings.default_currency_code = "XYZ"
    action.click_through_lookback_window_days = 400

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation], validate_only=True)

    assert caught.value.error.code().name == "INVALID_ARGUMENT"
    assert error_codes(caught.value) == [
        ("string_length_error", "EMPTY"),
        ("field_error", "REQUIRED"),
        ("range_error", "TOO_HIGH"),
        ("currency_code_error", "UNSUPPORTED"),
    ]
    paths = [
        [
            (e.field_name, e.index if "index" in e else None)
            for e in error.location.field_path_elements
        ]
        for error in caught.value.failure.errors
    ]
    assert paths[1] == [("operations", 0), ("create", None), ("category", None)]
    assert paths[3][-2:] == [("value_settings", None), ("default_currency_code", None)]
    assert search(client, COUNT_ACTIONS) == []


def test_it_requires_the_name_and_type_of_a_new_action(client: Any) -> None:
    operation = client.get_type("ConversionActionOperation")
    operation.create.category = client.enums.ConversionActionCategoryEnum.DEFAULT

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation], validate_only=True)

    assert error_codes(caught.value) == [("field_error", "REQUIRED"), ("field_error", "REQUIRED")]
    fields = [e.location.field_path_elements[-1].field_name for e in caught.value.failure.errors]
    assert fields == ["name", "type"]


def test_it_refuses_types_google_does_not_let_clients_create(client: Any) -> None:
    operation = webpage_action(client, "OCT GA4 [v4]")
    operation.create.type_ = client.enums.ConversionActionTypeEnum.GOOGLE_ANALYTICS_4_CUSTOM

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation], validate_only=True)

    assert error_codes(caught.value) == [("conversion_action_error", "CREATION_NOT_SUPPORTED")]

"""Conversion actions are created, updated through an update_mask and removed as Google does."""

from __future__ import annotations

from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import protobuf_helpers

from .ads_support import CLIENT, ads_client, error_codes, mutate, search, webpage_action

ACTION_FIELDS = """
    SELECT conversion_action.id, conversion_action.name, conversion_action.status,
           conversion_action.type, conversion_action.category, conversion_action.counting_type,
           conversion_action.owner_customer, conversion_action.origin,
           conversion_action.value_settings.default_value,
           conversion_action.value_settings.default_currency_code,
           conversion_action.click_through_lookback_window_days
    FROM conversion_action
"""


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


def only_action(client: Any) -> Any:
    rows = search(client, ACTION_FIELDS)
    assert len(rows) == 1
    return rows[0].conversion_action


def test_it_creates_a_website_conversion_action_with_googles_defaults(client: Any) -> None:
    response = mutate(client, [webpage_action(client, "OCT Purchase [t1]")])

    resource_name = response.results[0].resource_name
    assert resource_name.startswith(f"customers/{CLIENT}/conversionActions/")
    action = only_action(client)
    assert action.resource_name == resource_name
    assert resource_name.endswith(f"/{action.id}")
    assert action.name == "OCT Purchase [t1]"
    assert action.status.name == "ENABLED"
    assert action.type_.name == "WEBPAGE"
    assert action.category.name == "PURCHASE"
    assert action.counting_type.name == "MANY_PER_CLICK"
    assert action.origin.name == "WEBSITE"
    assert action.owner_customer == f"customers/{CLIENT}"
    assert action.value_settings.default_value == 10.0
    assert action.value_settings.default_currency_code == "USD"
    assert action.click_through_lookback_window_days == 30


def test_it_returns_the_whole_resource_when_asked_for_the_mutable_resource(client: Any) -> None:
    response = mutate(
        client,
        [webpage_action(client, "OCT Lead [t2]", category="SUBMIT_LEAD_FORM")],
        response_content_type=client.enums.ResponseContentTypeEnum.MUTABLE_RESOURCE,
    )

    created = response.results[0].conversion_action
    assert created.name == "OCT Lead [t2]"
    assert created.category.name == "SUBMIT_LEAD_FORM"
    assert created.resource_name == response.results[0].resource_name


def test_it_updates_only_the_fields_named_in_the_update_mask(client: Any) -> None:
    created = mutate(client, [webpage_action(client, "OCT Signup [t3]", category="SIGNUP")])
    operation = client.get_type("ConversionActionOperation")
    update = operation.update
    update.resource_name = created.results[0].resource_name
    update.name = "OCT Signup renamed [t3]"
    update.counting_type = client.enums.ConversionActionCountingTypeEnum.ONE_PER_CLICK
    update.category = client.enums.ConversionActionCategoryEnum.PURCHASE  # not in the mask
    mask = protobuf_helpers.field_mask(None, type(update).pb(update))
    mask.paths.remove("category")
    client.copy_from(operation.update_mask, mask)

    response = mutate(client, [operation])

    assert response.results[0].resource_name == created.results[0].resource_name
    action = only_action(client)
    assert action.name == "OCT Signup renamed [t3]"
    assert action.counting_type.name == "ONE_PER_CLICK"
    assert action.category.name == "SIGNUP"
    assert action.value_settings.default_value == 10.0


def test_it_refuses_an_update_of_the_immutable_type(client: Any) -> None:
    created = mutate(client, [webpage_action(client, "OCT Purchase [t4]")])
    operation = client.get_type("ConversionActionOperation")
    operation.update.resource_name = created.results[0].resource_name
    operation.update.type_ = client.enums.ConversionActionTypeEnum.UPLOAD_CLICKS
    operation.update_mask.paths.append("type")

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation])

    assert error_codes(caught.value) == [("field_error", "IMMUTABLE_FIELD")]
    assert only_action(client).type_.name == "WEBPAGE"


def test_it_refuses_an_update_without_an_update_mask(client: Any) -> None:
    created = mutate(client, [webpage_action(client, "OCT Purchase [t5]")])
    operation = client.get_type("ConversionActionOperation")
    operation.update.resource_name = created.results[0].resource_name
    operation.update.name = "renamed"

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation])

    assert error_codes(caught.value) == [("field_mask_error", "FIELD_MASK_MISSING")]
    assert only_action(client).name == "OCT Purchase [t5]"


def test_it_removes_an_action_by_setting_its_status_to_removed(client: Any) -> None:
    created = mutate(client, [webpage_action(client, "OCT Purchase [t6]")])
    operation = client.get_type("ConversionActionOperation")
    operation.remove = created.results[0].resource_name

    response = mutate(client, [operation])

    assert response.results[0].resource_name == created.results[0].resource_name
    assert only_action(client).status.name == "REMOVED"
    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation])
    assert error_codes(caught.value) == [
        ("operation_access_denied_error", "OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE")
    ]


def test_it_answers_resource_not_found_for_an_unknown_action(client: Any) -> None:
    operation = client.get_type("ConversionActionOperation")
    operation.remove = f"customers/{CLIENT}/conversionActions/999"

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation])

    assert error_codes(caught.value) == [("mutate_error", "RESOURCE_NOT_FOUND")]

"""Conversion action names are unique per account, removed actions aside (DUPLICATE_NAME)."""

from __future__ import annotations

from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from .ads_support import MANAGER, ads_client, error_codes, mutate, webpage_action


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


def test_it_refuses_a_second_action_with_the_same_name(client: Any) -> None:
    mutate(client, [webpage_action(client, "OCT Purchase [d1]")])

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [webpage_action(client, "OCT Purchase [d1]", category="SIGNUP")])

    assert error_codes(caught.value) == [("conversion_action_error", "DUPLICATE_NAME")]
    error = caught.value.failure.errors[0]
    assert error.trigger.string_value == "OCT Purchase [d1]"
    assert error.location.field_path_elements[-1].field_name == "name"


def test_it_refuses_renaming_onto_an_existing_name(client: Any) -> None:
    mutate(client, [webpage_action(client, "OCT Taken [d2]")])
    other = mutate(client, [webpage_action(client, "OCT Other [d2]")])
    operation = client.get_type("ConversionActionOperation")
    operation.update.resource_name = other.results[0].resource_name
    operation.update.name = "OCT Taken [d2]"
    operation.update_mask.paths.append("name")

    with pytest.raises(GoogleAdsException) as caught:
        mutate(client, [operation])

    assert error_codes(caught.value) == [("conversion_action_error", "DUPLICATE_NAME")]


def test_a_removed_actions_name_can_be_used_again(client: Any) -> None:
    created = mutate(client, [webpage_action(client, "OCT Purchase [d3]")])
    remove = client.get_type("ConversionActionOperation")
    remove.remove = created.results[0].resource_name
    mutate(client, [remove])

    again = mutate(client, [webpage_action(client, "OCT Purchase [d3]")])

    assert again.results[0].resource_name != created.results[0].resource_name


def test_names_are_unique_per_account_not_across_accounts(client: Any) -> None:
    mutate(client, [webpage_action(client, "OCT Purchase [d4]")])

    in_manager = mutate(client, [webpage_action(client, "OCT Purchase [d4]")], customer_id=MANAGER)

    assert in_manager.results[0].resource_name.startswith(f"customers/{MANAGER}/")

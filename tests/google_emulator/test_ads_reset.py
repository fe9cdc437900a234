"""`/_emulator/reset` brings the Ads accounts back to the seed."""

from __future__ import annotations

from typing import Any

from .ads_support import ads_client, mutate, search, webpage_action

ACTIONS = "SELECT conversion_action.id FROM conversion_action"


def test_reset_forgets_created_conversion_actions_and_never_reuses_their_ids(
    google_emulator: Any,
) -> None:
    client = ads_client(google_emulator)
    first = mutate(client, [webpage_action(client, "OCT Purchase [r1]")])
    assert len(search(client, ACTIONS)) == 1

    google_emulator.reset()
    client = ads_client(google_emulator)  # tokens are part of the reset too

    assert search(client, ACTIONS) == []
    again = mutate(client, [webpage_action(client, "OCT Purchase [r1]")])
    # The product may still hold the old id: Google never hands one out twice.
    assert again.results[0].resource_name != first.results[0].resource_name

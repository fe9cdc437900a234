"""The fast read of an input body accepts only what DRF accepts, and returns what DRF returns."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from rest_framework import serializers

from oneclicktag.core.fast_input import plain_input
from trackings.api.serializers.trackings import TrackingCreateSerializer

CUSTOMER = str(uuid.uuid4())
PLAIN = {"customer": CUSTOMER, "name": "Buy", "type": "button_click"}

# Bodies DRF accepts and the fast read reads.
READ_FAST: list[dict[str, Any]] = [
    PLAIN,
    {**PLAIN, "customer": CUSTOMER.upper().replace("-", "")},
    {**PLAIN, "config": {"selector": "#buy", "nested": {"a": [1, None]}}},
    {**PLAIN, "destinations": ["ga4", "google_ads"], "ga4_event_name": ""},
    {**PLAIN, "ga4_event_name": "add_to_cart", "ga4_parameters": {"value": 3, "x": "y"}},
    {**PLAIN, "key_event": True, "ads_primary": False, "status": "draft"},
    {**PLAIN, "allow_auto_collected_event_name": True, "unknown": "ignored, as DRF does"},
    {**PLAIN, "name": "Bouton « Acheter » 🛒", "config": {}},
    {**PLAIN, "name": "x" * 200},
]
# Bodies DRF accepts that the fast read leaves to DRF.
LEFT_TO_DRF: list[dict[str, Any]] = [
    {**PLAIN, "name": "  padded  "},
    {**PLAIN, "type": 12},
    {**PLAIN, "ads_conversion": {"value": "1.50", "currency": "EUR"}},
    {**PLAIN, "customer": uuid.uuid4().int},
]
# Bodies DRF refuses.
REFUSED: list[Any] = [
    {},
    [PLAIN],
    {**PLAIN, "customer": "not-a-uuid"},
    {**PLAIN, "name": ""},
    {**PLAIN, "name": "   "},
    {**PLAIN, "name": "x" * 201},
    {**PLAIN, "name": "nul\x00"},
    {**PLAIN, "name": "surrogate \ud800"},
    {**PLAIN, "name": None},
    {**PLAIN, "name": 5},
    {**PLAIN, "destinations": []},
    {**PLAIN, "destinations": ["ga4", "ga4", "google_ads"]},
    {**PLAIN, "destinations": ["facebook"]},
    {**PLAIN, "destinations": "ga4"},
    {**PLAIN, "config": ["selector"]},
    {**PLAIN, "key_event": "true"},
    {**PLAIN, "key_event": None},
    {**PLAIN, "status": "live"},
    {**PLAIN, "ga4_event_name": "x" * 101},
    {key: value for key, value in PLAIN.items() if key != "type"},
]


def _drf(body: Any) -> Any:
    serializer = TrackingCreateSerializer(data=body)
    return serializer.validated_data if serializer.is_valid() else None


@pytest.mark.parametrize("body", READ_FAST, ids=range(len(READ_FAST)))
def test_a_plainly_valid_body_reads_as_drf_reads_it(body: dict[str, Any]) -> None:
    sent = copy.deepcopy(body)
    fast = plain_input(TrackingCreateSerializer(), sent)

    assert fast is not None
    assert fast == dict(_drf(body))
    assert sent == body


@pytest.mark.parametrize("body", LEFT_TO_DRF, ids=range(len(LEFT_TO_DRF)))
def test_what_the_fast_read_does_not_reproduce_goes_to_drf(body: dict[str, Any]) -> None:
    assert _drf(body) is not None
    assert plain_input(TrackingCreateSerializer(), body) is None


@pytest.mark.parametrize("body", REFUSED, ids=range(len(REFUSED)))
def test_a_body_drf_refuses_is_never_read_fast(body: Any) -> None:
    assert _drf(body) is None
    assert plain_input(TrackingCreateSerializer(), body) is None


class _Checked(serializers.Serializer[Any]):
    name = serializers.CharField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        raise serializers.ValidationError("every body is refused")


class _CheckedField(serializers.Serializer[Any]):
    name = serializers.CharField()

    def validate_name(self, value: str) -> str:
        raise serializers.ValidationError("every name is refused")


@pytest.mark.parametrize("serializer", [_Checked, _CheckedField])
def test_a_serializer_with_checks_of_its_own_is_always_read_by_drf(serializer: Any) -> None:
    assert plain_input(serializer(), {"name": "plain"}) is None


def test_a_partial_serializer_is_read_by_drf() -> None:
    assert plain_input(TrackingCreateSerializer(partial=True), PLAIN) is None

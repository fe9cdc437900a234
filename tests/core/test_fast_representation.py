"""Serializers rendered by a compiled plan answer exactly what DRF's own rendering answers."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from oneclicktag.core.representation import FastRepresentation, _plan_for
from tenants.actors import Actor
from tests.fixtures.trackings import make_tracking
from tests.trackings.api_support import make_customer
from trackings.api.serializers.deployments import DeploymentSerializer
from trackings.api.serializers.trackings import (
    TrackingSerializer,
    TrackingWriteResultSerializer,
)
from trackings.models import Deployment, Tracking, TrackingStatus, VolumeStatus
from trackings.services.deployments import deployment_enqueue


def _fast_serializers() -> list[type]:
    # Importing the URLs loads every API module, and with it every serializer.
    import oneclicktag.urls  # noqa: F401

    found: list[type] = []
    pending = list(FastRepresentation.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _drf(serializer: serializers.Serializer[Any], instance: Any) -> Any:
    """What DRF itself answers for this serializer and instance."""
    return serializers.Serializer.to_representation(serializer, instance)


def _varied_trackings(tenant: Any) -> list[Tracking]:
    customer = make_customer(tenant)
    plain = make_tracking(customer)
    make_tracking(
        customer,
        type="purchase",
        config={"source": "datalayer", "event": "purchase", "nested": {"a": [1, None, "x"]}},
        destinations=["ga4", "google_ads"],
        ga4_event_name="purchase",
        ga4_parameters={"value": 12, "currency": "EUR", "empty": None},
        ads_value=Decimal("12.5"),
        ads_currency="EUR",
        ads_category="PURCHASE",
        ads_conversion_action_id="123",
        ads_conversion_label="abc",
        key_event=True,
        ads_primary=True,
        status=TrackingStatus.LIVE,
        gtm_trigger_ids=["1", "2"],
        gtm_tag_ids=["3"],
        gtm_variable_ids=[],
        gtm_version_id="7",
        last_error="Google said no",
        last_deployed_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
    )
    Tracking.objects.filter(customer=customer).update(volume_status=VolumeStatus.LOW)
    annotated = list(Tracking.objects.filter(customer=customer).order_by("created_at"))
    # Values as a request holds them before a reload: an enum status, another time zone.
    plain.status = TrackingStatus.REMOVING
    plain.last_deployed_at = dt.datetime(
        2026, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    return [*annotated, plain]


def test_every_fast_serializer_is_compiled_not_left_to_the_fallback() -> None:
    fast = _fast_serializers()
    assert TrackingSerializer in fast
    for cls in fast:
        assert _plan_for(cls) is not None, cls


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_a_tracking_renders_as_drf_renders_it(alice: Any, zone: str) -> None:
    trackings = _varied_trackings(alice)
    serializer = TrackingSerializer()
    with timezone.override(zone):
        for tracking in trackings:
            assert serializer.to_representation(tracking) == _drf(serializer, tracking)
        listed = TrackingSerializer(trackings, many=True).data
        assert list(listed) == [_drf(serializer, t) for t in trackings]


def test_a_page_keeps_drfs_types_decimal_and_all(alice: Any) -> None:
    trackings = _varied_trackings(alice)
    fast = TrackingSerializer(trackings, many=True).data
    slow = [_drf(TrackingSerializer(), t) for t in trackings]
    for mine, theirs in zip(fast, slow, strict=True):
        for key in theirs:
            assert type(mine[key]) is type(theirs[key]), key
        assert type(mine["ads_conversion"]["value"]) is type(theirs["ads_conversion"]["value"])


def test_a_write_result_renders_its_deployment_as_drf_does(alice: Any) -> None:
    tracking = _varied_trackings(alice)[0]
    deployment = deployment_enqueue(
        customer=tracking.customer,
        actor=Actor(user=alice.owner),
        kind="deploy",
        tracking_ids=[tracking.pk],
    )
    serializer = TrackingWriteResultSerializer(context={"deployment": deployment})
    rendered = serializer.to_representation(tracking)
    assert rendered == _drf(serializer, tracking)
    assert rendered["deployment"] == DeploymentSerializer(deployment).data


class _Row(FastRepresentation, serializers.Serializer[Any]):
    """Optional and defaulted fields, read from a mapping or an object."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    optional = serializers.CharField(required=False)
    defaulted = serializers.CharField(default="fallback")
    nullable = serializers.IntegerField(allow_null=True)
    flags = serializers.ListField(child=serializers.BooleanField())
    when = serializers.DateTimeField()


@pytest.mark.parametrize("as_mapping", [True, False])
def test_missing_values_follow_drfs_rules(as_mapping: bool) -> None:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": 7,
        "flags": [True, 0, "yes", None],
        "when": dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    }
    row: Any = values if as_mapping else SimpleNamespace(**values)
    serializer = _Row()
    rendered = serializer.to_representation(row)
    assert rendered == _drf(serializer, row)
    assert "optional" not in rendered
    assert rendered["defaulted"] == "fallback"
    assert rendered["nullable"] is None
    assert rendered["when"] == "2026-01-01T17:00:00Z"


def test_a_deployment_renders_as_drf_renders_it(alice: Any) -> None:
    tracking = _varied_trackings(alice)[0]
    queued = deployment_enqueue(
        customer=tracking.customer, actor=Actor(user=alice.owner), tracking_ids=[tracking.pk]
    )
    finished = Deployment.objects.create(
        organization_id=tracking.organization_id,
        customer=tracking.customer,
        kind="rollback",
        status="failed",
        plan={"gtm": {"tags": [{"name": "x", "change": "create"}]}, "n": [1, None]},
        google_calls={"gtm": 5, "ads": 1},
        error_code="gtm_container_too_large",
        error_message="Too large.",
        attempts=2,
        target_gtm_version_id="12",
        started_at=dt.datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 3, 4, 5, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=3))),
    )
    serializer = DeploymentSerializer()
    for zone in ("UTC", "America/New_York"):
        with timezone.override(zone):
            for deployment in (queued, finished, Deployment.objects.get(pk=queued.pk)):
                rendered = serializer.to_representation(deployment)
                assert rendered == _drf(serializer, deployment)
                assert type(rendered["customer"]) is type(_drf(serializer, deployment)["customer"])
    assert serializer.to_representation(queued)["requested_tracking_ids"] == [str(tracking.pk)]


class _Labelled:
    """An object whose `name` is a method, as a model property or method can be."""

    id = uuid.UUID(int=1)
    nullable = None
    flags: list[Any] = []
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def name(self) -> str:
        return "called"


def test_a_callable_attribute_is_called_as_drf_calls_it() -> None:
    serializer = _Row()
    rendered = serializer.to_representation(_Labelled())
    assert rendered == _drf(serializer, _Labelled())
    assert rendered["name"] == "called"

"""From Tracking rows to the compiler's input, and to the desired container."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from customers.models import Customer, GoogleConnection
from trackings.compiler import compile_container
from trackings.compiler.types import ContainerSpec, DesiredContainer, TrackingSpec
from trackings.models import WANTED_STATUSES, Destination, Tracking, TrackingStatus

logger = logging.getLogger(__name__)


def wanted_trackings(customer: Customer) -> list[Tracking]:
    """Trackings that should be live after the next deployment (failed ones are retried)."""
    return list(
        Tracking.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            status__in=WANTED_STATUSES,
        ).order_by("created_at", "id")
    )


def removing_trackings(customer: Customer) -> list[Tracking]:
    # all_objects: a tracking of a deleted customer may already be hidden by a cascade.
    return list(
        Tracking.all_objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            status=TrackingStatus.REMOVING,
        ).order_by("created_at", "id")
    )


def tracking_spec(tracking: Tracking) -> TrackingSpec:
    return TrackingSpec(
        id=tracking.pk,
        type=tracking.type,
        name=tracking.name,
        config=dict(tracking.config or {}),
        destinations=frozenset(tracking.destinations or []),
        ga4_event_name=tracking.ga4_event_name,
        ga4_parameters={str(k): str(v) for k, v in (tracking.ga4_parameters or {}).items()},
        ads_conversion_id=tracking.ads_conversion_action_id or None,
        ads_conversion_label=tracking.ads_conversion_label or None,
        ads_value=tracking.ads_value,
        ads_currency=tracking.ads_currency or None,
        ads_category=tracking.ads_category or None,
        ads_primary=tracking.ads_primary,
    )


def container_spec(
    customer: Customer, connection: GoogleConnection, ads_tag_id: str | None
) -> ContainerSpec:
    # A deleted customer keeps nothing of ours in its container, its Google tag included; an
    # active one keeps the Google tag (page views for the stream we set up) with no trackings.
    leaving = customer.deleted is not None
    return ContainerSpec(
        measurement_id="" if leaving else connection.ga4_measurement_id,
        ads_conversion_id=ads_tag_id or None,
        public_id=connection.gtm_public_id,
        owner=str(customer.pk),
    )


def uses_ads(tracking: Tracking) -> bool:
    return Destination.GOOGLE_ADS in (tracking.destinations or [])


def known_ads_tag_id(trackings: list[Tracking]) -> str | None:
    """The account's AW- conversion id as last read from tag_snippets (all actions share it)."""
    for tracking in trackings:
        if tracking.ads_tag_conversion_id:
            return tracking.ads_tag_conversion_id
    return None


@dataclass
class Compiled:
    desired: DesiredContainer
    # Trackings that could not be compiled, with the reason (they are marked failed).
    failures: dict[UUID, str] = field(default_factory=dict)
    # The tracking versions compiled, so a tracking edited meanwhile is not marked live.
    versions: dict[UUID, int] = field(default_factory=dict)


def compile_desired(
    customer: Customer,
    trackings: list[Tracking],
    connection: GoogleConnection,
    ads_tag_id: str | None,
) -> Compiled:
    """Compile the customer's wanted trackings. One tracking that does not compile fails alone."""
    container = container_spec(customer, connection, ads_tag_id)
    specs = [tracking_spec(t) for t in trackings]
    failures: dict[UUID, str] = {}
    try:
        desired = compile_container(specs, container)
    except (ValueError, KeyError, TypeError) as whole_error:
        logger.warning("Compiling the container failed; isolating", exc_info=whole_error)
        good: list[TrackingSpec] = []
        for spec in specs:
            try:
                compile_container([spec], container)
            except (ValueError, KeyError, TypeError) as error:
                failures[spec.id] = f"This tracking could not be compiled: {error}"
            else:
                good.append(spec)
        desired = compile_container(good, container)
    return Compiled(
        desired=desired,
        failures=failures,
        versions={t.pk: t.version for t in trackings},
    )


# What decides a tracking's GTM entities and Ads action, as a person wrote it: the Ads ids and
# labels Google gives back are bookkeeping, not part of what was reviewed.
_REVIEWED_FIELDS = (
    "name",
    "type",
    "config",
    "destinations",
    "ga4_event_name",
    "ga4_parameters",
    "ads_value",
    "ads_currency",
    "ads_category",
    "key_event",
    "ads_primary",
)


def desired_fingerprint(
    customer: Customer,
    connection: GoogleConnection | None,
    wanted: list[Tracking],
    removing: list[Tracking],
) -> str:
    """A digest of the customer's desired state: the wanted trackings' fields, the trackings
    being removed and the Google resources they are compiled for. Equal digests compile to the
    same container, so a plan made from one is what a deployment from the other publishes."""
    resources = (
        [
            connection.gtm_container_id,
            connection.gtm_public_id,
            "" if customer.deleted is not None else connection.ga4_measurement_id,
            connection.ads_conversion_customer_id or connection.ads_customer_id,
        ]
        if connection is not None
        else []
    )
    state = {
        "resources": resources,
        "wanted": [
            [str(t.pk), {name: _comparable(getattr(t, name)) for name in _REVIEWED_FIELDS}]
            for t in wanted
        ],
        "removing": sorted(str(t.pk) for t in removing),
    }
    encoded = json.dumps(state, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _comparable(value: object) -> object:
    # A value read back from the database (10.00) and one just written (10) are the same.
    return f"{value:.2f}" if isinstance(value, Decimal) else value

"""The GA4 half of a deployment: the property's key events match what the trackings need.

A tracking with `key_event` makes its GA4 event a key event (a conversion in GA4). After the GTM
step, one list of the property's key events, then one create per key event missing and one
delete per key event we created that no tracking needs any more: 1 + changes calls, nothing when
nothing changed but the list. Only key events we created (their resource names are kept on the
connection) are ever deleted; one a person made is left alone, even when no tracking needs it,
and is not taken over when a tracking wants the same event.

GA4's limit (30 key events per standard property) is checked before any call: on the trackings'
own number first, then, after the list, on what the property would hold.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from customers.models import GoogleConnection
from integrations.google.errors import GoogleError, GoogleNeedsReconnect, GoogleQuotaExceeded
from integrations.google.ga4 import Ga4Client
from trackings.catalog import GA4
from trackings.compiler import DesiredContainer, entity_key
from trackings.engine.context import RunContext, with_retries, with_retries_create
from trackings.models import Tracking

logger = logging.getLogger(__name__)

# "Up to 30 key events per property" (Google Analytics Help, "[GA4] Key events": limits of a
# standard property; 360 properties have 50). We never assume 360.
GA4_MAX_KEY_EVENTS = 30


@dataclass
class Ga4Outcome:
    # Trackings whose key event could not be made, with the reason.
    failures: dict[uuid.UUID, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def key_events_wanted(wanted: list[Tracking]) -> dict[str, list[Tracking]]:
    """GA4 event name -> the trackings that want it as a key event."""
    events: dict[str, list[Tracking]] = {}
    for tracking in wanted:
        if tracking.key_event and GA4 in (tracking.destinations or []) and tracking.ga4_event_name:
            events.setdefault(tracking.ga4_event_name, []).append(tracking)
    return events


def _fail_all(
    events: dict[str, list[Tracking]], names: set[str], reason: str
) -> dict[uuid.UUID, str]:
    return {t.pk: reason for name in names for t in events[name]}


def ga4_sync_key_events(
    ctx: RunContext, *, wanted: list[Tracking], connection: GoogleConnection
) -> Ga4Outcome:
    outcome = Ga4Outcome()
    events = key_events_wanted(wanted)
    ours = set(connection.ga4_key_events_created or [])
    if not connection.ga4_property_id or (not events and not ours):
        return outcome
    if len(events) > GA4_MAX_KEY_EVENTS:
        outcome.failures = _fail_all(
            events,
            set(events),
            f"The trackings want {len(events)} GA4 key events; a GA4 property holds "
            f"{GA4_MAX_KEY_EVENTS}. Turn key_event off on some trackings.",
        )
        return outcome
    ga4 = ctx.clients.ga4
    property_name = f"properties/{connection.ga4_property_id}"
    existing = with_retries("list_key_events", lambda: ga4.list_key_events(property_name))
    by_event = {str(k.get("eventName")): k for k in existing}
    live_names = {str(k.get("name")) for k in existing}
    # A key event of ours a person deleted is no longer ours to delete.
    ours &= live_names
    to_delete = [
        k
        for k in existing
        if k.get("name") in ours and k.get("eventName") not in events and k.get("deletable", True)
    ]
    missing = sorted(set(events) - set(by_event))
    room = GA4_MAX_KEY_EVENTS - (len(existing) - len(to_delete))
    if len(missing) > room:
        outcome.failures = _fail_all(
            events,
            set(missing),
            f"The GA4 property already has {len(existing)} key events (of {GA4_MAX_KEY_EVENTS}); "
            f"{len(missing)} more do not fit. Remove some in GA4 or turn key_event off.",
        )
        missing = []
    for key_event in to_delete:
        name = str(key_event["name"])
        try:
            with_retries("delete_key_event", partial(ga4.delete_key_event, name))
        except GoogleError as error:
            if isinstance(error, GoogleQuotaExceeded | GoogleNeedsReconnect):
                raise
            # Still ours: the next deployment tries again.
            logger.warning("GA4 kept a key event", extra={"key_event": name, "error": error.code})
            continue
        ours.discard(name)
        outcome.deleted.append(str(key_event["eventName"]))
    for event_name in missing:
        create = partial(ga4.create_key_event, property_name, event_name=event_name)
        find = partial(_find_key_event, ga4, property_name, event_name)
        try:
            created = with_retries_create("create_key_event", create, find=find)
        except GoogleError as error:
            if isinstance(error, GoogleQuotaExceeded | GoogleNeedsReconnect):
                raise
            outcome.failures.update(
                _fail_all(
                    events,
                    {event_name},
                    f"GA4 did not make '{event_name}' a key event: {error.message}",
                )
            )
            continue
        ours.add(str(created["name"]))
        outcome.created.append(event_name)
    kept = sorted(ours)
    if kept != sorted(connection.ga4_key_events_created or []):
        GoogleConnection.objects.filter(pk=connection.pk).update(ga4_key_events_created=kept)
        connection.ga4_key_events_created = kept
    return outcome


def _find_key_event(ga4: Ga4Client, property_name: str, event_name: str) -> dict[str, Any] | None:
    """The key event a create whose answer was lost made (GA4 keeps one per event name)."""
    for key_event in ga4.list_key_events(property_name):
        if key_event.get("eventName") == event_name:
            return key_event
    return None


def _find_event_dimension(
    ga4: Ga4Client, property_name: str, parameter: str
) -> dict[str, Any] | None:
    for dimension in ga4.list_custom_dimensions(property_name):
        if dimension.get("parameterName") == parameter and dimension.get("scope") == "EVENT":
            return dimension
    return None


# Event-scoped custom dimensions per standard property (Google Analytics Help, "Custom
# dimensions and metrics": 50 event-scoped).
GA4_MAX_EVENT_DIMENSIONS = 50
# The description marks the dimensions we made: only those are ever archived.
DIMENSION_DESCRIPTION = "Managed by OneClickTag: registered for a tracking's event parameter."


@dataclass
class DimensionsOutcome:
    failures: dict[uuid.UUID, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)


def parameters_wanted(
    wanted: list[Tracking], desired: DesiredContainer
) -> dict[str, list[Tracking]]:
    """Event parameter name -> the trackings whose GA4 tag sends it (from the compiled tags)."""
    by_key = desired.by_key()
    parameters: dict[str, list[Tracking]] = {}
    for tracking in wanted:
        tag = by_key.get(entity_key("ga4-tag", tracking.pk))
        if tag is None:
            continue
        for parameter in tag.body.get("parameter") or []:
            if parameter.get("key") != "eventSettingsTable":
                continue
            for row in parameter.get("list") or []:
                for cell in row.get("map") or []:
                    if cell.get("key") == "parameter" and cell.get("value"):
                        parameters.setdefault(str(cell["value"]), []).append(tracking)
    return parameters


def ga4_sync_custom_dimensions(
    ctx: RunContext,
    *,
    wanted: list[Tracking],
    desired: DesiredContainer,
    connection: GoogleConnection,
) -> DimensionsOutcome:
    """Event-scoped custom dimensions for the parameters the live tags send, so they show in
    reports: one list, one create per missing, one archive per dimension of ours not needed."""
    outcome = DimensionsOutcome()
    if not connection.ga4_property_id:
        return outcome
    parameters = parameters_wanted(wanted, desired)
    if len(parameters) > GA4_MAX_EVENT_DIMENSIONS:
        outcome.failures = _fail_all(
            parameters,
            set(parameters),
            f"The trackings send {len(parameters)} event parameters; a GA4 property registers "
            f"{GA4_MAX_EVENT_DIMENSIONS} event-scoped custom dimensions. Send fewer parameters.",
        )
        return outcome
    ga4 = ctx.clients.ga4
    property_name = f"properties/{connection.ga4_property_id}"
    existing = [
        d
        for d in with_retries(
            "list_custom_dimensions", lambda: ga4.list_custom_dimensions(property_name)
        )
        if d.get("scope") == "EVENT"
    ]
    if not parameters and not any(d.get("description") == DIMENSION_DESCRIPTION for d in existing):
        return outcome
    registered = {str(d.get("parameterName")) for d in existing}
    to_archive = [
        d
        for d in existing
        if d.get("description") == DIMENSION_DESCRIPTION
        and d.get("parameterName") not in parameters
    ]
    missing = sorted(set(parameters) - registered)
    room = GA4_MAX_EVENT_DIMENSIONS - (len(existing) - len(to_archive))
    if len(missing) > room:
        outcome.failures = _fail_all(
            parameters,
            set(missing),
            f"The GA4 property already has {len(existing)} event-scoped custom dimensions (of "
            f"{GA4_MAX_EVENT_DIMENSIONS}); {len(missing)} more do not fit.",
        )
        missing = []
    for dimension in to_archive:
        try:
            with_retries(
                "archive_custom_dimension",
                partial(ga4.archive_custom_dimension, str(dimension["name"])),
            )
        except GoogleError as error:
            if isinstance(error, GoogleQuotaExceeded | GoogleNeedsReconnect):
                raise
            logger.warning("GA4 kept a custom dimension", extra={"error": error.code})
            continue
        outcome.archived.append(str(dimension["parameterName"]))
    for parameter in missing:
        create = partial(
            ga4.create_custom_dimension,
            property_name,
            parameter_name=parameter,
            description=DIMENSION_DESCRIPTION,
        )
        find = partial(_find_event_dimension, ga4, property_name, parameter)
        try:
            with_retries_create("create_custom_dimension", create, find=find)
        except GoogleError as error:
            if isinstance(error, GoogleQuotaExceeded | GoogleNeedsReconnect):
                raise
            outcome.failures.update(
                _fail_all(
                    parameters,
                    {parameter},
                    f"GA4 did not register the parameter '{parameter}': {error.message}",
                )
            )
            continue
        outcome.created.append(parameter)
    return outcome

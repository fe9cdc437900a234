"""compile_container: the trackings a customer wants live -> the desired GTM container."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from trackings.catalog import GA4, GOOGLE_ADS, config_with_defaults, get_tracking_type
from trackings.catalog.base import TrackingType
from trackings.compiler.entities import (
    BUILT_IN_BY_NAME,
    VARIABLE_REFERENCE,
    boolean,
    settings_table,
    strings_in,
    tag_common,
    template,
)
from trackings.compiler.rules import RULES
from trackings.compiler.triggers import Firing
from trackings.compiler.types import (
    ALL_PAGES_TRIGGER_ID,
    OWNER_PREFIX,
    ContainerSpec,
    DesiredContainer,
    DesiredConversionAction,
    DesiredEntity,
    EntityType,
    TrackingSpec,
    entity_key,
    ref,
)
from trackings.compiler.variables import VariableDef
from trackings.listeners import STORES_ON_DEVICE, listener_html

NOTES_TRAILER = "Managed by OneClickTag: edit the tracking there; changes made here are replaced."
MAX_NAME_PART = 80
# Google Ads' defaults for website conversions.
CLICK_THROUGH_LOOKBACK_DAYS = 30
VIEW_THROUGH_LOOKBACK_DAYS = 1

_ENTITY_ORDER: dict[str, int] = {"variable": 0, "trigger": 1, "tag": 2}


def notes_for(key: str, owner: str) -> str:
    """The marker is the first line of ``notes`` (the planner finds our entities by it), the
    owning customer the second (the planner touches only that customer's)."""
    return f"{key}\n{OWNER_PREFIX}{owner}\n{NOTES_TRAILER}"


def ga4_event_name(spec: TrackingSpec, tracking_type: TrackingType, config: dict[str, Any]) -> str:
    if spec.ga4_event_name:
        return spec.ga4_event_name
    if tracking_type.default_ga4_event:
        return tracking_type.default_ga4_event
    return ga4_name_for_data_layer_event(str(config["event"]))


def ga4_name_for_data_layer_event(event: str) -> str:
    """custom_event without a GA4 name: the dataLayer event, made a valid GA4 name (letters,
    digits, underscores). Validation checks this name, not the raw event: it is what is sent."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", event).strip("_") or "custom_event"
    if not name[0].isalpha():
        name = f"event_{name}"
    return name[:40]


def conversion_id_digits(value: str) -> str:
    return value.strip().upper().removeprefix("AW-")


def display_name(spec: TrackingSpec) -> str:
    name = " ".join(spec.name.split())[:MAX_NAME_PART] or spec.type
    return f"OCT - {name} [{spec.id.hex[:8]}]"


class _Builder:
    def __init__(self, container: ContainerSpec, *, with_refs: bool = True) -> None:
        self.container = container
        # Without: entities whose `refs` stay empty (nothing plans or deploys them).
        self.with_refs = with_refs
        self.entities: list[DesiredEntity] = []
        self.variables: dict[str, VariableDef] = {}
        self.listeners: set[str] = set()
        # behaviour -> setting -> the values the trackings asked for (JSON text, for a union).
        self.listener_settings: dict[str, dict[str, set[str]]] = {}
        self.uses_ads = False
        self.actions: list[DesiredConversionAction] = []

    def add(self, entity_type: EntityType, key: str, name: str, body: dict[str, Any]) -> None:
        full = {"name": name, **body, "notes": notes_for(key, self.container.owner)}
        refs = tuple(sorted(set(_refs_in(full)))) if self.with_refs else ()
        self.entities.append(DesiredEntity(entity_type, key, full, refs))

    def tracking(self, spec: TrackingSpec) -> None:
        tracking_type = get_tracking_type(spec.type)
        config = config_with_defaults(spec.type, spec.config)
        firing = RULES[spec.type](spec, config)
        destinations = set(spec.destinations) & set(tracking_type.destinations)
        send_ga4 = GA4 in destinations and bool(self.container.measurement_id)
        send_ads = GOOGLE_ADS in destinations
        if not (send_ga4 or send_ads):
            return
        base = display_name(spec)
        trigger_key = entity_key("trigger", spec.id)
        for n, (label, part) in enumerate(firing.parts, start=1):
            self.add(
                "trigger",
                entity_key(f"trigger-part-{n}", spec.id),
                f"{base} - Trigger part {n} ({label})",
                part,
            )
        self.add("trigger", trigger_key, f"{base} - Trigger", firing.trigger)
        for variable in firing.variables:
            self.variables[variable.key] = variable
        if firing.listener:
            self.listeners.add(firing.listener)
            merged = self.listener_settings.setdefault(firing.listener, {})
            for name, values in firing.listener_settings.items():
                merged.setdefault(name, set()).update(json.dumps(v, sort_keys=True) for v in values)
        if send_ga4:
            self.add(
                "tag",
                entity_key("ga4-tag", spec.id),
                f"{base} - GA4",
                self.ga4_tag(spec, tracking_type, config, firing, trigger_key),
            )
            for extra in firing.extra_ga4:
                extra_trigger = entity_key(f"trigger-{extra.kind}", spec.id)
                self.add(
                    "trigger", extra_trigger, f"{base} - Trigger ({extra.label})", extra.trigger
                )
                extra_firing = Firing(extra.trigger, ga4_parameters=extra.ga4_parameters)
                self.add(
                    "tag",
                    entity_key(f"ga4-tag-{extra.kind}", spec.id),
                    f"{base} - GA4 ({extra.label})",
                    self.ga4_tag(
                        spec,
                        tracking_type,
                        config,
                        extra_firing,
                        extra_trigger,
                        event_name=extra.event_name,
                    ),
                )
        if send_ads:
            self.uses_ads = True
            self.actions.append(self.conversion_action(spec, tracking_type, firing))
            label = (spec.ads_conversion_label or "").strip()
            if label and self.container.ads_conversion_id:
                self.add(
                    "tag",
                    entity_key("ads-tag", spec.id),
                    f"{base} - Google Ads",
                    self.ads_tag(spec, label, firing, trigger_key),
                )

    def ga4_tag(
        self,
        spec: TrackingSpec,
        tracking_type: TrackingType,
        config: dict[str, Any],
        firing: Firing,
        trigger_key: str,
        *,
        event_name: str | None = None,
    ) -> dict[str, Any]:
        rows = dict(firing.ga4_parameters)
        # Parameters the user set win over ours; sorted because JSON storage loses order.
        rows.update({k: spec.ga4_parameters[k] for k in sorted(spec.ga4_parameters)})
        parameter = [boolean("sendEcommerceData", firing.ecommerce)]
        if firing.ecommerce:
            parameter.append(template("getEcommerceDataFrom", "dataLayer"))
        parameter.append(boolean("enhancedUserId", False))
        if rows:
            parameter.append(settings_table("eventSettingsTable", list(rows.items())))
        parameter += [
            template("eventName", event_name or ga4_event_name(spec, tracking_type, config)),
            template("measurementIdOverride", self.container.measurement_id),
        ]
        return {
            "type": "gaawe",
            "parameter": parameter,
            "firingTriggerId": [ref(trigger_key)],
            **tag_common(),
        }

    def ads_tag(
        self, spec: TrackingSpec, label: str, firing: Firing, trigger_key: str
    ) -> dict[str, Any]:
        assert self.container.ads_conversion_id is not None
        parameter = [
            template("conversionId", conversion_id_digits(self.container.ads_conversion_id)),
            template("conversionLabel", label),
        ]
        value = firing.ads_dynamic.get("conversionValue")
        if value is None and spec.ads_value is not None:
            value = str(spec.ads_value)
        currency = firing.ads_dynamic.get("currencyCode") or spec.ads_currency
        if value is not None:
            parameter.append(template("conversionValue", value))
        if currency:
            parameter.append(template("currencyCode", currency))
        if "orderId" in firing.ads_dynamic:
            parameter.append(template("orderId", firing.ads_dynamic["orderId"]))
        return {
            "type": "awct",
            "parameter": parameter,
            "firingTriggerId": [ref(trigger_key)],
            **tag_common(),
        }

    def conversion_action(
        self, spec: TrackingSpec, tracking_type: TrackingType, firing: Firing
    ) -> DesiredConversionAction:
        name = " ".join(spec.name.split())[:150] or spec.type
        return DesiredConversionAction(
            tracking_id=spec.id,
            # Ads names are unique per account: the tracking id makes ours unique and lets a
            # re-run recognise (and adopt) an action it created before a crash.
            name=f"OCT - {name} [{spec.id}]",
            category=spec.ads_category or tracking_type.ads_category,
            counting_type=tracking_type.ads_counting_type,
            default_value=spec.ads_value,
            currency_code=spec.ads_currency,
            always_use_default_value="conversionValue" not in firing.ads_dynamic,
            click_through_lookback_window_days=CLICK_THROUGH_LOOKBACK_DAYS,
            view_through_lookback_window_days=VIEW_THROUGH_LOOKBACK_DAYS,
            primary_for_goal=(
                tracking_type.ads_primary_default if spec.ads_primary is None else spec.ads_primary
            ),
        )

    def settings(self, behaviour: str) -> dict[str, list[Any]]:
        """The listener's settings: each list the union of the trackings', in a stable order."""
        merged = self.listener_settings.get(behaviour, {})
        return {name: [json.loads(v) for v in sorted(values)] for name, values in merged.items()}

    def container_entities(self) -> None:
        if self.container.measurement_id:
            self.add(
                "tag",
                entity_key("google-tag", "container"),
                f"OCT - Google tag {self.container.measurement_id}",
                {
                    "type": "googtag",
                    "parameter": [template("tagId", self.container.measurement_id)],
                    "firingTriggerId": [ALL_PAGES_TRIGGER_ID],
                    **tag_common(),
                },
            )
        if self.uses_ads:
            self.add(
                "tag",
                entity_key("linker", "container"),
                "OCT - Conversion Linker",
                {
                    "type": "gclidw",
                    "parameter": [
                        boolean("enableCrossDomain", False),
                        boolean("enableUrlPassthrough", False),
                        boolean("enableCookieOverrides", False),
                    ],
                    "firingTriggerId": [ALL_PAGES_TRIGGER_ID],
                    **tag_common(),
                },
            )
        if self.listeners:
            for behaviour in sorted(self.listeners):
                self.add(
                    "tag",
                    entity_key("listener", behaviour),
                    f"OCT - Listener - {behaviour}",
                    {
                        "type": "html",
                        "parameter": [
                            template("html", listener_html(behaviour, self.settings(behaviour))),
                            boolean("supportDocumentWrite", False),
                        ],
                        "firingTriggerId": [ALL_PAGES_TRIGGER_ID],
                        **tag_common(
                            needs_consent=(
                                "analytics_storage" if behaviour in STORES_ON_DEVICE else None
                            )
                        ),
                    },
                )
        for variable in self.variables.values():
            self.add("variable", variable.key, variable.name, variable.body)


def _refs_in(body: dict[str, Any]) -> Iterable[str]:
    for text in strings_in(body):
        if text.startswith("@ref:"):
            yield text.removeprefix("@ref:")


def built_ins_referenced(entities: Iterable[DesiredEntity]) -> set[str]:
    """The built-in variables whose ``{{Name}}`` appears anywhere in the entities."""
    found: set[str] = set()
    for entity in entities:
        for text in strings_in(entity.body):
            if "{{" not in text:
                continue
            for name in VARIABLE_REFERENCE.findall(text):
                if name.strip() in BUILT_IN_BY_NAME:
                    found.add(BUILT_IN_BY_NAME[name.strip()])
    return found


def compile_container(
    trackings: Sequence[TrackingSpec], container: ContainerSpec
) -> DesiredContainer:
    """The desired entities for these trackings (the ones the engine wants live).

    Deterministic: the same input gives the same entities, names and order.
    """
    builder = _Builder(container)
    for spec in sorted(trackings, key=lambda s: str(s.id)):
        builder.tracking(spec)
    builder.container_entities()
    entities = sorted(builder.entities, key=lambda e: (_ENTITY_ORDER[e.entity_type], e.key))
    entities = _unique_names(entities)
    return DesiredContainer(
        owner=container.owner,
        entities=entities,
        built_in_variables=built_ins_referenced(entities),
        ads_conversion_actions=sorted(builder.actions, key=lambda a: str(a.tracking_id)),
    )


def compile_tracking_alone(spec: TrackingSpec, container: ContainerSpec) -> list[DesiredEntity]:
    """One tracking's own entities and the variables they read, without what the container
    adds for all trackings (the Google tag, the linker, listener tags, built-in switches): what
    a check of the tracking itself reads, at a third of `compile_container`'s cost. Raises
    what compiling it in a container raises. Their `refs` are not worked out (nothing plans
    them; on a bulk create of 100 that walk was a twentieth of the request)."""
    builder = _Builder(container, with_refs=False)
    builder.tracking(spec)
    for variable in builder.variables.values():
        builder.add("variable", variable.key, variable.name, variable.body)
    return builder.entities


def _unique_names(entities: list[DesiredEntity]) -> list[DesiredEntity]:
    """Two trackings whose names and id prefixes coincide still get distinct GTM names."""
    seen: set[tuple[str, str]] = set()
    result = []
    for entity in entities:
        name, n = entity.name, 1
        while (entity.entity_type, name) in seen:
            n += 1
            name = f"{entity.name} ({n})"
        seen.add((entity.entity_type, name))
        if name == entity.name:
            result.append(entity)
        else:
            body = {**entity.body, "name": name}
            result.append(DesiredEntity(entity.entity_type, entity.key, body, entity.refs))
    return result

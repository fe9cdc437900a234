"""Read what is live and record it: GTM ids on trackings, the ContainerVersion, health."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from trackings.compiler.types import DesiredContainer
from trackings.engine.context import RunContext
from trackings.models import ContainerVersion, Deployment, TrackingHealth
from trackings.planner import managed_key

ENTITY_ID_FIELDS = {"tag": "tagId", "trigger": "triggerId", "variable": "variableId"}


@dataclass
class LiveIndex:
    """The live version's entities managed for one customer, by marker."""

    version_id: str
    by_key: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def of(cls, version: dict[str, Any], *, owner: str) -> LiveIndex:
        index = cls(version_id=str(version.get("containerVersionId") or ""))
        for entity_type in ENTITY_ID_FIELDS:
            for entity in version.get(entity_type) or []:
                key = managed_key(entity, owner)
                if key is not None:
                    index.by_key[key] = (entity_type, entity)
        return index

    def gtm_ids(self, keys: list[str]) -> dict[str, list[str]]:
        ids: dict[str, list[str]] = {"tag": [], "trigger": [], "variable": []}
        for key in keys:
            if key in self.by_key:
                entity_type, entity = self.by_key[key]
                ids[entity_type].append(str(entity.get(ENTITY_ID_FIELDS[entity_type])))
        return ids


def tracking_keys(desired: DesiredContainer, tracking_id: uuid.UUID) -> list[str]:
    """The keys of the tracking's own entities plus the shared variables they read."""
    own = desired.keys_for_tracking(tracking_id)
    bodies = json.dumps([desired.entity(k).body for k in own])
    variables = [e.key for e in desired.shared_variables() if "{{" + e.name + "}}" in bodies]
    return own + variables


def missing_keys(desired: DesiredContainer, tracking_id: uuid.UUID, live: LiveIndex) -> list[str]:
    return [k for k in desired.keys_for_tracking(tracking_id) if k not in live.by_key]


def published_at(version: dict[str, Any]) -> datetime:
    # Versions carry no publish time in the API; we record when we saw it go live.
    return timezone.now()


def record_container_version(
    ctx: RunContext,
    version: dict[str, Any],
    *,
    deployment: Deployment | None,
    by_us: bool,
    trackings: list[dict[str, Any]] | None = None,
) -> ContainerVersion:
    snapshot = {k: version.get(k) or [] for k in ("tag", "trigger", "variable", "builtInVariable")}
    record, _ = ContainerVersion.objects.update_or_create(
        organization_id=ctx.customer.organization_id,
        customer=ctx.customer,
        gtm_container_id=ctx.connection.gtm_container_id,
        gtm_version_id=str(version.get("containerVersionId") or ""),
        defaults={
            "name": str(version.get("name") or ""),
            "published_at": published_at(version),
            "deployment": deployment,
            "snapshot": snapshot,
            "published_by_us": by_us,
            "trackings": trackings,
        },
    )
    return record


def health_of(
    desired: DesiredContainer, tracking_id: uuid.UUID, live: LiveIndex, plan_changes: set[str]
) -> str:
    """Healthy when every entity of the tracking is live as desired; missing when one is
    absent; drifted when one is there but differs (the planner would update it)."""
    keys = desired.keys_for_tracking(tracking_id)
    if not keys or any(k not in live.by_key for k in keys):
        return TrackingHealth.MISSING
    if any(k in plan_changes for k in keys):
        return TrackingHealth.DRIFTED
    return TrackingHealth.HEALTHY

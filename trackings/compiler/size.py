"""How many bytes the desired container takes, measured as Google limits it.

Google refuses a web container version over 200 KB ("Container size",
support.google.com/tagmanager/answer/2772488); Google counts the compiled gtm.js, which no API
exposes. The measure used here is the compact JSON (sorted keys, no spaces) of the entities'
bodies grouped by kind, each kind's bodies sorted by their text: the same definition the project's
Google emulator documents for its own check, so a refusal here predicts a refusal there.

It counts only the entities we compile. A person's entities in the same container count toward
Google's limit too; the check covers ours, and Google's own refusal (surfaced as a deployment
error) remains the last word for the rest.
"""

from __future__ import annotations

import json
from typing import Any

from integrations.google.container_size import GTM_WEB_CONTAINER_LIMIT_BYTES
from trackings.compiler.types import DesiredContainer

CONTAINER_SIZE_LIMIT_BYTES = GTM_WEB_CONTAINER_LIMIT_BYTES


def container_size_bytes(desired: DesiredContainer) -> int:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entity in desired.entities:
        grouped.setdefault(entity.entity_type, []).append(entity.body)
    payload = {kind: sorted(bodies, key=str) for kind, bodies in grouped.items()}
    return len(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())


def container_overflow_bytes(desired: DesiredContainer) -> int:
    """Bytes over the limit (0 when the container fits)."""
    return max(0, container_size_bytes(desired) - CONTAINER_SIZE_LIMIT_BYTES)

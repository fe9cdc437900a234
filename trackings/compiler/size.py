"""How many bytes the desired container takes, measured as Google limits it.

Google refuses a web container version over 200 KB ("Container size",
support.google.com/tagmanager/answer/2772488); Google counts the compiled gtm.js, which no API
exposes. The measure used here is the compact JSON (sorted keys, no spaces) of the entities'
bodies grouped by kind, each kind's bodies sorted by their text: the same definition the project's
Google emulator documents for its own check, so a refusal here predicts a refusal there.

The same measure applies to a live version's entity lists (`entities_size_bytes`): the
budget adds what a person's own entities take in the container, as last read, to ours
(trackings/container_budget.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from integrations.google.container_size import (
    GTM_WEB_CONTAINER_LIMIT_BYTES,
    gtm_container_limit_bytes,
)
from trackings.compiler.types import DesiredContainer

# Google's limit; checks ask `gtm_container_limit_bytes()`, which is it unless a bench raised it.
CONTAINER_SIZE_LIMIT_BYTES = GTM_WEB_CONTAINER_LIMIT_BYTES


def entities_size_bytes(grouped: Mapping[str, list[dict[str, Any]]]) -> int:
    """Bytes of entity bodies grouped by kind (empty kinds left out, as an export has none).
    The sorting of the definition is left out: the order of a list's items or of an object's
    keys does not change the length of its JSON (sorting bodies by their text was a fifth of
    the measure's cost), and ASCII-only JSON has as many bytes as characters."""
    payload = {kind: bodies for kind, bodies in grouped.items() if bodies}
    return len(json.dumps(payload, separators=(",", ":")))


def container_size_bytes(desired: DesiredContainer) -> int:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entity in desired.entities:
        grouped.setdefault(entity.entity_type, []).append(entity.body)
    return entities_size_bytes(grouped)


def container_overflow_bytes(desired: DesiredContainer) -> int:
    """Bytes over the limit (0 when the container fits)."""
    return max(0, container_size_bytes(desired) - gtm_container_limit_bytes())

"""What the plan preview read from GTM, kept a minute per customer.

A person (any role) polling `GET /customers/{id}/plan/` spent four or five live GTM calls a poll
from the quota every tenant shares (issue 13). The preview now reads GTM at most once per
PREVIEW_READ_SECONDS per customer and container and says how old its read is (`gtm_read_at`);
a deployment of the customer forgets the read, so the next preview sees what it changed. With the
cache down the preview reads live, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from oneclicktag.core.infrastructure import CACHE_ERRORS

logger = logging.getLogger(__name__)

PREVIEW_READ_SECONDS = 60


def _key(customer_id: Any, container_id: str) -> str:
    return f"plan-preview-read:{customer_id}:{container_id}"


def gtm_entities_read(
    *, customer_id: Any, container_id: str, read: Callable[[], dict[str, list[dict[str, Any]]]]
) -> tuple[dict[str, list[dict[str, Any]]], datetime]:
    """The entities `read` returns, and when they were read: from the last minute's read when
    there is one, else read now and kept."""
    key = _key(customer_id, container_id)
    try:
        kept = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("Plan preview cache unavailable", extra={"error": type(exc).__name__})
        kept = None
    if kept is not None:
        return kept["entities"], datetime.fromisoformat(kept["read_at"])
    entities, read_at = read(), timezone.now()
    try:
        cache.set(key, {"entities": entities, "read_at": read_at.isoformat()}, PREVIEW_READ_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("Plan preview cache unavailable", extra={"error": type(exc).__name__})
    return entities, read_at


def gtm_entities_forget(*, customer_id: Any, container_id: str) -> None:
    """The customer's container changed (a deployment ran): the next preview reads it again."""
    try:
        cache.delete(_key(customer_id, container_id))
    except CACHE_ERRORS as exc:
        logger.warning("Plan preview cache unavailable", extra={"error": type(exc).__name__})

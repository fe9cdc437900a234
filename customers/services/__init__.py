"""Writes and business rules for customers (customers.py). Callers import from here:
`from customers import services`, then `services.customer_update(...)`."""

from customers.services.customers import (
    EDITABLE_FIELDS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    SLUG_MAX_LENGTH,
    customer_create,
    customer_delete,
    customer_restore,
    customer_snapshot,
    customer_update,
)

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "SLUG_MAX_LENGTH",
    "customer_create",
    "customer_delete",
    "customer_restore",
    "customer_snapshot",
    "customer_update",
]

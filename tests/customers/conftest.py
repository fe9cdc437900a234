"""Customers made through the service, as the API would make them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from customers.models import Customer
from customers.services import customer_create
from tenants.actors import Actor


@pytest.fixture
def make_customer() -> Callable[..., Customer]:
    counter = iter(range(1, 10_000))

    def make(tenant: Any, **fields: Any) -> Customer:
        number = next(counter)
        fields.setdefault("name", f"Customer {number}")
        fields.setdefault("website_url", f"https://customer{number}.example.com")
        return customer_create(
            organization=tenant.organization, actor=Actor(user=tenant.owner), **fields
        )

    return make

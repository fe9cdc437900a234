"""Staff see pending changes (review before publish) read only: the list, a change with its
plan; they cannot add or delete one (approval is the API's, with its check at Google)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from customers.models import Customer, PublishPolicy
from tenants.models import User
from tests.trackings.api_support import create, make_customer
from trackings.models import PendingChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(email="staff@oneclicktag.example"))
    return client


def test_staff_read_a_pending_change_with_its_plan_and_cannot_add_or_delete(
    alice: Any, staff: Client
) -> None:
    customer = make_customer(alice)
    Customer.objects.filter(pk=customer.pk).update(publish_policy=PublishPolicy.REVIEW)
    change_id = create(alice, customer)["pending_change"]["id"]
    PendingChange.objects.filter(pk=change_id).update(
        plan={"gtm": {"create": [{"name": "OCT - Buy button [1234abcd]"}]}}
    )
    base = "/admin/trackings/pendingchange/"

    listed = staff.get(base)
    page = staff.get(f"{base}{change_id}/change/")

    assert listed.status_code == 200
    assert change_id in listed.content.decode()
    assert page.status_code == 200
    assert "OCT - Buy button [1234abcd]" in page.content.decode()
    tracking_ids = PendingChange.objects.get(pk=change_id).tracking_ids
    assert escape(json.dumps(tracking_ids)) in page.content.decode()
    assert staff.get(f"{base}add/").status_code == 403
    assert staff.get(f"{base}{change_id}/delete/").status_code == 403
    assert PendingChange.objects.filter(pk=change_id).exists()

from __future__ import annotations

import re

import pytest
from django.test import Client

from customers.models import Customer
from tenants.models import AuditEvent, User

CHANGELIST = "/admin/customers/customer/"


@pytest.fixture
def staff_client(db) -> Client:
    staff = User.objects.create_superuser(email="staff@oneclicktag.example")
    client = Client()
    client.force_login(staff)
    return client


def test_staff_see_live_and_deleted_customers_and_can_filter_them(
    staff_client, alice, make_customer
):
    make_customer(alice, name="Still Here")
    gone = make_customer(alice, name="Gone Away")
    alice.client.delete(f"/api/v1/customers/{gone.pk}/")

    everything = staff_client.get(CHANGELIST).content.decode()
    deleted_only = staff_client.get(CHANGELIST, {"deleted": "yes"}).content.decode()
    live_only = staff_client.get(CHANGELIST, {"deleted": "no"}).content.decode()

    assert "Still Here" in everything
    assert "Gone Away" in everything
    assert "Gone Away" in deleted_only
    assert "Still Here" not in deleted_only
    assert "Gone Away" not in live_only


def test_staff_search_by_name_and_organization(staff_client, alice, bob, make_customer):
    make_customer(alice, name="Acme Shoes")
    make_customer(bob, name="Bobs Bikes")

    page = staff_client.get(CHANGELIST, {"q": "Bob Agency"}).content.decode()

    assert "Bobs Bikes" in page
    assert "Acme Shoes" not in page


def test_the_restore_action_restores_and_audits(staff_client, alice, make_customer):
    gone = make_customer(alice, name="Gone Away")
    alice.client.delete(f"/api/v1/customers/{gone.pk}/")

    response = staff_client.post(
        CHANGELIST,
        {"action": "restore_customers", "_selected_action": [str(gone.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert Customer.objects.filter(pk=gone.pk).exists()
    event = AuditEvent.objects.get(action="customer.restore")
    assert event.actor_label == "staff@oneclicktag.example"


def test_editing_in_the_admin_goes_through_the_service(staff_client, alice, make_customer):
    customer = make_customer(alice, name="Acme")
    path = f"{CHANGELIST}{customer.pk}/change/"
    # Post the inline management forms (trackings, deployments, versions) back as rendered.
    page = staff_client.get(path).content.decode()
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)

    response = staff_client.post(
        path,
        {
            **hidden,
            "name": "Acme Renamed",
            "slug": customer.slug,
            "website_url": customer.website_url,
            "contact_email": "",
            "status": "paused",
            "tags": '["vip"]',
            "notes": "",
            "drift_policy": "report",
            "publish_policy": "review",
            "time_zone": "Europe/Berlin",
            "currency": "EUR",
            "health_check_interval_minutes": "30",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert (customer.name, customer.status, customer.tags, customer.version) == (
        "Acme Renamed",
        "paused",
        ["vip"],
        2,
    )
    assert customer.drift_policy == "report"
    assert customer.publish_policy == "review"
    assert (customer.time_zone, customer.currency) == ("Europe/Berlin", "EUR")
    assert customer.health_check_interval_minutes == 30
    assert AuditEvent.objects.filter(action="customer.update", object_id=str(customer.pk)).exists()

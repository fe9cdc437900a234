"""A customer's health-check interval: set through the API and the admin, 15 minutes at least
(each check spends GTM quota every tenant shares), a week at most; bad values are a 400 naming
the field and change nothing; another organization's customer stays a 404."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from customers import services
from customers.models import Customer
from oneclicktag.core.exceptions import InvalidInput
from tenants.actors import Actor
from tenants.models import User


def url(customer):
    return f"/api/v1/customers/{customer.pk}/"


def test_a_customer_is_checked_every_six_hours_unless_told_otherwise(alice, make_customer):
    customer = make_customer(alice)

    body = alice.client.get(url(customer)).json()

    assert body["health_check_interval_minutes"] == 360
    assert body["next_health_check_at"] is None


def test_the_interval_is_set_on_create_and_changed_by_patch(alice):
    created = alice.client.post(
        "/api/v1/customers/",
        {
            "name": "Often",
            "website_url": "https://often.example",
            "health_check_interval_minutes": 15,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["health_check_interval_minutes"] == 15

    changed = alice.client.patch(
        f"/api/v1/customers/{created.json()['id']}/",
        {"health_check_interval_minutes": 1440},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    assert changed.json()["health_check_interval_minutes"] == 1440
    assert Customer.objects.get(pk=created.json()["id"]).health_check_interval_minutes == 1440


@pytest.mark.parametrize("value", [14, 0, -5, 7 * 24 * 60 + 1, "often", None, 30.5])
def test_an_interval_out_of_bounds_is_a_400_naming_the_field(alice, make_customer, value):
    customer = make_customer(alice)

    response = alice.client.patch(
        url(customer), {"health_check_interval_minutes": value}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == ["health_check_interval_minutes"]
    customer.refresh_from_db()
    assert (customer.health_check_interval_minutes, customer.version) == (360, 1)


def test_the_service_refuses_it_for_every_caller(alice, make_customer):
    customer = make_customer(alice)

    with pytest.raises(InvalidInput) as refused:
        services.customer_update(
            customer=customer,
            actor=Actor(user=alice.owner),
            data={"health_check_interval_minutes": 5},
        )

    assert "health_check_interval_minutes" in refused.value.fields
    with pytest.raises(InvalidInput):
        services.customer_create(
            organization=alice.organization,
            actor=Actor(user=alice.owner),
            name="Too often",
            website_url="https://too-often.example",
            health_check_interval_minutes=1,
        )


def test_a_shorter_interval_brings_the_next_check_closer_a_longer_one_keeps_it(
    alice, make_customer
):
    customer = make_customer(alice)
    planned = timezone.now() + timedelta(hours=5)
    Customer.objects.filter(pk=customer.pk).update(next_health_check_at=planned)

    alice.client.patch(url(customer), {"health_check_interval_minutes": 30}, format="json")
    customer.refresh_from_db()
    assert customer.next_health_check_at is not None
    assert customer.next_health_check_at <= timezone.now() + timedelta(minutes=30)

    sooner = customer.next_health_check_at
    alice.client.patch(url(customer), {"health_check_interval_minutes": 2880}, format="json")
    customer.refresh_from_db()
    assert customer.next_health_check_at == sooner


def test_bob_cannot_change_alices_interval(alice, bob, make_customer):
    customer = make_customer(alice)

    response = bob.client.patch(url(customer), {"health_check_interval_minutes": 15}, format="json")

    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.health_check_interval_minutes == 360


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(email="staff@oneclicktag.example"))
    return client


def test_the_admin_form_refuses_an_interval_below_the_floor(staff_client, alice, make_customer):
    customer = make_customer(alice)
    path = f"/admin/customers/customer/{customer.pk}/change/"
    page = staff_client.get(path).content.decode()
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)
    form = {
        **hidden,
        "name": customer.name,
        "slug": customer.slug,
        "website_url": customer.website_url,
        "status": customer.status,
        "tags": "[]",
        "drift_policy": customer.drift_policy,
        "publish_policy": customer.publish_policy,
        "time_zone": customer.time_zone,
        "currency": customer.currency,
    }

    refused = staff_client.post(path, {**form, "health_check_interval_minutes": "10"})
    accepted = staff_client.post(path, {**form, "health_check_interval_minutes": "45"})

    assert refused.status_code == 200
    assert "health_check_interval_minutes" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    customer.refresh_from_db()
    assert customer.health_check_interval_minutes == 45

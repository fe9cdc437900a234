"""One door for writes: the admin edits trackings, customers and organizations only through the
services the API uses (validation shown on the form's fields, audit with the staff actor, version
bump, deployment queued), connections not at all, and no admin page shows a secret."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import timezone

from customers.models import Customer, GoogleConnection
from integrations.models import OAuthState
from oneclicktag.core.crypto import encrypt_token
from tenants.actors import Actor
from tenants.models import ApiKey, AuditEvent, Invitation, Role, User
from tenants.services import invitation_create
from tests.trackings.api_support import TRACKINGS, create, make_customer
from trackings.models import Deployment, PendingChange, Tracking
from webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

STAFF_EMAIL = "staff@oneclicktag.example"


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser(email=STAFF_EMAIL)
    client = Client()
    client.force_login(user)
    return client


def _page(tracking: Tracking) -> str:
    return f"/admin/trackings/tracking/{tracking.pk}/change/"


def _form(tracking: Tracking, **overrides: Any) -> dict[str, Any]:
    """The change form as the page posts it, with `overrides` typed in."""
    data: dict[str, Any] = {
        "name": tracking.name,
        "config": json.dumps(tracking.config),
        "destinations": list(tracking.destinations),
        "ga4_event_name": tracking.ga4_event_name,
        "ga4_parameters": json.dumps(tracking.ga4_parameters),
        "ads_value": "" if tracking.ads_value is None else str(tracking.ads_value),
        "ads_currency": tracking.ads_currency,
        "ads_category": tracking.ads_category,
        "expected_version": tracking.version,
    }
    if tracking.key_event:
        data["key_event"] = "on"
    if tracking.ads_primary:
        data["ads_primary"] = "on"
    data.update(overrides)
    return data


def _field_errors(html: str, field: str) -> str:
    """The errors Django renders for one field of the form."""
    match = re.search(rf'<ul class="errorlist"[^>]*id="id_{field}_error">(.*?)</ul>', html, re.S)
    return unescape(match.group(1)) if match else ""


def _tracking(alice: Any, **fields: Any) -> Tracking:
    created = create(alice, make_customer(alice), **fields)
    return Tracking.objects.get(pk=created["id"])


def _unchanged(tracking: Tracking, deployments: int) -> None:
    before = {f: getattr(tracking, f) for f in ("name", "destinations", "ga4_event_name")}
    tracking.refresh_from_db()
    assert {f: getattr(tracking, f) for f in before} == before
    assert tracking.version == 1
    assert not AuditEvent.objects.filter(action="tracking.update").exists()
    assert Deployment.objects.filter(customer=tracking.customer).count() == deployments


def test_the_reported_edit_unknown_destination_and_page_view_is_refused_and_changes_nothing(
    alice: Any, staff: Client
) -> None:
    tracking = _tracking(alice)
    deployments = Deployment.objects.filter(customer=tracking.customer).count()

    response = staff.post(
        _page(tracking),
        _form(tracking, destinations=["ga4", "facebook"], ga4_event_name="page_view"),
    )

    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert "changed successfully" not in html
    assert "facebook" in _field_errors(html, "destinations")
    _unchanged(tracking, deployments)


def test_a_reserved_or_auto_collected_event_name_shows_on_its_field(
    alice: Any, staff: Client
) -> None:
    tracking = _tracking(alice)
    deployments = Deployment.objects.filter(customer=tracking.customer).count()

    page_view = staff.post(_page(tracking), _form(tracking, ga4_event_name="page_view"))
    reserved = staff.post(_page(tracking), _form(tracking, ga4_event_name="session_start"))

    assert "collects 'page_view' by itself" in _field_errors(
        page_view.content.decode(), "ga4_event_name"
    )
    assert "reserved" in _field_errors(reserved.content.decode(), "ga4_event_name")
    _unchanged(tracking, deployments)


def test_config_and_parameter_errors_name_their_part_of_the_field(
    alice: Any, staff: Client
) -> None:
    tracking = _tracking(alice)
    deployments = Deployment.objects.filter(customer=tracking.customer).count()

    response = staff.post(
        _page(tracking),
        _form(
            tracking,
            config=json.dumps({"selector": "button.ok", "colour": "red"}),
            ga4_parameters=json.dumps({"firebase_conversion": "1"}),
        ),
    )

    html = response.content.decode()
    assert _field_errors(html, "config").startswith("<li>colour: ")
    assert "firebase_conversion: " in _field_errors(html, "ga4_parameters")
    _unchanged(tracking, deployments)


def test_an_ads_setting_error_shows_on_the_ads_field(alice: Any, staff: Client) -> None:
    tracking = _tracking(alice, destinations=["ga4", "google_ads"])

    response = staff.post(_page(tracking), _form(tracking, ads_currency="usd"))

    assert "ISO 4217" in _field_errors(response.content.decode(), "ads_currency")
    tracking.refresh_from_db()
    assert tracking.version == 1


def test_a_valid_edit_is_audited_by_staff_bumps_the_version_and_queues_a_deployment(
    alice: Any, staff: Client
) -> None:
    tracking = _tracking(alice)
    Deployment.objects.filter(customer=tracking.customer).delete()

    response = staff.post(
        _page(tracking),
        _form(tracking, name="Buy button (fixed)", ga4_parameters=json.dumps({"plan": "pro"})),
        follow=True,
    )

    html = response.content.decode()
    tracking.refresh_from_db()
    assert (tracking.name, tracking.ga4_parameters, tracking.version) == (
        "Buy button (fixed)",
        {"plan": "pro"},
        2,
    )
    event = AuditEvent.objects.get(action="tracking.update", object_id=str(tracking.pk))
    assert event.actor_label == STAFF_EMAIL
    assert event.actor_user is not None
    assert event.actor_user.email == STAFF_EMAIL
    assert event.before is not None
    assert event.before["name"] == "Buy button"
    assert event.after is not None
    assert event.after["ga4_parameters"] == {"plan": "pro"}
    deployment = Deployment.objects.get(customer=tracking.customer)
    assert deployment.requested_tracking_ids == [str(tracking.pk)]
    assert deployment.created_by is not None
    assert deployment.created_by.email == STAFF_EMAIL
    assert f'href="/admin/trackings/deployment/{deployment.pk}/change/"' in html


def test_under_review_a_valid_edit_waits_in_the_pending_change(alice: Any, staff: Client) -> None:
    tracking = _tracking(alice)
    Customer.objects.filter(pk=tracking.customer_id).update(publish_policy="review")
    Deployment.objects.filter(customer=tracking.customer).delete()

    response = staff.post(_page(tracking), _form(tracking, name="Reviewed rename"), follow=True)

    tracking.refresh_from_db()
    assert (tracking.name, tracking.version) == ("Reviewed rename", 2)
    change = PendingChange.objects.get(customer=tracking.customer)
    assert "waits for review" in unescape(response.content.decode())
    assert str(change.pk) in response.content.decode()
    assert not Deployment.objects.filter(customer=tracking.customer).exists()
    assert AuditEvent.objects.get(action="tracking.update").actor_label == STAFF_EMAIL


def test_the_auto_collected_opt_in_works_as_in_the_api(alice: Any, staff: Client) -> None:
    tracking = _tracking(alice)

    response = staff.post(
        _page(tracking),
        _form(tracking, ga4_event_name="page_view", allow_auto_collected_event_name="on"),
    )

    assert response.status_code == 302, _field_errors(response.content.decode(), "ga4_event_name")
    tracking.refresh_from_db()
    assert (tracking.ga4_event_name, tracking.version) == ("page_view", 2)


def test_a_page_read_before_someone_else_changed_it_is_refused(alice: Any, staff: Client) -> None:
    tracking = _tracking(alice)
    stale = _form(tracking, name="Staff rename")
    patched = alice.client.patch(f"{TRACKINGS}{tracking.pk}/", {"name": "API rename"})
    assert patched.status_code in (200, 202), patched.json()

    response = staff.post(_page(tracking), stale)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    tracking.refresh_from_db()
    assert (tracking.name, tracking.version) == ("API rename", 2)


def test_type_is_read_only_and_staff_cannot_add_trackings(alice: Any, staff: Client) -> None:
    tracking = _tracking(alice)

    response = staff.post(_page(tracking), _form(tracking, type="rage_click"))
    add = staff.get("/admin/trackings/tracking/add/")

    assert response.status_code == 302
    tracking.refresh_from_db()
    assert tracking.type == "button_click"
    assert add.status_code == 403


def test_a_customer_edit_error_shows_on_its_field_and_saves_nothing(
    alice: Any, staff: Client
) -> None:
    customer = make_customer(alice, connected=False)
    path = f"/admin/customers/customer/{customer.pk}/change/"
    # A form error alone (a required field left out) leaves the page reading stored values.
    assert staff.post(path, {"time_zone": "Mars/Olympus"}).status_code == 200
    page = staff.get(path).content.decode()
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)
    form = {
        **hidden,
        "name": "Renamed",
        "slug": customer.slug,
        "website_url": customer.website_url,
        "contact_email": "",
        "status": customer.status,
        "tags": json.dumps(["ok", ""]),
        "notes": "",
        "drift_policy": customer.drift_policy,
        "publish_policy": customer.publish_policy,
        "time_zone": "Mars/Olympus",
        "currency": customer.currency,
        "health_check_interval_minutes": customer.health_check_interval_minutes,
    }

    response = staff.post(path, form)

    html = response.content.decode()
    assert response.status_code == 200
    assert "changed successfully" not in html
    assert _field_errors(html, "time_zone")
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("Acme", 1)
    assert not AuditEvent.objects.filter(action="customer.update").exists()
    # The time zone fixed, the tags are checked as the API checks them.
    response = staff.post(path, {**form, "time_zone": "Europe/Paris"})
    assert "1 to 64 characters" in _field_errors(response.content.decode(), "tags")
    fixed = staff.post(path, {**form, "time_zone": "Europe/Paris", "tags": '["ok", "ok"]'})
    assert fixed.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.tags, customer.version) == ("Renamed", ["ok"], 2)
    event = AuditEvent.objects.get(action="customer.update")
    assert event.actor_label == STAFF_EMAIL


def test_connections_and_sign_in_states_cannot_be_changed_in_the_admin(
    alice: Any, staff: Client
) -> None:
    customer = make_customer(alice)
    connection = GoogleConnection.objects.get(customer=customer)

    response = staff.post(
        f"/admin/customers/googleconnection/{connection.pk}/change/",
        {"gtm_container_id": "1", "ga4_measurement_id": "G-HIJACK"},
    )

    assert response.status_code == 403
    connection.refresh_from_db()
    assert connection.ga4_measurement_id == "G-OCT0001"
    assert staff.get("/admin/customers/googleconnection/add/").status_code == 403


def _secrets(alice: Any) -> tuple[list[str], list[str]]:
    """Every kind of secret the product stores, set to known values: (clear texts, stored)."""
    customer = make_customer(alice)
    refresh, access, verifier = "1//refresh-SECRET-aaaa", "ya29.access-SECRET-bbbb", "pkce-SECRET"
    stored = {
        "refresh": encrypt_token(refresh),
        "access": encrypt_token(access),
        "verifier": encrypt_token(verifier),
    }
    GoogleConnection.objects.filter(customer=customer).update(
        refresh_token_encrypted=stored["refresh"], access_token_encrypted=stored["access"]
    )
    OAuthState.objects.create(
        organization=alice.organization,
        customer=customer,
        user=alice.owner,
        code_verifier_encrypted=stored["verifier"],
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    actor = Actor(user=alice.owner)
    endpoint = webhook_endpoint_create(
        organization=alice.organization,
        url="https://hooks.acme.example/oct",
        events=["deployment.failed"],
        actor=actor,
    )
    invitation = invitation_create(
        organization=alice.organization,
        email="new@acme.example",
        role=Role.ADMIN,
        actor=actor,
        actor_role=Role.OWNER,
    )
    machine = alice.api_key_client(Role.ADMIN)
    clear = [refresh, access, verifier, endpoint.secret, invitation.token, machine.raw_key]
    kept = [
        *stored.values(),
        endpoint.endpoint.secret_encrypted,
        Invitation.objects.get(pk=invitation.invitation.pk).token_hash,
        ApiKey.objects.get(pk=machine.api_key.pk).secret_hash,
    ]
    return clear, kept


def test_no_admin_page_shows_a_token_secret_or_hash(alice: Any, staff: Client) -> None:
    clear, kept = _secrets(alice)
    create(alice, Customer.objects.get())  # a tracking, a deployment, audit events
    pages = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        pages += [base, f"{base}?q=SECRET"]
        manager = getattr(model, "all_objects", model._default_manager)
        for pk in manager.values_list("pk", flat=True)[:20]:
            pages += [f"{base}{pk}/change/", f"{base}{pk}/history/"]

    for path in pages:
        response = staff.get(path)
        assert response.status_code in (200, 302, 403), path
        html = response.content.decode()
        for secret in (*clear, *kept):
            assert secret not in html, (path, secret[:12])
    assert len(pages) > 40

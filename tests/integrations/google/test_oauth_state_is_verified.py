"""The callback trusts only a state we signed, once, in time, for the attempt it names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.utils import timezone

from customers.models import GoogleConnection
from integrations.google.services.authorization import STATE_SALT
from integrations.models import OAuthState
from tests.fixtures.google import CALLBACK_PATH, authorize_and_consent, make_customer

pytestmark = pytest.mark.django_db


def _callback(client: Any, params: dict[str, str]) -> Any:
    return client.get(CALLBACK_PATH, params)


def test_it_rejects_a_forged_state(alice: Any, google_emulator: Any, anonymous_client: Any) -> None:
    customer = make_customer(alice)
    params = authorize_and_consent(alice.client, customer)
    forged = params["state"][:-4] + ("AAAA" if not params["state"].endswith("AAAA") else "BBBB")
    response = _callback(anonymous_client, {**params, "state": forged})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["state"]
    assert not GoogleConnection.objects.filter(customer=customer).exists()


def test_it_rejects_an_expired_state(
    alice: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    customer = make_customer(alice)
    params = authorize_and_consent(alice.client, customer)
    OAuthState.objects.filter(customer=customer).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = _callback(anonymous_client, params)
    assert response.status_code == 400
    assert not GoogleConnection.objects.filter(customer=customer).exists()


def test_it_rejects_a_state_signed_longer_ago_than_ten_minutes(
    alice: Any, google_emulator: Any, anonymous_client: Any, monkeypatch: Any
) -> None:
    customer = make_customer(alice)
    params = authorize_and_consent(alice.client, customer)
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr("django.core.signing.time.time", later.timestamp)
    response = _callback(anonymous_client, params)
    assert response.status_code == 400
    assert "expired" in response.json()["error"]["fields"]["state"][0]
    assert not GoogleConnection.objects.filter(customer=customer).exists()


def test_it_rejects_a_replayed_state(
    alice: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    customer = make_customer(alice)
    params = authorize_and_consent(alice.client, customer)
    assert _callback(anonymous_client, params).status_code == 200
    GoogleConnection.objects.filter(customer=customer).delete()
    replay = _callback(anonymous_client, params)
    assert replay.status_code == 400
    assert not GoogleConnection.objects.filter(customer=customer).exists()


def test_it_rejects_a_state_rebound_to_another_organization(
    alice: Any, bob: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    alices_customer = make_customer(alice)
    bobs_customer = make_customer(bob)
    params = authorize_and_consent(alice.client, alices_customer)
    payload = signing.loads(params["state"], salt=STATE_SALT)
    # Validly signed (as if the secret leaked) but naming Bob's organization and customer.
    foreign = signing.dumps(
        {**payload, "o": str(bob.organization.pk), "c": str(bobs_customer.pk)}, salt=STATE_SALT
    )
    response = _callback(anonymous_client, {**params, "state": foreign})
    assert response.status_code == 400
    assert not GoogleConnection.objects.exists()


def test_it_rejects_a_state_whose_starter_lost_the_admin_role(
    alice: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    admin_client = alice.client_for("admin")
    customer = make_customer(alice)
    params = authorize_and_consent(admin_client, customer)
    from tenants.models import Membership

    Membership.objects.filter(user=admin_client.user).update(role="viewer")
    response = _callback(anonymous_client, params)
    assert response.status_code == 400
    assert not GoogleConnection.objects.filter(customer=customer).exists()


def test_a_denied_consent_stores_nothing(
    alice: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    customer = make_customer(alice)
    params = authorize_and_consent(alice.client, customer)
    response = _callback(anonymous_client, {"state": params["state"], "error": "access_denied"})
    assert response.status_code == 400
    assert not GoogleConnection.objects.filter(customer=customer).exists()


def test_a_code_google_refuses_is_a_400_and_stores_nothing(
    alice: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    customer = make_customer(alice)
    params = authorize_and_consent(alice.client, customer)
    response = _callback(anonymous_client, {**params, "code": "4/0-not-a-code"})
    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]
    assert not GoogleConnection.objects.filter(customer=customer).exists()

"""GET/PATCH /api/v1/me/notifications: a person's own e-mail preferences per organization."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.models import Membership, Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notifications"


def test_both_are_on_until_turned_off(alice: Any) -> None:
    assert alice.client.get(URL).json() == {"email_alerts": True, "email_daily_digest": True}

    response = alice.client.patch(URL, {"email_daily_digest": False})

    assert response.status_code == 200, response.content
    assert response.json() == {"email_alerts": True, "email_daily_digest": False}
    membership = Membership.objects.get(organization=alice.organization, user=alice.owner)
    assert membership.email_daily_digest is False
    assert membership.email_alerts is True


def test_preferences_are_per_organization(alice: Any, bob: Any) -> None:
    # Alice's owner also belongs to Bob's organization, as an admin.
    bob_admin = alice.owner
    Membership.objects.create(organization=bob.organization, user=bob_admin, role=Role.ADMIN)

    alice.client.patch(URL, {"email_alerts": False})

    in_bob = alice.client.with_organization(str(bob.organization.pk)).get(URL)
    assert in_bob.json() == {"email_alerts": True, "email_daily_digest": True}
    assert alice.client.get(URL).json()["email_alerts"] is False


def test_an_organization_one_does_not_belong_to_is_refused(alice: Any, bob: Any) -> None:
    response = alice.client.with_organization(str(bob.organization.pk)).patch(
        URL, {"email_alerts": False}
    )

    assert response.status_code == 404
    assert Membership.objects.get(organization=bob.organization, user=bob.owner).email_alerts


def test_bad_input_is_a_400_naming_the_field(alice: Any) -> None:
    response = alice.client.patch(URL, {"email_alerts": "sometimes"})

    assert response.status_code == 400
    assert "email_alerts" in response.json()["error"]["fields"]


def test_an_api_key_has_no_preferences(alice: Any) -> None:
    assert alice.api_key_client(Role.ADMIN).get(URL).status_code == 403

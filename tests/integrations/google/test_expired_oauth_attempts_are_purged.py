"""Authorization attempts are kept only while they can still be used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from integrations.models import OAuthState
from integrations.tasks import purge_oauth_attempts
from tests.fixtures.google import make_customer

pytestmark = pytest.mark.django_db


def test_the_hourly_purge_drops_only_stale_attempts(alice: Any, google_emulator: Any) -> None:
    customer = make_customer(alice)
    for _ in range(2):
        response = alice.client.post(
            f"/api/v1/customers/{customer.pk}/google/authorize/", {}, format="json"
        )
        assert response.status_code == 200
    stale = OAuthState.objects.order_by("created_at").first()
    assert stale is not None
    OAuthState.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    assert purge_oauth_attempts() == 1
    assert OAuthState.objects.count() == 1
    assert not OAuthState.objects.filter(pk=stale.pk).exists()

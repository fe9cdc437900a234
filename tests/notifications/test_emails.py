"""Owners and admins are e-mailed when a deployment fails and when a customer must reconnect
Google, and once a day with a digest; each person can opt out of either, per organization."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from integrations.google.services.tokens import connection_mark_needs_reconnect
from tenants.models import Membership, Role
from tests.fixtures.trackings import connection_of, deploy, make_tracking
from trackings.digest import digests_send
from trackings.models import DeploymentStatus

pytestmark = pytest.mark.django_db

BULK_UPDATE = "tagmanager.accounts.containers.workspaces.bulk_update"


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _opt_out(tenant: Any, user: Any, **flags: bool) -> None:
    Membership.objects.filter(organization=tenant.organization, user=user).update(**flags)


def _fail_a_deployment(customer: Any, emulator: Any, capture: Any) -> Any:
    make_tracking(customer)
    emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 409, "rate": 1, "count": 2}]}
    )
    with capture(execute=True):
        return deploy(customer)


def test_a_failed_deployment_emails_owners_and_admins_who_did_not_opt_out(
    alice: Any,
    engine_customer: Any,
    google_emulator: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = alice.user_for(Role.ADMIN)
    quiet_admin = alice.user_for(Role.ADMIN)
    member = alice.user_for(Role.MEMBER)
    _opt_out(alice, quiet_admin, email_alerts=False)

    failed = _fail_a_deployment(
        engine_customer, google_emulator, django_capture_on_commit_callbacks
    )

    assert failed.status == DeploymentStatus.FAILED
    assert _recipients() == sorted([alice.owner.email, admin.email])
    assert member.email not in _recipients()
    message = mail.outbox[0]
    assert "failed" in message.subject
    assert str(failed.pk) in message.body
    assert engine_customer.name in message.body


def test_a_lost_google_grant_emails_owners_and_admins(
    alice: Any, bob: Any, engine_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        connection_mark_needs_reconnect(
            connection=connection_of(engine_customer), reason="invalid_grant: Token revoked"
        )

    assert _recipients() == [alice.owner.email]
    assert bob.owner.email not in _recipients()
    assert "reconnect" in mail.outbox[0].subject
    assert "invalid_grant" in mail.outbox[0].body
    assert engine_customer.name in mail.outbox[0].body


def test_the_daily_digest_lists_failures_only_to_those_who_want_it(
    alice: Any,
    bob: Any,
    engine_customer: Any,
    google_emulator: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = alice.user_for(Role.ADMIN)
    _opt_out(alice, admin, email_daily_digest=False)
    failed = _fail_a_deployment(
        engine_customer, google_emulator, django_capture_on_commit_callbacks
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = digests_send()

    # Bob's organization has nothing to report: no e-mail.
    assert sent == 1
    [digest] = mail.outbox
    assert digest.to == [alice.owner.email]
    assert "daily digest" in digest.subject
    assert f"/api/v1/deployments/{failed.pk}/" in digest.body
    assert "Trackings that failed" in digest.body
    assert engine_customer.name in digest.body
    assert "email_daily_digest" in digest.body


def test_no_digest_when_nothing_went_wrong(
    alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 0
    assert mail.outbox == []

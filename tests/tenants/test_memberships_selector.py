"""The person's memberships read as SQL text are what the ORM's select_related read gave."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.actors import Actor
from tenants.models import Membership, Role
from tenants.selectors import memberships_with_user
from tenants.services import membership_create
from tests.fixtures.tenants import TenantHandle


def _state(instance: Any) -> dict[str, Any]:
    return {key: value for key, value in vars(instance).items() if not key.startswith("_")}


def test_it_reads_what_the_orm_reads_in_one_query(
    alice: TenantHandle, bob: TenantHandle, charlie: TenantHandle
) -> None:
    person = alice.owner
    membership_create(
        organization=bob.organization, user=person, role=Role.VIEWER, actor=Actor(user=bob.owner)
    )
    membership_create(
        organization=charlie.organization,
        user=person,
        role=Role.ADMIN,
        actor=Actor(user=charlie.owner),
    )
    # A deleted organization's membership is not the person's any more.
    charlie.organization.delete()
    expected = list(
        Membership.objects.select_related("user", "organization").filter(
            user__firebase_uid=person.firebase_uid, organization__deleted__isnull=True
        )
    )

    with CaptureQueriesContext(connection) as queries:
        found = memberships_with_user(str(person.firebase_uid))

    assert len(queries) == 1
    assert [m.pk for m in found] == [m.pk for m in expected]
    assert len(found) == 2
    for mine, theirs in zip(found, expected, strict=True):
        assert _state(mine) == _state(theirs)
        assert _state(mine.organization) == _state(theirs.organization)
        assert _state(mine.user) == _state(theirs.user)
        assert not mine._state.adding
        assert mine._state.db == "default"
    # One person, one User object.
    assert found[0].user is found[1].user


def test_an_unknown_person_has_none(alice: TenantHandle) -> None:
    assert memberships_with_user("uid-nobody") == ()

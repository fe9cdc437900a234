"""Every tenants list issues the same number of SQL queries for 1 row as for 30."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.actors import Actor
from tenants.models import AuditEvent
from tenants.services import audit_record, invitation_create, organization_create
from tests.fixtures.tenants import TenantHandle, user_client


def _add_members(tenant: TenantHandle, count: int) -> None:
    for _ in range(count):
        tenant.user_for("member")


def _add_invitations(tenant: TenantHandle, count: int) -> None:
    start = tenant.organization.invitations.count()
    for index in range(start, start + count):
        invitation_create(
            organization=tenant.organization,
            email=f"guest{index}@example.com",
            role="viewer",
            actor=Actor(user=tenant.owner),
            actor_role="owner",
        )


def _add_api_keys(tenant: TenantHandle, count: int) -> None:
    for _ in range(count):
        tenant.api_key_client("viewer")


def _add_audit_events(tenant: TenantHandle, count: int) -> None:
    for index in range(count):
        audit_record(
            organization=tenant.organization,
            actor=Actor(user=tenant.owner),
            action="test.touch",
            object_type="thing",
            object_id=index,
            before={"n": index},
            after={"n": index + 1},
        )


def _add_organizations(tenant: TenantHandle, count: int) -> None:
    for index in range(count):
        organization_create(name=f"Extra {index}", actor=Actor(user=tenant.owner))


LISTS: dict[str, tuple[str, Callable[[TenantHandle, int], None]]] = {
    "members": ("/api/v1/members/", _add_members),
    "invitations": ("/api/v1/invitations/", _add_invitations),
    "api-keys": ("/api/v1/api-keys/", _add_api_keys),
    "audit-events": ("/api/v1/audit-events/", _add_audit_events),
    "organizations": ("/api/v1/organizations/", _add_organizations),
}


def _row_count(tenant: TenantHandle, path: str) -> int:
    return len(tenant.client.get(f"{path}?page_size=200").json()["results"])


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_costs_the_same_queries_for_1_and_30_rows(
    alice: TenantHandle, name: str, django_assert_num_queries
) -> None:
    path, add = LISTS[name]
    if name == "audit-events":
        AuditEvent.objects.filter(organization=alice.organization).delete()
        add(alice, 1)
    elif name in ("invitations", "api-keys"):
        add(alice, 1)
    # Members and organizations start with Alice's own row.
    client = user_client(alice.owner, alice.organization)
    assert _row_count(alice, path) == 1
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(f"{path}?page_size=200").status_code == 200
    baseline = len(one_row.captured_queries)
    # The user, the membership, the page (organizations need no membership lookup).
    assert baseline <= 3, baseline
    add(alice, 29)
    assert _row_count(alice, path) == 30
    with django_assert_num_queries(baseline):
        response = client.get(f"{path}?page_size=200")
    assert len(response.json()["results"]) == 30

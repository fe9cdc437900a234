"""Review before publish over REST, without Google: the setting, where writes go, the pending
change endpoints' tenancy, roles, bad input and query counts. What approving publishes, against
the emulator, is in test_engine_review.py."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, PublishPolicy
from oneclicktag.core.exceptions import Conflict
from tenants.actors import Actor
from tenants.models import AuditEvent
from tests.fixtures.trackings import SYSTEM
from tests.trackings.api_support import BULK, TRACKINGS, body, create, make_customer
from trackings.models import (
    Deployment,
    PendingChange,
    PendingChangeStatus,
    PendingChangeTracking,
    Tracking,
)
from trackings.services import (
    pending_change_approve,
    pending_change_record,
    pending_changes_sweep,
)

pytestmark = pytest.mark.django_db


def _review(customer: Customer) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(publish_policy=PublishPolicy.REVIEW)
    customer.refresh_from_db()
    return customer


def changes_url(customer: Any, change: Any = None, action: str = "") -> str:
    url = f"/api/v1/customers/{customer.pk}/changes/"
    if change is not None:
        url += f"{change}/"
    return url + (f"{action}/" if action else "")


def test_publish_policy_defaults_to_auto_takes_only_its_choices_and_needs_an_admin(
    alice: Any,
) -> None:
    customer = make_customer(alice, connected=False)
    url = f"/api/v1/customers/{customer.pk}/"
    assert alice.client.get(url).json()["publish_policy"] == "auto"

    refused = alice.client.patch(url, {"publish_policy": "later"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["publish_policy"]

    member = alice.client_for("member")
    forbidden = member.patch(url, {"publish_policy": "review"}, format="json")
    assert forbidden.status_code == 403
    assert Customer.objects.get(pk=customer.pk).publish_policy == "auto"
    # A member may still edit the rest of the customer.
    assert member.patch(url, {"notes": "hello"}, format="json").status_code == 200

    admin = alice.client_for("admin")
    response = admin.patch(url, {"publish_policy": "review"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["publish_policy"] == "review"
    event = AuditEvent.objects.filter(action="customer.update").latest("created_at")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["publish_policy"], event.after["publish_policy"]) == ("auto", "review")


def test_a_customer_can_be_created_under_review(alice: Any) -> None:
    response = alice.client.post(
        "/api/v1/customers/",
        {"name": "Careful", "website_url": "https://careful.example", "publish_policy": "review"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Customer.objects.get(pk=response.json()["id"]).publish_policy == "review"


def test_under_review_writes_gather_in_one_pending_change_and_queue_no_deployment(
    alice: Any,
) -> None:
    customer = _review(make_customer(alice))

    first = create(alice, customer, name="First")
    assert first["deployment"] is None
    assert first["status"] == "pending"
    change_id = first["pending_change"]["id"]
    assert first["pending_change"]["status"] == "pending"
    second = create(alice, customer, name="Second")
    assert second["pending_change"]["id"] == change_id
    edited = alice.client.patch(
        f"{TRACKINGS}{first['id']}/", {"name": "First, renamed"}, format="json"
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["pending_change"]["id"] == change_id
    bulk = alice.client.post(
        BULK, {"trackings": [body(customer, name=f"B{i}") for i in range(3)]}, format="json"
    )
    assert bulk.status_code == 201, bulk.json()
    assert bulk.json()["deployments"] == []
    assert [c["id"] for c in bulk.json()["pending_changes"]] == [change_id]

    assert not Deployment.objects.filter(customer=customer).exists()
    change = PendingChange.objects.get(customer=customer)
    assert change.status == PendingChangeStatus.PENDING
    assert change.revision == 4
    assert change.plan is None
    ids = list(Tracking.objects.filter(customer=customer).values_list("pk", flat=True))
    assert set(change.tracking_ids) == {str(pk) for pk in ids}
    # One audit event for the opening, none for each extension.
    assert AuditEvent.objects.filter(action="pending_change.create").count() == 1


def test_a_delete_under_review_waits_in_the_change(alice: Any) -> None:
    customer = make_customer(alice)
    tracking = create(alice, customer)
    _review(customer)

    response = alice.client.delete(f"{TRACKINGS}{tracking['id']}/")

    assert response.status_code == 202
    assert response.json()["status"] == "removing"
    assert response.json()["pending_change"]["tracking_ids"] == [tracking["id"]]
    # Only the deployment queued before review was switched on.
    assert Deployment.objects.filter(customer=customer).count() == 1


def test_deploy_now_is_refused_while_a_change_waits_for_review(alice: Any) -> None:
    customer = _review(make_customer(alice))
    url = f"/api/v1/customers/{customer.pk}/deploy/"
    # Nothing waits: deploying the approved state is harmless.
    assert alice.client.post(url).status_code == 202
    change = create(alice, customer)["pending_change"]

    refused = alice.client.post(url)

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "review_required"
    assert change["id"] in refused.json()["error"]["message"]


def test_the_list_and_detail_show_changes_newest_first_with_the_plan_on_the_detail(
    alice: Any,
) -> None:
    customer = _review(make_customer(alice))
    change_id = create(alice, customer)["pending_change"]["id"]
    PendingChange.objects.filter(pk=change_id).update(
        plan={"gtm": {"create": [], "update": [], "delete": [], "unchanged": 0}}
    )

    listed = alice.client.get(changes_url(customer))
    detail = alice.client.get(changes_url(customer, change_id))

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [change_id]
    assert "plan" not in listed.json()["results"][0]
    assert detail.status_code == 200
    assert detail.json()["plan"]["gtm"]["unchanged"] == 0
    assert detail.json()["status"] == "pending"
    viewer = alice.client_for("viewer")
    assert viewer.get(changes_url(customer, change_id)).status_code == 200
    filtered = alice.client.get(changes_url(customer), {"status": "approved"})
    assert filtered.json()["results"] == []


def test_bad_filters_are_a_400_naming_the_field(alice: Any) -> None:
    customer = _review(make_customer(alice))
    response = alice.client.get(changes_url(customer), {"status": "maybe"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["status"]


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(captured)


def test_list_and_detail_cost_a_fixed_number_of_queries(alice: Any) -> None:
    customer = _review(make_customer(alice))
    change_id = create(alice, customer)["pending_change"]["id"]
    _count(alice.client, changes_url(customer))  # warm per-process caches
    list_one = _count(alice.client, changes_url(customer))
    detail = _count(alice.client, changes_url(customer, change_id))

    # Twenty more, approved (the list shows history too), carrying three trackings each.
    PendingChange.objects.filter(pk=change_id).update(status=PendingChangeStatus.APPROVED)
    older = PendingChange.objects.bulk_create(
        PendingChange(
            organization=alice.organization,
            customer=customer,
            status=PendingChangeStatus.APPROVED,
        )
        for _ in range(20)
    )
    carried = {str(change.pk): [str(uuid.uuid4()) for _ in range(3)] for change in older}
    PendingChangeTracking.objects.bulk_create(
        PendingChangeTracking(change_id=pk, tracking_id=uuid.UUID(value))
        for pk, ids in carried.items()
        for value in ids
    )
    list_many = _count(alice.client, changes_url(customer))
    listed = alice.client.get(changes_url(customer), {"page_size": 200}).json()["results"]
    assert {row["id"]: row["tracking_ids"] for row in listed if row["id"] != change_id} == carried

    # The user with their memberships (one query), the customer, the page.
    assert list_one == list_many == 3
    # The user with their memberships, the customer, the change.
    assert detail == 3


def test_another_organizations_changes_are_a_404_on_every_path(alice: Any, bob: Any) -> None:
    customer = _review(make_customer(alice))
    change_id = create(alice, customer)["pending_change"]["id"]
    bobs_customer = _review(make_customer(bob))
    bob_admin = bob.client_for("admin")

    assert bob.client.get(changes_url(customer)).status_code == 404
    assert bob.client.get(changes_url(customer, change_id)).status_code == 404
    assert bob_admin.post(changes_url(customer, change_id, "approve")).status_code == 404
    # Alice's change under Bob's customer is not found either.
    assert bob.client.get(changes_url(bobs_customer, change_id)).status_code == 404
    assert bob.client.get(changes_url(bobs_customer)).json()["results"] == []
    # Nor under another customer of Alice's own.
    other = make_customer(alice, name="Other")
    assert alice.client.get(changes_url(other, change_id)).status_code == 404
    assert alice.client.post(changes_url(other, change_id, "approve")).status_code == 404
    assert PendingChange.objects.get(pk=change_id).status == PendingChangeStatus.PENDING


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_only_admins_and_up_approve(alice: Any, role: str) -> None:
    customer = _review(make_customer(alice))
    change_id = create(alice, customer)["pending_change"]["id"]

    response = alice.client_for(role).post(changes_url(customer, change_id, "approve"))

    assert response.status_code == 403
    assert PendingChange.objects.get(pk=change_id).status == PendingChangeStatus.PENDING
    assert not Deployment.objects.filter(customer=customer).exists()
    key = alice.api_key_client(role)
    assert key.post(changes_url(customer, change_id, "approve")).status_code == 403


def test_an_unknown_change_is_a_404(alice: Any) -> None:
    customer = _review(make_customer(alice))
    missing = "00000000-0000-4000-8000-000000000000"
    assert alice.client.get(changes_url(customer, missing)).status_code == 404
    assert alice.client.post(changes_url(customer, missing, "approve")).status_code == 404
    assert alice.client.get(f"/api/v1/customers/{customer.pk}/changes/not-a-uuid/").status_code == (
        404
    )


def test_the_beat_sends_the_plan_task_again_for_changes_left_without_a_plan(
    alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lost = create(alice, _review(make_customer(alice)))["pending_change"]["id"]
    planned = create(bob, _review(make_customer(bob)))["pending_change"]["id"]
    create(alice, _review(make_customer(alice, name="Fresh")))
    PendingChange.objects.filter(pk=planned).update(planned_revision=1)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    PendingChange.objects.filter(pk__in=[lost, planned]).update(updated_at=an_hour_ago)

    with django_capture_on_commit_callbacks() as sent:
        swept = pending_changes_sweep()

    # Only the old one without a plan (the fresh one's task may still be on its way).
    assert swept == 1
    assert len(sent) == 1


def test_trackings_a_restored_customer_brings_back_wait_for_review(alice: Any) -> None:
    customer = make_customer(alice)
    tracking = create(alice, customer)
    alice.client.delete(f"/api/v1/customers/{customer.pk}/")
    Customer.all_objects.filter(pk=customer.pk).update(publish_policy=PublishPolicy.REVIEW)
    queued = Deployment.objects.filter(customer=customer).count()

    restored = alice.client.post(f"/api/v1/customers/{customer.pk}/restore/")

    assert restored.status_code == 200, restored.json()
    change = PendingChange.objects.get(customer=customer)
    assert change.tracking_ids == [tracking["id"]]
    assert Deployment.objects.filter(customer=customer).count() == queued


def test_an_approved_change_is_not_approved_twice(alice: Any) -> None:
    customer = _review(make_customer(alice))
    change_id = create(alice, customer)["pending_change"]["id"]
    PendingChange.objects.filter(pk=change_id).update(status=PendingChangeStatus.APPROVED)

    response = alice.client.post(changes_url(customer, change_id, "approve"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pending_change_approved"
    assert not Deployment.objects.filter(customer=customer).exists()


def test_a_write_between_the_check_and_the_approval_approves_nothing(alice: Any) -> None:
    customer = _review(make_customer(alice))
    change_id = create(alice, customer)["pending_change"]["id"]
    checked = PendingChange.objects.get(pk=change_id)
    # Another write extends the change after its plan was checked at Google.
    create(alice, customer, name="Meanwhile")

    with pytest.raises(Conflict) as refused:
        pending_change_approve(change=checked, actor=Actor(user=alice.owner), revision=1)

    assert refused.value.code == "pending_change_plan_changed"
    assert PendingChange.objects.get(pk=change_id).status == PendingChangeStatus.PENDING
    assert not Deployment.objects.filter(customer=customer).exists()


def _statements_of_extending(customer: Customer, tracking_id: uuid.UUID) -> list[str]:
    """The SQL of one tracking's write extending the customer's open change."""
    with CaptureQueriesContext(connection) as captured:
        pending_change_record(customer=customer, actor=SYSTEM, tracking_ids=[tracking_id])
    return [q["sql"] for q in captured.captured_queries]


def _shape(statements: list[str]) -> list[str]:
    """Statements with their values masked."""
    return [re.sub(r"'[^']*'", "?", sql) for sql in statements]


def test_the_500th_tracking_extends_an_open_change_with_the_queries_of_the_first(
    alice: Any,
) -> None:
    customer = _review(make_customer(alice))
    opened = pending_change_record(customer=customer, actor=SYSTEM, tracking_ids=[])

    first = _statements_of_extending(customer, uuid.uuid4())
    for _ in range(498):
        pending_change_record(customer=customer, actor=SYSTEM, tracking_ids=[uuid.uuid4()])
    five_hundredth = _statements_of_extending(customer, uuid.uuid4())

    # Lock the open change, insert the tracking's row, bump the revision (clearing the plan).
    assert len(first) == 3, first
    # The same statements, their values of the same size: nothing grows with what it carries.
    assert _shape(five_hundredth) == _shape(first)
    assert [len(sql) for sql in five_hundredth] == [len(sql) for sql in first]
    change = PendingChange.objects.get(customer=customer)
    assert change.pk == opened.pk
    assert change.revision == 501
    assert len(change.tracking_ids) == len(set(change.tracking_ids)) == 500

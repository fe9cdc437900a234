"""Two organizations, one GTM container (issue 13): the second is refused at choose time, and
what another customer has in a container is never touched by this customer's deployments."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from customers.models import GoogleConnection
from google_emulator import seed
from integrations.google.clients import google_clients_for
from tests.fixtures.google import oauth_connect
from tests.fixtures.trackings import connection_of, deploy, live_version, make_tracking, parameters
from trackings.compiler import ContainerSpec, TrackingSpec, compile_container
from trackings.models import DeploymentStatus
from trackings.planner import managed_key, plan_workspace

pytestmark = pytest.mark.django_db

VOLATILE = ("fingerprint", "path", "workspaceId", "tagManagerUrl", "containerVersionId")
DEFAULT_WORKSPACE = f"{seed.GTM_CONTAINER_PATH}/workspaces/{seed.GTM_DEFAULT_WORKSPACE_ID}"
BOBS_MEASUREMENT_ID = "G-BOB0000001"


def owned(version: dict[str, Any], customer_id: Any) -> dict[str, dict[str, Any]]:
    """The entities marked for one customer, by marker, without what moves between versions."""
    return {
        f"{kind}:{key}": {k: v for k, v in entity.items() if k not in VOLATILE}
        for kind in ("tag", "trigger", "variable")
        for entity in version.get(kind) or []
        if (key := managed_key(entity, str(customer_id))) is not None
    }


def test_a_second_organization_can_neither_take_nor_touch_the_container(
    alice: Any, bob: Any, engine_customer: Any
) -> None:
    make_tracking(engine_customer, name="Alice buys")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    alices = owned(live_version(engine_customer), engine_customer.pk)
    assert "tag:oneclicktag:google-tag:container" in alices

    # Bob's customer (another organization) cannot choose it, and is not told whose it is.
    bobs = oauth_connect(bob)
    url = f"/api/v1/customers/{bobs.customer_id}/google/"
    response = bob.client.patch(
        url,
        {"gtm_account_id": seed.GTM_ACCOUNT_ID, "gtm_container_id": seed.GTM_CONTAINER_ID},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["gtm_container_id"] == [
        "Another customer already uses this container."
    ]
    for secret in (alice.organization.name, alice.organization.slug, engine_customer.name):
        assert secret not in response.content.decode()
    listed = bob.client.get(url + "gtm-containers/").json()["accounts"]
    [offered] = [
        c for a in listed for c in a["containers"] if c["container_id"] == seed.GTM_CONTAINER_ID
    ]
    assert offered["available"] is False
    assert GoogleConnection.objects.get(pk=bobs.pk).gtm_container_id == ""
    # A race past the check still meets the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        GoogleConnection.objects.filter(pk=bobs.pk).update(gtm_container_id=seed.GTM_CONTAINER_ID)

    # What Bob's deployments wrote into the container before there was a rule: his entities,
    # marked for his customer, with his own Google tag. Planning them touched nothing of Alice's.
    gtm = google_clients_for(connection_of(engine_customer)).gtm
    gtm.sync_workspace(DEFAULT_WORKSPACE)
    bobs_desired = compile_container(
        [
            TrackingSpec(
                id=uuid.uuid4(),
                type="button_click",
                name="Bob buys",
                config={"selector": "button.bob"},
            )
        ],
        ContainerSpec(
            measurement_id=BOBS_MEASUREMENT_ID,
            ads_conversion_id=None,
            public_id=seed.GTM_CONTAINER_PUBLIC_ID,
            owner=str(bobs.customer_id),
        ),
    )
    bobs_plan = plan_workspace(bobs_desired, gtm.list_entities(DEFAULT_WORKSPACE))
    assert bobs_plan.updates == bobs_plan.deletes == []
    gtm.bulk_update(DEFAULT_WORKSPACE, bobs_plan.bulk_changes())
    version = gtm.create_version(DEFAULT_WORKSPACE, "Bob's", "")["containerVersion"]
    gtm.publish_version(version["path"])
    live = live_version(engine_customer)
    theirs = owned(live, bobs.customer_id)
    assert len(theirs) == len(bobs_desired.entities)
    assert owned(live, engine_customer.pk) == alices

    # Alice deploys a change and repairs: Bob's entities stay exactly as they were, and each
    # Google tag keeps its own measurement id.
    make_tracking(engine_customer, name="Alice subscribes")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live = live_version(engine_customer)
    assert owned(live, bobs.customer_id) == theirs
    google_tags = {parameters(tag)["tagId"] for tag in live["tag"] if tag.get("type") == "googtag"}
    measurement_id = connection_of(engine_customer).ga4_measurement_id
    assert google_tags == {measurement_id, BOBS_MEASUREMENT_ID}
    assert set(owned(live, engine_customer.pk)) > set(alices)

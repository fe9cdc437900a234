"""Entities someone else created in the container are never modified or deleted."""

from __future__ import annotations

from typing import Any

import pytest

from google_emulator import seed
from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import connection_of, deploy, live_version, make_tracking
from trackings.models import DeploymentStatus, Tracking

pytestmark = pytest.mark.django_db

# Where an entity sits, not what it is: these differ between versions of the same entity.
VOLATILE = ("fingerprint", "path", "workspaceId", "tagManagerUrl", "containerVersionId")
DEFAULT_WORKSPACE = f"{seed.GTM_CONTAINER_PATH}/workspaces/{seed.GTM_DEFAULT_WORKSPACE_ID}"


def publish_foreign_entities(customer: Any) -> None:
    """What a person does in the GTM UI: a trigger and a tag in the Default Workspace."""
    gtm = google_clients_for(connection_of(customer)).gtm
    gtm.bulk_update(
        DEFAULT_WORKSPACE,
        [
            {
                "trigger": {
                    "triggerId": "new_1",
                    "name": "Their checkout trigger",
                    "type": "pageview",
                    "filter": [
                        {
                            "type": "contains",
                            "parameter": [
                                {"type": "template", "key": "arg0", "value": "{{Page Path}}"},
                                {"type": "template", "key": "arg1", "value": "/checkout"},
                            ],
                        }
                    ],
                },
                "changeStatus": "added",
            },
            {
                "tag": {
                    "tagId": "new_2",
                    "name": "Their pixel",
                    "type": "html",
                    "notes": "Installed by the agency before OneClickTag.",
                    "parameter": [
                        {"type": "template", "key": "html", "value": "<script>window.x=1</script>"}
                    ],
                    "firingTriggerId": ["new_1"],
                },
                "changeStatus": "added",
            },
        ],
    )
    version = gtm.create_version(DEFAULT_WORKSPACE, "Their version", "")["containerVersion"]
    gtm.publish_version(version["path"])


def foreign(version: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for kind, id_field in (("tag", "tagId"), ("trigger", "triggerId")):
        for entity in version.get(kind) or []:
            if not str(entity.get("notes", "")).startswith("oneclicktag:"):
                body = {k: v for k, v in entity.items() if k not in VOLATILE}
                out[f"{kind}:{entity[id_field]}"] = body
    return out


def test_deploying_and_removing_never_touches_their_entities(
    alice: Any, engine_customer: Any
) -> None:
    publish_foreign_entities(engine_customer)
    theirs = foreign(live_version(engine_customer))
    assert len(theirs) == 2

    tracking = make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert foreign(live_version(engine_customer)) == theirs

    response = alice.client.delete(f"/api/v1/trackings/{tracking.pk}/")
    assert response.status_code in (202, 204), response.content
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live = live_version(engine_customer)
    assert foreign(live) == theirs
    assert Tracking.deleted_objects.filter(pk=tracking.pk).exists()


def test_a_foreign_entity_named_like_ours_is_left_alone(engine_customer: Any) -> None:
    tracking = make_tracking(engine_customer, name="Buy", destinations=["ga4"])
    first = deploy(engine_customer)
    assert first.status == DeploymentStatus.SUCCEEDED
    ours = [
        t for t in live_version(engine_customer)["tag"] if str(tracking.pk) in t.get("notes", "")
    ]
    # Someone copies our tag's look without our marker: it is theirs from now on.
    gtm = google_clients_for(connection_of(engine_customer)).gtm
    copy = {k: v for k, v in ours[0].items() if k in ("type", "parameter", "firingTriggerId")}
    gtm.bulk_update(
        DEFAULT_WORKSPACE,
        [{"tag": {"tagId": "new_1", "name": "Copied GA4 event", **copy}, "changeStatus": "added"}],
    )
    gtm.sync_workspace(DEFAULT_WORKSPACE)
    version = gtm.create_version(DEFAULT_WORKSPACE, "Their copy", "")["containerVersion"]
    gtm.publish_version(version["path"])
    theirs = foreign(live_version(engine_customer))

    Tracking.objects.filter(pk=tracking.pk).update(status="pending", name="Buy now")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert foreign(live_version(engine_customer)) == theirs

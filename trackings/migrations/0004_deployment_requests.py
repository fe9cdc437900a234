"""Requested trackings move from a JSON list on the deployment to one row each."""

import uuid
from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def _rows_from_lists(apps: Any, schema_editor: Any) -> None:
    Deployment = apps.get_model("trackings", "Deployment")
    DeploymentRequest = apps.get_model("trackings", "DeploymentRequest")
    rows = []
    for pk, ids in Deployment.objects.exclude(requested_tracking_ids=[]).values_list(
        "pk", "requested_tracking_ids"
    ):
        for value in dict.fromkeys(ids or []):
            try:
                rows.append(DeploymentRequest(deployment_id=pk, tracking_id=uuid.UUID(str(value))))
            except ValueError:
                continue
    DeploymentRequest.objects.bulk_create(rows, batch_size=5000)


def _lists_from_rows(apps: Any, schema_editor: Any) -> None:
    Deployment = apps.get_model("trackings", "Deployment")
    DeploymentRequest = apps.get_model("trackings", "DeploymentRequest")
    lists: dict[Any, list[str]] = {}
    for deployment_id, tracking_id in DeploymentRequest.objects.order_by("id").values_list(
        "deployment_id", "tracking_id"
    ):
        lists.setdefault(deployment_id, []).append(str(tracking_id))
    for deployment_id, ids in lists.items():
        Deployment.objects.filter(pk=deployment_id).update(requested_tracking_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("trackings", "0003_deployment_partially_failed"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeploymentRequest",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("tracking_id", models.UUIDField()),
                (
                    "deployment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="requested",
                        to="trackings.deployment",
                    ),
                ),
            ],
            options={
                "ordering": ("id",),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("deployment", "tracking_id"), name="deployment_request_once"
                    )
                ],
            },
        ),
        migrations.RunPython(_rows_from_lists, _lists_from_rows),
        migrations.RemoveField(
            model_name="deployment",
            name="requested_tracking_ids",
        ),
    ]

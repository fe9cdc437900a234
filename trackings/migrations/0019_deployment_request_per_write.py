"""A deployment request is one write's trackings in one text, no longer a row per tracking
(trackings.models.DeploymentRequest). Each existing row becomes a request of one tracking,
in the same order."""

import django.db.models.deletion
from django.db import migrations, models


def one_tracking_a_request(apps, schema_editor):
    DeploymentRequest = apps.get_model("trackings", "DeploymentRequest")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE trackings_deploymentrequest SET tracking_ids = tracking_id::text"
        )
        return
    batch = []
    for request in DeploymentRequest.objects.only("id", "tracking_id").iterator(chunk_size=2000):
        request.tracking_ids = str(request.tracking_id)
        batch.append(request)
        if len(batch) == 2000:
            DeploymentRequest.objects.bulk_update(batch, ["tracking_ids"])
            batch = []
    DeploymentRequest.objects.bulk_update(batch, ["tracking_ids"])


def one_row_a_tracking(apps, schema_editor):
    """Back to a row per tracking: each named once per deployment, where it was first named."""
    DeploymentRequest = apps.get_model("trackings", "DeploymentRequest")
    named = set()
    rows = []
    for request in DeploymentRequest.objects.order_by("id").iterator(chunk_size=2000):
        for tracking_id in request.tracking_ids.split(","):
            if tracking_id and (request.deployment_id, tracking_id) not in named:
                named.add((request.deployment_id, tracking_id))
                rows.append(
                    DeploymentRequest(deployment_id=request.deployment_id, tracking_id=tracking_id)
                )
    DeploymentRequest.objects.all().delete()
    DeploymentRequest.objects.bulk_create(rows, batch_size=2000)
    if schema_editor.connection.vendor == "postgresql":
        # The new rows' foreign-key checks now: the next step alters the table, which
        # PostgreSQL refuses while checks are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("trackings", "0018_foreign_keys_served_by_composite_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="deploymentrequest",
            name="deployment_request_once",
        ),
        migrations.AddField(
            model_name="deploymentrequest",
            name="tracking_ids",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="deploymentrequest",
            name="tracking_id",
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(one_tracking_a_request, one_row_a_tracking),
        migrations.RemoveField(
            model_name="deploymentrequest",
            name="tracking_id",
        ),
        migrations.AlterField(
            model_name="deploymentrequest",
            name="deployment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="requested",
                to="trackings.deployment",
            ),
        ),
    ]
